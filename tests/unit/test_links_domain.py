"""Link rules: aliases, ids, fields, expiry, changes, redirects and their cache rules."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.domain.errors import InvalidInput, LinkGone
from shortstack.domain.links import (
    BASE62,
    RESERVED_WORDS,
    Link,
    LinkChanges,
    Visit,
    apply_changes,
    cache_control,
    check_alias,
    check_changes,
    choose_expiry,
    create_link,
    ensure_redirectable,
    is_possible_short_id,
    new_short_id,
    normalize_tags,
    why_not_redirectable,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("alias", ["abc", "my-link_2026", "A" * 64, "Docs2"])
def test_valid_aliases(alias: str) -> None:
    assert check_alias(alias) == alias


@pytest.mark.parametrize(
    ("alias", "reason"),
    [
        ("ab", "3-64"),
        ("a" * 65, "3-64"),
        ("has space", "3-64"),
        ("dot.ted", "3-64"),
        ("slash/ed", "3-64"),
        ("ünï", "3-64"),
        ("api", "reserved"),
        ("API", "reserved"),
        ("Docs", "reserved"),
        ("health", "reserved"),
        ("shorten", "reserved"),
        ("static", "reserved"),
        ("assets", "reserved"),
        ("redoc", "reserved"),
    ],
)
def test_invalid_aliases_name_the_rule(alias: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        check_alias(alias)


def test_reserved_words_include_every_documented_path() -> None:
    documented = {"api", "docs", "redoc", "openapi.json", "health", "static", "assets", "shorten"}
    assert documented | {"favicon.ico", "robots.txt"} <= RESERVED_WORDS
    assert all(word == word.lower() for word in RESERVED_WORDS)


def test_short_ids_are_random_base62() -> None:
    ids = {new_short_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 7 and set(i) <= set(BASE62) for i in ids)
    assert set(BASE62) == set(string.ascii_letters + string.digits)
    # Every position uses the whole alphabet (no counter-like structure).
    for position in range(7):
        assert len({i[position] for i in ids}) > 55


@pytest.mark.parametrize(
    ("segment", "possible"),
    [("abc1234", True), ("my-alias", True), ("ab", False), ("api", False), ("a.b", False)],
)
def test_possible_short_ids(segment: str, possible: bool) -> None:
    assert is_possible_short_id(segment) is possible


def test_expiry_defaults_to_30_days_and_accepts_either_form() -> None:
    assert choose_expiry(NOW) == NOW + timedelta(days=30)
    assert choose_expiry(NOW, ttl_days=1) == NOW + timedelta(days=1)
    moment = NOW + timedelta(hours=5)
    assert choose_expiry(NOW, expires_at=moment) == moment


@pytest.mark.parametrize(
    ("expires_at", "ttl_days", "reason"),
    [
        (NOW + timedelta(days=1), 3, "not both"),
        (NOW, None, "future"),
        (NOW - timedelta(seconds=1), None, "future"),
        (NOW + timedelta(days=4000), None, "within 3650"),
        (datetime(2027, 1, 1), None, "time zone"),  # naive on purpose
        (None, 0, "ttl_days"),
        (None, 3651, "ttl_days"),
    ],
)
def test_bad_expiry_is_refused(
    expires_at: datetime | None, ttl_days: int | None, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        choose_expiry(NOW, expires_at, ttl_days)


def test_tags_are_normalized_and_bounded() -> None:
    assert normalize_tags([" Promo ", "promo", "Q1", "a.b-c_d"]) == ("promo", "q1", "a.b-c_d")
    with pytest.raises(InvalidInput, match="tag"):
        normalize_tags(["has space"])
    with pytest.raises(InvalidInput, match="at most 10"):
        normalize_tags([f"t{n}" for n in range(11)])


def link(**fields: Any) -> Link:
    values: dict[str, Any] = {
        "short_id": "abc1234",
        "owner": "alice",
        "url": "https://example.com/",
        "now": NOW,
        "expires_at": NOW + timedelta(days=30),
    } | fields
    return create_link(**values)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": "x" * 201}, "title"),
        ({"max_visits": 0}, "max_visits"),
        ({"redirect_status": 303}, "redirect_status"),
    ],
)
def test_create_link_checks_its_fields(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        link(**fields)


def test_redirect_eligibility() -> None:
    fresh = link()
    assert why_not_redirectable(fresh, NOW) is None
    assert why_not_redirectable(replace(fresh, is_active=False), NOW) == "link is disabled"
    at_expiry = NOW + timedelta(days=30)
    assert why_not_redirectable(fresh, at_expiry) == "link has expired"
    spent = replace(link(max_visits=2), click_count=2)
    assert why_not_redirectable(spent, NOW) == "link has reached its visit limit"
    with pytest.raises(LinkGone) as caught:
        ensure_redirectable(spent, NOW)
    assert caught.value.short_id == "abc1234"


def test_cache_control_follows_the_status_and_the_links_limits() -> None:
    assert cache_control(link(), NOW) == "private, max-age=0"
    assert cache_control(link(redirect_status=307), NOW) == "private, max-age=0"
    assert cache_control(link(redirect_status=301), NOW) == "public, max-age=3600"
    assert cache_control(link(redirect_status=308), NOW) == "public, max-age=3600"
    soon = link(redirect_status=301, expires_at=NOW + timedelta(seconds=90))
    assert cache_control(soon, NOW) == "public, max-age=90"
    limited = link(redirect_status=301, max_visits=100)
    assert cache_control(limited, NOW) == "private, max-age=0"


def test_changes_apply_and_report_their_fields() -> None:
    original = link(title="t", max_visits=3)
    changes = check_changes(
        LinkChanges(is_active=False, tags=("B", "b"), clear_title=True, clear_max_visits=True),
        NOW,
    )
    assert changes.tags == ("b",)
    assert changes.changed_fields() == ["is_active", "title", "tags", "max_visits"]
    updated = apply_changes(original, changes, NOW + timedelta(minutes=1))
    assert (updated.is_active, updated.title, updated.max_visits, updated.tags) == (
        False,
        None,
        None,
        ("b",),
    )
    assert updated.updated_at == NOW + timedelta(minutes=1)
    with pytest.raises(InvalidInput, match="future"):
        check_changes(LinkChanges(expires_at=NOW - timedelta(days=1)), NOW)


def test_visit_headers_are_bounded_and_cleaned() -> None:
    visit = Visit.from_headers("https://ref.example/" + "x" * 5000, "UA" * 1000, "de")
    assert len(visit.referrer or "") == Visit.REFERRER_MAX
    assert len(visit.user_agent or "") == Visit.USER_AGENT_MAX
    assert visit.country == "DE"
    assert Visit.from_headers(None, None, "XYZ").country is None
    assert Visit.from_headers("", "", "1A") == Visit()
