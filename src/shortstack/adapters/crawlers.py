"""Crawlers and link-preview fetchers, recognised by the maintained crawler-user-agents list.

The list (the `crawler-user-agents` package on PyPI) holds about 1,500 patterns,
each tagged. Two tags are not bots here: `http-library` (curl, wget,
python-requests, urllib, ...) and `browser-automation` (headless browsers) are
tools a person drives, and their visits count like any other. Patterns tagged
`social-preview` (Slackbot, facebookexternalhit, Twitterbot, WhatsApp, ...) are
preview fetchers; every other pattern is a crawler.

Speed decides the shape. Python's `re` tries the alternatives of one big pattern
one after another (about 0.7 ms a User-Agent), and compiling it costs about
100 ms, which a redirect Lambda's cold start cannot pay. Nearly all patterns
are plain text, so they are matched through an index of their first three
characters (tens of microseconds, nothing to compile); the few real regular
expressions are compiled together. The list is read on the first call, not at
import, and each distinct User-Agent's answer is cached.

Even so, reading the list (545 KB of JSON) and sorting its patterns took most of a
cold redirect's first event (bench/README.md, "Cold starts"). The package therefore
ships that work done: `data/crawler_index.json`, the index's parts, keyed by the
version of the list it was made from. A cold start checks that version with one
`stat` of the installed package's dist-info directory, neither reading nor hashing the
list; another version (the package upgraded, the file not regenerated with
scripts/crawler_index.py) is indexed from scratch as before, so the answers never
depend on the shipped file. The file also records the list's SHA-256, which a test
recomputes: a stale index fails the suite, not a cold start.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from shortstack.domain.link_routing import CRAWLER, PREVIEW_FETCHER

PACKAGE = "crawleruseragents"
# The list's distribution as pip names it, and as its dist-info directory spells it.
DISTRIBUTION = "crawler-user-agents"
DIST_INFO_NAME = "crawler_user_agents"
DATA_FILE = "crawler-user-agents.json"
SHIPPED_INDEX = Path(__file__).resolve().parent.parent / "data" / "crawler_index.json"
NOT_BOTS = frozenset({"http-library", "browser-automation"})
PREVIEW_TAG = "social-preview"
GRAM = 3
_EXPANSIONS_MAX = 16
# Plain text: any character but the special ones, escaped punctuation, or a case pair ([wW]).
_PLAIN = re.compile(r"\^?(?:[^\\.^$*+?{}|()\[\]]|\\[^A-Za-z0-9]|\[[A-Za-z]{2}\])+")
_CASE_PAIR = re.compile(r"\[([A-Za-z])([A-Za-z])\]")
_ESCAPE = re.compile(r"\\(.)")


def _unescaped(match: re.Match[str]) -> str:
    return match[1]


def literal_forms(pattern: str) -> tuple[bool, list[str]] | None:
    """(anchored at the start, the texts it matches) when a pattern is plain text; else None.

    Plain text allows escaped punctuation (`\\/`) and case pairs such as `[wW]`.
    """
    if not _PLAIN.fullmatch(pattern):
        return None
    anchored = pattern.startswith("^")
    body = pattern[1:] if anchored else pattern
    forms = [""]
    # split() with two groups yields text, letter, letter, text, ...
    pieces = _CASE_PAIR.split(body)
    for position in range(0, len(pieces), 3):
        text = pieces[position]
        if "\\" in text:
            text = _ESCAPE.sub(_unescaped, text)
        forms = [form + text for form in forms]
        if position + 2 < len(pieces):
            first, second = pieces[position + 1], pieces[position + 2]
            if first.lower() != second.lower():
                return None  # [ab] is a class of two letters, not one letter in two cases
            forms = [form + letter for form in forms for letter in dict.fromkeys((first, second))]
    if len(forms) > _EXPANSIONS_MAX or not all(len(form) >= GRAM for form in forms):
        return None
    return anchored, forms


@dataclass
class CrawlerIndex:
    """The list, arranged for fast matching; `kind_of` is the one question it answers."""

    prefixes: dict[str, str] = field(default_factory=dict)  # anchored text -> kind
    by_gram: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    @classmethod
    def of(cls, entries: Iterable[Mapping[str, object]]) -> CrawlerIndex:
        return cls.from_parts(index_parts(entries))

    @classmethod
    def from_parts(cls, parts: Mapping[str, Any]) -> CrawlerIndex:
        """The index of what index_parts() kept (or its JSON form, read back)."""
        index = cls(prefixes=dict(parts["prefixes"]))
        for form, kind in parts["texts"]:
            index.by_gram.setdefault(form[:GRAM], []).append((form, kind))
        for kind, expressions in parts["expressions"].items():
            if expressions:
                index.patterns.append((re.compile("|".join(expressions)), kind))
        return index

    def kind_of(self, user_agent: str) -> str | None:
        """PREVIEW_FETCHER, CRAWLER or None (a person, or a tool a person drives)."""
        found: str | None = None
        for prefix, kind in self.prefixes.items():
            if user_agent.startswith(prefix):
                found = _stronger(found, kind)
        by_gram = self.by_gram
        for start in range(len(user_agent) - GRAM + 1):
            candidates = by_gram.get(user_agent[start : start + GRAM])
            if candidates is None:
                continue
            for text, kind in candidates:
                if user_agent.startswith(text, start):
                    found = _stronger(found, kind)
                    if found == PREVIEW_FETCHER:
                        return found
        for pattern, kind in self.patterns:
            if (found is None or kind == PREVIEW_FETCHER) and pattern.search(user_agent):
                found = _stronger(found, kind)
        return found


def index_parts(entries: Iterable[Mapping[str, object]]) -> dict[str, Any]:
    """The list reduced to what matching needs, in the list's order, JSON-ready.

    `prefixes`: anchored plain text -> kind; `texts`: [text, kind] pairs matched
    anywhere; `expressions`: kind -> the real regular expressions, each grouped.
    """
    prefixes: dict[str, str] = {}
    texts: list[tuple[str, str]] = []
    expressions: dict[str, list[str]] = {CRAWLER: [], PREVIEW_FETCHER: []}
    for entry in entries:
        tags = entry.get("tags") or ()
        pattern = entry.get("pattern")
        if not isinstance(pattern, str) or not isinstance(tags, list):
            continue
        if NOT_BOTS.intersection(tags):
            continue
        kind = PREVIEW_FETCHER if PREVIEW_TAG in tags else CRAWLER
        literal = literal_forms(pattern)
        if literal is None:
            expressions[kind].append(f"(?:{pattern})")
            continue
        anchored, forms = literal
        for form in forms:
            if anchored:
                prefixes[form] = _stronger(prefixes.get(form), kind)
            else:
                texts.append((form, kind))
    return {"prefixes": prefixes, "texts": texts, "expressions": expressions}


def shipped_index(raw_list: bytes, version: str) -> dict[str, Any]:
    """What data/crawler_index.json holds for the list whose bytes are `raw_list`."""
    return {
        "list_version": version,
        "list_sha256": hashlib.sha256(raw_list).hexdigest(),
        **index_parts(json.loads(raw_list)),
    }


def installed_version() -> str:
    """The installed list's version, from its metadata (for the script and tests: the
    import of importlib.metadata alone costs a cold start more than the lookup saves)."""
    from importlib.metadata import version

    return version(DISTRIBUTION)


def _installed_is(list_path: Path, version: str) -> bool:
    """Whether the list at `list_path` is `version`: its dist-info directory says so."""
    return (list_path.parent.parent / f"{DIST_INFO_NAME}-{version}.dist-info").is_dir()


def _stronger(current: str | None, new: str) -> str:
    """A preview fetcher is also a crawler; when both match, the preview answer wins."""
    return PREVIEW_FETCHER if PREVIEW_FETCHER in (current, new) else new


def data_path() -> Path:
    """Where the installed package keeps its JSON (found without importing the package,
    which parses the file itself at import)."""
    spec = find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {PACKAGE!r} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / DATA_FILE


_index: CrawlerIndex | None = None
_index_lock = threading.Lock()


def crawler_index() -> CrawlerIndex:
    """The index of the installed list, built once per process on first use."""
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = CrawlerIndex.from_parts(_parts_of(data_path()))
    return _index


def _parts_of(list_path: Path) -> Mapping[str, Any]:
    """The shipped parts when they were made from the installed version, else the list's own."""
    try:
        shipped: dict[str, Any] = json.loads(SHIPPED_INDEX.read_bytes())
    except (OSError, ValueError):
        shipped = {}
    version = shipped.get("list_version")
    if isinstance(version, str) and _installed_is(list_path, version):
        return shipped
    return index_parts(json.loads(list_path.read_bytes()))


@lru_cache(maxsize=4096)
def crawler_kind(user_agent: str | None) -> str | None:
    """PREVIEW_FETCHER, CRAWLER or None for one User-Agent header (the BotDetector port)."""
    if not user_agent:
        return None
    return crawler_index().kind_of(user_agent)
