"""Link rules: target-URL safety, host canonicalisation, aliases, ids, expiry and redirects."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.domain.errors import InvalidInput, LinkGone, UnsafeUrl
from shortstack.domain.hosts import canonical_host, host_key, request_host
from shortstack.domain.links import (
    BASE62,
    RESERVED_WORDS,
    URL_MAX_LENGTH,
    Link,
    LinkChanges,
    OwnHosts,
    Visit,
    apply_changes,
    cache_control,
    check_alias,
    check_changes,
    check_target_url,
    choose_expiry,
    create_link,
    ensure_redirectable,
    is_possible_short_id,
    new_short_id,
    normalize_tags,
    storage_expiry,
    why_not_redirectable,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def fullwidth(text: str) -> str:
    """ASCII letters as their full-width look-alikes, which IDNA maps back."""
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isalpha() else ch for ch in text)


OWN = OwnHosts.of("https://sho.rt", "api.example.com:8443")


def refused(url: str, own: OwnHosts = OWN) -> str:
    with pytest.raises(UnsafeUrl) as caught:
        check_target_url(url, own)
    assert caught.value.field == "url"
    return caught.value.message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("JavaScript:alert(1)", "scheme 'javascript'"),
        ("JAVASCRIPT://%0aalert(1)", "scheme 'javascript'"),
        ("data:text/html,<script>alert(1)</script>", "scheme 'data'"),
        ("vbscript:msgbox(1)", "scheme 'vbscript'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://files.example.com/a", "scheme 'ftp'"),
        ("mailto:a@example.com", "scheme 'mailto'"),
        ("blob:https://example.com/uuid", "scheme 'blob'"),
        (" javascript:alert(1)", "whitespace or control"),
        ("java\tscript:alert(1)", "whitespace or control"),
        ("java\nscript:alert(1)", "whitespace or control"),
        ("\x00javascript:alert(1)", "whitespace or control"),
        ("javascript\u00a0:alert(1)", "whitespace or control"),
        ("https://exa mple.com", "whitespace or control"),
        ("https://example.com/\u2028", "whitespace or control"),
        ("https://example.com/\ud800", "valid Unicode"),
        ("example.com/path", "must start with http"),
        ("//example.com/path", "must start with http"),
        ("/relative/path", "must start with http"),
        ("http:example.com", "must have a host"),
        ("https:/example.com", "must have a host"),
        ("http:///path", "must have a host"),
        ("https://", "must have a host"),
        ("https:\\\\example.com", "backslash"),
        ("https://evil.example\\@good.example", "backslash"),
        ("https://user:secret@example.com/", "credentials"),
        ("https://user@example.com/", "credentials"),
        ("https://@example.com/", "credentials"),
        ("https://example.com:99999/", "invalid port"),
        ("https://example.com:http/", "invalid port"),
        ("https://exa%6dple.com/", "not a valid host"),
        ("https://a..b/", "not a valid host"),
        ("https://-bad-.example/", "not a valid host"),
        ("https://256.1.1.1/", "not a valid host"),
        ("https://[::zz]/", "not a valid host"),
        ("https://example.com/" + "a" * URL_MAX_LENGTH, "at most 2048"),
        ("https://sho.rt/abc1234", "own host"),
        ("https://SHO.RT./abc1234", "own host"),
        ("http://sho.rt:8080/x", "own host"),
        ("https://" + fullwidth("sho.rt") + "/abc", "own host"),
        ("https://api.example.com/api/v1/links", "own host"),
    ],
)
def test_unsafe_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    assert reason in refused(url)


def test_urls_that_only_expand_past_the_limit_are_refused() -> None:
    url = "https://example.com/" + "é" * 700  # 720 characters, 4220 once percent-encoded
    assert "once encoded" in refused(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/",
        "http://localhost/x",
        "http://[::1]/",
        "http://0x7f.1/",
        "http://0/",
    ],
)
def test_every_loopback_spelling_is_the_local_servers_own_host(url: str) -> None:
    assert "own host" in refused(url, OwnHosts.of("http://127.0.0.1:8000"))


def test_the_requests_host_counts_as_own() -> None:
    own = OwnHosts.of("https://sho.rt").with_request_host("edge.example.net:443")
    assert "own host" in refused("https://edge.example.net/x", own)
    assert check_target_url("https://edge.example.net/x", OWN) == "https://edge.example.net/x"


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://example.com", "https://example.com"),
        ("HTTPS://Example.COM./Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://bücher.example/ü?q=ä#ö", "https://xn--bcher-kva.example/%C3%BC?q=%C3%A4#%C3%B6"),
        ("http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        ("http://0x7f000001.example/", "http://0x7f000001.example/"),
        ("http://3232235777/", "http://192.168.1.1/"),
        ("https://example.com/a%20b?x=%2F", "https://example.com/a%20b?x=%2F"),
    ],
)
def test_safe_urls_are_stored_in_their_ascii_form(url: str, stored: str) -> None:
    assert check_target_url(url, OWN) == stored


@pytest.mark.parametrize(
    ("host", "canonical"),
    [
        ("Example.COM.", "example.com"),
        (fullwidth("example") + ".com", "example.com"),
        ("127.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("::FFFF:127.0.0.1", "::ffff:7f00:1"),
        ("my_host.internal", "my_host.internal"),
        ("09.1", None),
        ("1.2.3.4.5", None),
        ("", None),
        ("a" * 64 + ".com", None),
    ],
)
def test_canonical_host(host: str, canonical: str | None) -> None:
    assert canonical_host(host) == canonical


def test_host_keys_merge_loopback_and_nothing_else() -> None:
    assert {host_key(h) for h in ("localhost", "app.localhost", "127.0.0.2", "::1", "0.0.0.0")} == {
        "localhost"
    }
    assert host_key("10.0.0.1") == "10.0.0.1"
    assert request_host("https://Sho.rt:443/base/") == "sho.rt"
    assert request_host("[::1]:8000") == "localhost"
    assert request_host("bad host[") is None


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


def test_storage_expiry_keeps_expired_links_30_more_days() -> None:
    assert storage_expiry(None) is None
    assert storage_expiry(NOW) == int((NOW + timedelta(days=30)).timestamp())


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
