"""What a counted redirect records: bounded, reduced facts, never a raw address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shortstack.domain.visits import (
    USER_AGENT_MAX,
    Click,
    Visit,
    cloudfront_viewer_ip,
    is_prefetch,
    referrer_origin,
    visitor_hash,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_visit_headers_are_bounded_and_cleaned() -> None:
    visit = Visit.from_headers("https://ref.example/" + "x" * 5000, "UA" * 1000, "de", "::1")
    assert len(visit.user_agent or "") == USER_AGENT_MAX
    assert len(visit.referrer or "") < 5000
    assert (visit.country, visit.address) == ("DE", "::1")
    assert Visit.from_headers(None, None, "XYZ", "not-an-ip") == Visit()
    assert Visit.from_headers("", "", "1A") == Visit()


@pytest.mark.parametrize(
    ("referrer", "origin"),
    [
        ("https://t.co/abc?token=secret", "https://t.co"),
        ("HTTP://News.Example:8080/a#b", "http://news.example:8080"),
        ("android-app://com.slack", None),
        ("not a url", None),
        ("https://[::1", None),
        ("https://xn--bcher-kva.example/p", "https://xn--bcher-kva.example"),
        ("https://bücher.example/p", None),
        (None, None),
    ],
)
def test_a_referrer_is_reduced_to_its_origin(referrer: str | None, origin: str | None) -> None:
    assert referrer_origin(referrer) == origin


@pytest.mark.parametrize(
    ("header", "ip"),
    [
        ("198.51.100.10:46532", "198.51.100.10"),
        ("2001:db8::1:443", "2001:db8::1"),
        ("2001:DB8:0:0:0:0:0:1:46532", "2001:db8::1"),
        ("198.51.100.10", None),
        ("garbage:1", None),
        ("", None),
        (None, None),
    ],
)
def test_cloudfront_viewer_address_always_ends_with_a_port(
    header: str | None, ip: str | None
) -> None:
    assert cloudfront_viewer_ip(header) == ip


def test_the_visitor_hash_is_keyed_daily_and_hides_the_address() -> None:
    same_day = visitor_hash("salt", NOW, "198.51.100.10", "curl/8")
    assert same_day == visitor_hash("salt", NOW + timedelta(hours=13), "198.51.100.10", "curl/8")
    assert len(same_day) == 16
    assert "198" not in same_day
    assert same_day != visitor_hash("salt", NOW + timedelta(days=1), "198.51.100.10", "curl/8")
    assert same_day != visitor_hash("other", NOW, "198.51.100.10", "curl/8")
    assert same_day != visitor_hash("salt", NOW, "198.51.100.11", "curl/8")
    assert same_day != visitor_hash("salt", NOW, "198.51.100.10", "curl/9")


def test_a_click_keeps_the_reduced_facts_and_a_hash_only_with_a_salt() -> None:
    visit = Visit.from_headers("https://t.co/x?y=1", "curl/8", "us", "198.51.100.10")
    click = Click.of(visit, NOW, salt="k")
    assert (click.at, click.referrer, click.user_agent, click.country) == (
        NOW,
        "https://t.co",
        "curl/8",
        "US",
    )
    assert click.visitor == visitor_hash("k", NOW, "198.51.100.10", "curl/8")
    assert Click.of(visit, NOW).visitor is None
    assert Click.of(Visit(), NOW) == Click(NOW)


@pytest.mark.parametrize(
    ("sec_purpose", "purpose", "prefetch"),
    [
        ("prefetch", None, True),  # <link rel=prefetch>, speculation rules (Chromium, Firefox)
        ("prefetch;prerender", None, True),  # speculation rules' prerender (Chromium)
        ("prefetch;anonymous-client-ip", None, True),  # through Chromium's private proxy
        (" Prefetch ; prerender", None, True),
        (None, "prefetch", True),  # Chromium's legacy header
        (None, "Prefetch", True),
        (None, None, False),
        ("", "", False),
        ("prefetcher", None, False),
        ("preview", "preview", False),
        ("other, prefetch", None, False),  # the purpose is the list's first item
    ],
)
def test_a_prefetch_or_prerender_is_told_by_its_purpose(
    sec_purpose: str | None, purpose: str | None, prefetch: bool
) -> None:
    assert is_prefetch(sec_purpose, purpose) is prefetch
