"""Click analytics: dimensions of a click, the stats endpoint, and exact folding at volume."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.adapters.useragent import classify_user_agent
from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.analytics import click_facts, country_code, report, stats_range, visit_facts
from shortstack.domain.errors import LinkNotFound
from shortstack.domain.events import link_clicked, link_visited_by_bot
from shortstack.domain.link_routing import Destination
from shortstack.domain.referrers import referrer_host
from shortstack.domain.visits import Click, Visit
from shortstack.entrypoints.http.app import create_app
from tests import maintenance_support
from tests.conftest import dispatcher_for, settings_for
from tests.fakes import FakeClock

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36"
)
IPAD = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SLACK = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        (None, "(direct)"),
        ("", "(direct)"),
        ("https://www.Google.com/search?q=secret-token", "google.com"),
        ("android-app://com.slack/", "com.slack"),
        ("not a url", "(unknown)"),
        ("https://[::1", "(unknown)"),
        ("https://" + "a" * 200 + ".com/", "(unknown)"),
    ],
)
def test_only_the_referrer_host_is_kept(referrer: str | None, host: str) -> None:
    assert referrer_host(referrer) == host


@pytest.mark.parametrize(
    ("header", "code"), [("de", "DE"), (" FR ", "FR"), ("XXX", "(unknown)"), (None, "(unknown)")]
)
def test_countries_are_two_letter_codes(header: str | None, code: str) -> None:
    assert country_code(header) == code


@pytest.mark.parametrize(
    ("user_agent", "browser", "device", "is_bot"),
    [
        (IPHONE, "Mobile Safari", "mobile", False),
        (WINDOWS_CHROME, "Chrome", "desktop", False),
        (IPAD, "Mobile Safari UI/WKWebView", "tablet", False),
        (GOOGLEBOT, "Googlebot", "bot", True),
        (SLACK, "Slackbot-LinkExpanding", "bot", True),
        ("curl/8.5.0", "curl", "other", False),  # a tool a person drives: never a bot
        (None, "(unknown)", "other", False),
    ],
)
def test_user_agents_become_browser_device_and_bot(
    user_agent: str | None, browser: str, device: str, is_bot: bool
) -> None:
    family = classify_user_agent(user_agent)
    assert (family.browser, family.device, family.is_bot) == (browser, device, is_bot)


@pytest.fixture
def sqlite_container_with_clock(tmp_path: Path) -> Iterator[Container]:
    """SQLite on a clock stopped at 2026-11-24 10:00 UTC: the stats' default range ends then.
    Behind CloudFront, as on AWS: the visits' CloudFront-Viewer-* headers are believed."""
    built = bootstrap(
        settings_for("sqlite", tmp_path, trust_cloudfront_viewer_headers=True),
        clock=FakeClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
    )
    yield built
    built.close()


@pytest.fixture
def api(sqlite_container_with_clock: Container) -> TestClient:
    return TestClient(create_app(sqlite_container_with_clock), follow_redirects=False)


def test_redirects_are_stats_as_soon_as_they_are_answered(
    api: TestClient, sqlite_container_with_clock: Container
) -> None:
    short_id = api.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    visits = [
        {"user-agent": IPHONE, "referer": "https://t.co/abc", "cloudfront-viewer-country": "jp"},
        {"user-agent": WINDOWS_CHROME, "referer": "https://www.google.com/"},
        {"user-agent": GOOGLEBOT},
    ]
    for headers in visits:
        assert api.get(f"/{short_id}", headers=headers).status_code == 302
    assert api.head(f"/{short_id}").status_code == 302  # HEAD counts nothing
    # Each click was folded in its own transaction: no event waits for the dispatcher.
    assert sqlite_container_with_clock.event_queue.depth() == 1  # LinkCreated
    body = api.get(f"/api/v1/links/{short_id}/stats").json()
    assert (body["from"], body["to"]) == ("2026-10-26", "2026-11-24")
    assert len(body["days"]) == 30
    # The crawler was redirected, but it is counted apart: bots, never clicks.
    # No visitor hash without a client address (the test client sends none).
    assert body["days"][-1] == {"day": "2026-11-24", "clicks": 2, "bots": 1, "unique_visitors": 0}
    assert (body["clicks"], body["bots"]) == (2, 1)
    assert body["bot_agents"] == [{"value": "Googlebot", "clicks": 1}]
    assert body["referrers"] == [
        {"value": "google.com", "clicks": 1},
        {"value": "t.co", "clicks": 1},
    ]
    assert {d["value"]: d["clicks"] for d in body["devices"]} == {"mobile": 1, "desktop": 1}
    assert {c["value"]: c["clicks"] for c in body["countries"]} == {"JP": 1, "(unknown)": 1}


