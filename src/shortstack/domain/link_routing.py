"""Where one visit of a link goes: redirect rules, A/B variants and the forwarded query.

A link may name up to ten ordered rules. Each rule holds conditions on the visit
(`device`, `language`, `country`, `query`) and every condition it names must
hold. The visitor's languages are tried in their Accept-Language preference
order and, for each, the rules in their order: the first rule that matches wins.
A rule without a language condition therefore matches at the first try, and a
visitor who prefers French over German gets the French rule even when the German
one comes first. With no matching rule the visit goes to one of the link's
variants, if it has some, otherwise to its `url`.

Variants are chosen by weight with a number the visit draws before anything is
written (its `spin`, 0 to SPIN_RANGE - 1). The spin is stored with the click's
other facts, so whoever reads the click and the link's variants (the stream
consumer reading the link's new image) finds the same variant without being told,
though the redirect only learns the variants from the write's answer.

Everything the rules look at is reduced first (`VisitorFacts`): devices from the
User-Agent, at most LANGUAGES_MAX primary language subtags, the edge's country,
and query pairs as short digests, so that the same facts can be stored with a
click and evaluated again later without keeping the visitor's query string.
Standard library only: the redirect Lambda imports this module.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEVICES = ("ios", "android", "mobile", "desktop")
RULES_MAX = 10
RULE_QUERY_MAX = 10
QUERY_KEY_MAX = 64
QUERY_VALUE_MAX = 256
VARIANTS_MIN = 1
VARIANTS_MAX = 5
WEIGHT_MIN = 1
WEIGHT_MAX = 100
LANGUAGES_MAX = 6
QUERY_PAIRS_MAX = 20
SPIN_RANGE = 1_000_000
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
_COUNTRY = re.compile(COUNTRY_PATTERN)
_DIGEST_BYTES = 6

# Device classes from the User-Agent. Hand-written on purpose: these are the platform tokens
# browsers document for themselves, not a list of clients to keep up with.
_IOS = re.compile(r"iPhone|iPad|iPod|\bCPU (?:iPhone )?OS \d")
_ANDROID = re.compile(r"Android")
_OTHER_MOBILE = re.compile(r"Mobi|Windows Phone|KaiOS|BlackBerry|BB10|Opera Mini|webOS")
_DESKTOP = re.compile(r"Windows NT|Macintosh|Mac OS X|X11|Linux|CrOS|FreeBSD|OpenBSD")


@dataclass(frozen=True, slots=True)
class RedirectRule:
    """Send a visit to `url` when every condition given holds (None: no condition)."""

    url: str
    device: str | None = None
    language: str | None = None
    country: str | None = None
    query: tuple[tuple[str, str], ...] = ()

    def conditions(self) -> dict[str, object]:
        """The conditions this rule names, as the API shows them."""
        named: dict[str, object] = {}
        if self.device is not None:
            named["device"] = self.device
        if self.language is not None:
            named["language"] = self.language
        if self.country is not None:
            named["country"] = self.country
        if self.query:
            named["query"] = dict(self.query)
        return named


@dataclass(frozen=True, slots=True)
class Variant:
    """One arm of an A/B split: `weight` visits of every sum-of-weights go to `url`."""

    url: str
    weight: int


@dataclass(frozen=True, slots=True)
class VisitorFacts:
    """What rules may look at, reduced: device classes, languages, country, query digests."""

    devices: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()
    country: str | None = None
    query_digests: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        user_agent: str | None,
        accept_language: str | None = None,
        country: str | None = None,
        query_string: str | None = None,
    ) -> VisitorFacts:
        """The facts of one request, from its (already bounded) header values."""
        return cls(
            devices=devices_of(user_agent),
            languages=preferred_languages(accept_language),
            country=country,
            query_digests=frozenset(
                query_digest(key, value) for key, value in query_pairs(query_string)
            ),
        )


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a visit goes, and why: the index of its rule or variant, if one decided."""

    url: str
    rule: int | None = None
    variant: int | None = None


# -- facts -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def devices_of(user_agent: str | None) -> frozenset[str]:
    """The device classes a User-Agent announces: ios/android imply mobile; else desktop.

    A client that names no platform at all (curl, a bare script) has none, so no device
    condition matches it. iPads that present themselves as a Mac count as desktop.
    """
    if not user_agent:
        return frozenset()
    if _IOS.search(user_agent):
        return frozenset({"ios", "mobile"})
    if _ANDROID.search(user_agent):
        return frozenset({"android", "mobile"})
    if _OTHER_MOBILE.search(user_agent):
        return frozenset({"mobile"})
    if _DESKTOP.search(user_agent):
        return frozenset({"desktop"})
    return frozenset()


