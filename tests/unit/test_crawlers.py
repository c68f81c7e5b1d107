"""Crawlers and preview fetchers from the maintained crawler-user-agents list; who is none."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shortstack.adapters import crawlers
from shortstack.adapters.crawlers import (
    NOT_BOTS,
    PREVIEW_TAG,
    SHIPPED_INDEX,
    CrawlerIndex,
    crawler_index,
    crawler_kind,
    data_path,
    installed_version,
    literal_forms,
    shipped_index,
)
from shortstack.domain.link_routing import CRAWLER, PREVIEW_FETCHER

CRAWLERS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
]
PREVIEW_FETCHERS = [
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
]
PEOPLE = [
    "curl/8.5.0",
    "Wget/1.21.3",
    "python-requests/2.32.3",
    "Python-urllib/3.11",
    "python-httpx/0.28.1",
    "HTTPie/3.2.2",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.6778.33 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "",
]


@pytest.mark.parametrize("user_agent", CRAWLERS)
def test_crawlers_are_crawlers(user_agent: str) -> None:
    assert crawler_kind(user_agent) == CRAWLER


@pytest.mark.parametrize("user_agent", PREVIEW_FETCHERS)
def test_link_preview_fetchers_are_preview_fetchers(user_agent: str) -> None:
    assert crawler_kind(user_agent) == PREVIEW_FETCHER


@pytest.mark.parametrize("user_agent", PEOPLE)
def test_browsers_and_the_tools_people_drive_are_not_bots(user_agent: str) -> None:
    assert crawler_kind(user_agent) is None


def test_no_user_agent_is_no_bot() -> None:
    assert crawler_kind(None) is None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("Googlebot\\/", (False, ["Googlebot/"])),
        ("^curl", (True, ["curl"])),
        ("[wW]get", (False, ["wget", "Wget"])),
        ("S[eE]mrush", (False, ["Semrush", "SEmrush"])),
        ("Ahrefs(Bot|SiteAudit)", None),
        ("BlogTraffic\\/\\d\\.\\d+", None),
        ("SSL Labs$", None),
        ("[ab]x", None),  # two different letters: a class, not a case pair
        ("ds", None),  # shorter than the index's grams: left to the regular expression
    ],
)
def test_only_plain_text_patterns_are_indexed(
    pattern: str, expected: tuple[bool, list[str]] | None
) -> None:
    assert literal_forms(pattern) == expected


@pytest.mark.slow
def test_the_index_answers_like_the_lists_own_patterns_on_every_sample_it_ships() -> None:
    """Each entry's sample User-Agents, matched by the index and by the plain regexes."""
    entries = json.loads(data_path().read_bytes())
    index = CrawlerIndex.of(entries)
    compiled = [
        (re.compile(entry["pattern"]), PREVIEW_TAG in entry["tags"])
        for entry in entries
        if not NOT_BOTS.intersection(entry["tags"])
    ]
    samples = {sample for entry in entries for sample in entry.get("instances", [])}
    assert len(samples) > 1000
    for sample in samples:
        hits = [is_preview for pattern, is_preview in compiled if pattern.search(sample)]
        expected = (PREVIEW_FETCHER if any(hits) else CRAWLER) if hits else None
        assert index.kind_of(sample) == expected, sample


def test_the_shipped_index_is_made_from_the_installed_list() -> None:
    """Its version and the list's SHA-256, recomputed here: a cold start checks neither."""
    shipped = json.loads(SHIPPED_INDEX.read_text())
    made = json.loads(json.dumps(shipped_index(data_path().read_bytes(), installed_version())))
    assert shipped == made, "the list changed: run .venv/bin/python scripts/crawler_index.py"
    assert CrawlerIndex.from_parts(shipped) == CrawlerIndex.of(json.loads(data_path().read_bytes()))


def test_the_installed_list_is_indexed_from_the_shipped_file_without_reading_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(entries: object) -> None:
        raise AssertionError("the list was indexed again")

    the_list = data_path()
    read_bytes = Path.read_bytes

    def read_all_but_the_list(path: Path) -> bytes:
        assert path != the_list, "the 545 KB list was read (and hashed) at a cold start"
        return read_bytes(path)

    monkeypatch.setattr(crawlers, "_index", None)
    monkeypatch.setattr(crawlers, "index_parts", refuse)
    monkeypatch.setattr(Path, "read_bytes", read_all_but_the_list)
    assert crawler_index().kind_of(CRAWLERS[0]) == CRAWLER


def test_a_version_the_shipped_index_was_not_made_from_is_indexed_from_scratch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    entries = json.loads(data_path().read_bytes())
    entries.append({"pattern": "ShortstackTestCrawler", "tags": ["seo"]})
    (tmp_path / "crawler_user_agents-999.0.0.dist-info").mkdir()
    upgraded = tmp_path / "crawleruseragents" / "crawler-user-agents.json"
    upgraded.parent.mkdir()
    upgraded.write_text(json.dumps(entries))
    assert (
        CrawlerIndex.from_parts(json.loads(SHIPPED_INDEX.read_text())).kind_of(
            "ShortstackTestCrawler/1.0"
        )
        is None
    )
    monkeypatch.setattr(crawlers, "_index", None)
    monkeypatch.setattr(crawlers, "data_path", lambda: upgraded)
    assert crawler_index().kind_of("ShortstackTestCrawler/1.0") == CRAWLER
    assert crawler_index().kind_of(CRAWLERS[0]) == CRAWLER