def test_stats_ranges_are_checked_and_other_owners_see_404(
    api: TestClient, sqlite_container_with_clock: Container
) -> None:
    short_id = api.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    ranged = api.get(f"/api/v1/links/{short_id}/stats?from=2026-11-01&to=2026-11-03").json()
    assert [d["day"] for d in ranged["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    for query, status in [
        ("from=2026-11-05&to=2026-11-01", 422),
        ("from=2025-01-01&to=2026-11-01", 422),
        ("from=yesterday", 422),
    ]:
        response = api.get(f"/api/v1/links/{short_id}/stats?{query}")
        assert response.status_code == status, query
        assert response.json()["message"]
        # The field is named where it came from: the query string, not a body.
        assert response.json()["detail"][0]["loc"][0] == "query"
    assert api.get("/api/v1/links/nosuch1/stats").status_code == 404
    sqlite_container_with_clock.links.links.delete("local", short_id)
    assert api.get(f"/api/v1/links/{short_id}/stats").status_code == 404
    with pytest.raises(LinkNotFound):
        sqlite_container_with_clock.analytics.report("someone-else", short_id)


@pytest.mark.slow
def test_ten_thousand_clicks_with_redeliveries_fold_into_exact_aggregates(
    sqlite_container_with_clock: Container,
) -> None:
    rng = random.Random(2026)
    # After the link is made (the clock's 2026-11-24 10:00): an older click is not its.
    start = datetime(2026, 11, 24, 11, tzinfo=UTC)
    agents = [IPHONE, WINDOWS_CHROME, IPAD, GOOGLEBOT]
    visits = [
        Click(
            start + timedelta(minutes=rng.randrange(0, 14 * 24 * 60)),
            rng.choice([None, "https://t.co", "https://news.ycombinator.com"]),
            rng.choice(agents),
            rng.choice(["DE", "US", None]),
        )
        for _ in range(10_000)
    ]
    clicks = [
        link_visited_by_bot("viral01", replace(visit, bot="crawler"))
        if visit.user_agent == GOOGLEBOT
        else link_clicked("viral01", visit)
        for visit in visits
    ]
    container = sqlite_container_with_clock
    container.links.create("local", url="https://example.com/", alias="viral01")
    container.publisher.publish(clicks)
    container.publisher.publish(rng.sample(clicks, 1_000))  # redelivered duplicates
    began = time.perf_counter()
    dispatcher_for(container).drain(timeout_s=120)
    elapsed = time.perf_counter() - began
    assert container.event_queue.depth() == 0, f"not drained in {elapsed:.1f} s"
    days = container.analytics.stats.days("viral01", date(2026, 11, 24), date(2026, 12, 8))
    people = [event for event in clicks if event.detail_type == "LinkClicked"]
    per_day = Counter(event.time.date() for event in people)
    assert {d.day: d.clicks for d in days} == dict(per_day)
    assert sum(d.bots for d in days) == len(clicks) - len(people) > 2000
    countries: Counter[str] = Counter()
    for day in days:
        countries.update(day.counts["countries"])
    expected = Counter(c.detail["country"] or "(unknown)" for c in people)
    assert countries == expected


def test_a_deleted_links_stats_go_with_it(
    api: TestClient, sqlite_container_with_clock: Container
) -> None:
    short_id = api.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    api.get(f"/{short_id}")
    dispatcher_for(sqlite_container_with_clock).drain()
    assert api.delete(f"/api/v1/links/{short_id}").status_code == 204
    dispatcher_for(sqlite_container_with_clock).drain()
    today = date(2026, 11, 24)
    assert sqlite_container_with_clock.analytics.stats.days(short_id, today, today) == []


def test_a_link_made_again_under_a_deleted_alias_has_only_its_own_stats(
    api: TestClient, sqlite_container_with_clock: Container
) -> None:
    """Clicks are folded in the redirect's transaction, so the stats of a deleted link
    must be gone when the DELETE answers, not when the dispatcher reaches its event:
    a click of the new link (same alias, same day) lands in the same day's row."""
    dispatcher = dispatcher_for(sqlite_container_with_clock)
    link = {"url": "https://example.com/old", "alias": "made-again"}
    assert api.post("/api/v1/links", json=link).status_code == 201
    for _ in range(3):
        assert api.get("/made-again").status_code == 302
    dispatcher.drain()
    assert api.delete("/api/v1/links/made-again").status_code == 204
    link = {"url": "https://example.com/new", "alias": "made-again"}
    assert api.post("/api/v1/links", json=link).status_code == 201
    for _ in range(4):
        assert api.get("/made-again").status_code == 302

    def clicks() -> tuple[int, int]:
        count = api.get("/api/v1/links/made-again").json()["click_count"]
        return count, api.get("/api/v1/links/made-again/stats").json()["clicks"]

    before_the_dispatcher = clicks()
    dispatcher.drain()
    assert (before_the_dispatcher, clicks()) == ((4, 4), (4, 4))


def test_the_stats_answer_keeps_its_totals_after_old_days_roll_into_months(
    api: TestClient, sqlite_container_with_clock: Container
) -> None:
    short_id = api.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    stats = sqlite_container_with_clock.analytics.stats
    for n, (day, referrer) in enumerate(
        [
            (date(2026, 6, 2), "t.co"),
            (date(2026, 6, 30), "(direct)"),
            (date(2026, 7, 14), "t.co"),
            (date(2026, 11, 20), "google.com"),
        ]
    ):
        maintenance_support.click(stats, f"c{n}", short_id, day, referrer=referrer, visitor=f"v{n}")
    url = f"/api/v1/links/{short_id}/stats?from=2026-06-01&to=2026-11-24"
    before = api.get(url).json()
    assert before["months"] == []

    [rollup] = sqlite_container_with_clock.maintenance.run(["click_rollup"])
    assert rollup.as_dict()["days_rolled"] == 3  # boundary 2026-08-01: June and July

    after = api.get(url).json()
    fields = ("clicks", "bots", "unique_visitors", "referrers", "browsers", "devices")
    for field in (*fields, "countries"):
        assert after[field] == before[field], field
    assert before["unique_visitors"] == 4
    assert after["months"] == [
        {"month": "2026-06", "clicks": 2, "bots": 0, "unique_visitors": 2},
        {"month": "2026-07", "clicks": 1, "bots": 0, "unique_visitors": 1},
    ]
    assert after["days"][0]["day"] == "2026-08-01"  # June and July answer as months
    assert len(after["days"]) == len(before["days"]) - 61


def test_variant_clicks_add_up_to_the_click_count_and_bots_stay_apart(
    api: TestClient, sqlite_container_with_clock: Container
) -> None:
    variants = [
        {"url": "https://a.example/", "weight": 1},
        {"url": "https://b.example/", "weight": 3},
    ]
    short_id = api.post(
        "/api/v1/links", json={"url": "https://example.com/", "variants": variants}
    ).json()["short_id"]
    for _ in range(40):
        assert api.get(f"/{short_id}").status_code == 302
    for _ in range(5):
        assert api.get(f"/{short_id}", headers={"user-agent": GOOGLEBOT}).status_code == 302
    dispatcher_for(sqlite_container_with_clock).drain()
    body = api.get(f"/api/v1/links/{short_id}/stats").json()
    link = api.get(f"/api/v1/links/{short_id}").json()
    assert (body["clicks"], body["bots"], link["click_count"]) == (40, 5, 40)
    assert sum(entry["clicks"] for entry in body["variants"]) == 40
    assert {entry["value"] for entry in body["variants"]} == {"0", "1"}
    assert body["bot_agents"] == [{"value": "Googlebot", "clicks": 5}]


def test_a_stats_range_at_the_calendar_edges_stays_inside_it() -> None:
    today = date(2026, 12, 2)
    assert stats_range(None, date(1, 1, 3), today) == (date.min, date(1, 1, 3))
    assert stats_range(None, date.max, today) == (date.max - timedelta(days=29), date.max)
    last_days = report("abc", date.max - timedelta(days=1), date.max, [])
    assert [day.day for day in last_days.days] == [date.max - timedelta(days=1), date.max]


@pytest.mark.parametrize(
    ("visit", "bot", "destination"),
    [
        (Visit.from_headers("https://www.t.co/x?y=1", IPHONE, "jp", "198.51.100.7"), None, None),
        (Visit.from_headers(None, WINDOWS_CHROME, None), None, Destination("https://a/", rule=1)),
        (Visit.from_headers("ftp://odd", None, "ZZ"), None, Destination("https://b/", variant=0)),
        (Visit.from_headers("https://t.co/", GOOGLEBOT, "DE", "198.51.100.7"), "crawler", None),
    ],
)
def test_a_click_folded_in_place_adds_what_its_event_would(
    visit: Visit, bot: str | None, destination: Destination | None
) -> None:
    """The local store folds a click without its event: the facts must be the event's."""
    at = datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC)
    click = Click.of(visit, at, salt="s", spin=5, bot=bot)
    family = classify_user_agent(click.user_agent)
    if bot is None:
        event = link_clicked("abc1234", click, destination)
    else:
        event = link_visited_by_bot("abc1234", click)
    expected = click_facts(event.id, event.detail, family, is_bot=bot is not None)
    folded = visit_facts(
        "abc1234",
        click,
        family,
        rule=destination.rule if destination else None,
        variant=destination.variant if destination else None,
        event_id=event.id,
    )
    assert folded == expected