# Browsers send a handful of distinct Accept-Language values: parse each once.
@lru_cache(maxsize=1024)
def preferred_languages(accept_language: str | None) -> tuple[str, ...]:
    """Primary language subtags in the visitor's order of preference (q, then position).

    Entries with q=0 (not acceptable), `*` and malformed ones are left out; duplicates
    keep their best place; at most LANGUAGES_MAX are kept.
    """
    if not accept_language:
        return ()
    ranked: list[tuple[float, int, str]] = []
    for position, entry in enumerate(accept_language[:512].split(",")):
        tag, _, params = entry.partition(";")
        primary = tag.strip().split("-", 1)[0].lower()
        if not _LANGUAGE.match(primary):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if 0 < quality <= 1:
            ranked.append((-quality, position, primary))
    seen: dict[str, None] = {}
    for _, _, primary in sorted(ranked):
        seen.setdefault(primary, None)
    return tuple(seen)[:LANGUAGES_MAX]


def query_pairs(query_string: str | None) -> list[tuple[str, str]]:
    """The decoded `key=value` pairs of a query string, the first QUERY_PAIRS_MAX only."""
    if not query_string:
        return []
    try:
        pairs = parse_qsl(query_string, keep_blank_values=True, max_num_fields=None)
    except ValueError:
        return []
    return pairs[:QUERY_PAIRS_MAX]


def query_digest(key: str, value: str) -> str:
    """A short digest of one query pair: enough to match a rule, not to read the value."""
    raw = hashlib.sha256(f"{key}\x00{value}".encode("utf-8", "surrogatepass")).digest()
    return base64.urlsafe_b64encode(raw[:_DIGEST_BYTES]).decode()


# -- choosing --------------------------------------------------------------------------------


def _holds(rule: RedirectRule, facts: VisitorFacts, language: str | None) -> bool:
    if rule.device is not None and rule.device not in facts.devices:
        return False
    if rule.language is not None and rule.language != language:
        return False
    if rule.country is not None and rule.country != facts.country:
        return False
    return all(query_digest(key, value) in facts.query_digests for key, value in rule.query)


def matching_rule(rules: Sequence[RedirectRule], facts: VisitorFacts) -> int | None:
    """The index of the rule that decides this visit, or None (see the module docstring)."""
    if not rules:
        return None
    for language in (*facts.languages, None):
        for index, rule in enumerate(rules):
            if _holds(rule, facts, language):
                return index
        if not any(rule.language is not None for rule in rules):
            return None  # no rule looks at languages: another try would find the same
    return None


def variant_for(variants: Sequence[Variant], spin: int) -> int:
    """The variant a visit's spin (0 to SPIN_RANGE - 1) lands on, in proportion to the weights."""
    point = spin * sum(variant.weight for variant in variants) // SPIN_RANGE
    for index, variant in enumerate(variants):
        if point < variant.weight:
            return index
        point -= variant.weight
    return len(variants) - 1


def new_spin() -> int:
    """A visit's draw for the A/B split (not a secret: any uniform source will do)."""
    return int(random.random() * SPIN_RANGE)


def choose_destination(
    url: str,
    rules: Sequence[RedirectRule],
    variants: Sequence[Variant],
    facts: VisitorFacts,
    spin: int,
) -> Destination:
    """Where a visit goes: its rule, else the variant its spin lands on, else `url`."""
    rule = matching_rule(rules, facts)
    if rule is not None:
        return Destination(rules[rule].url, rule=rule)
    if variants:
        chosen = variant_for(variants, spin)
        return Destination(variants[chosen].url, variant=chosen)
    return Destination(url)


def forward_query(target: str, query_string: str | None) -> str:
    """`target` with the visitor's query pairs added; a key the target has keeps its value."""
    visitor = query_pairs(query_string)
    if not visitor:
        return target
    parts = urlsplit(target)
    own = parse_qsl(parts.query, keep_blank_values=True)
    taken = {key for key, _ in own}
    added = [(key, value) for key, value in visitor if key not in taken]
    if not added:
        return target
    extra = urlencode(added)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# -- validation helpers (the link's own rules are in links.py) --------------------------------


def rule_query(pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Query conditions as stored: sorted by key, so equal conditions compare equal."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple(sorted((str(key), str(value)) for key, value in items))


# What a BotDetector may say of a User-Agent (None: a person, or a tool a person drives).
CRAWLER = "crawler"
PREVIEW_FETCHER = "preview"
