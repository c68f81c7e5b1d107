"""Link rules: fields, expiry, changes, redirects and their cache rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.domain.errors import InvalidInput, LinkGone, LinkNotYetValid
from shortstack.domain.link_fields import check_valid_since, choose_expiry, normalize_tags
from shortstack.domain.link_options import (
    Preview,
    check_fallback_url,
    check_preview,
    check_rules,
    check_variants,
    rule_from,
)
from shortstack.domain.link_routing import RedirectRule, Variant
from shortstack.domain.links import (
    Link,
    LinkChanges,
    apply_changes,
    cache_control,
    check_changes,
    create_link,
    ensure_redirectable,
    why_not_redirectable,
)
from shortstack.domain.target_urls import OwnHosts, check_target_url

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


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
    # The browser may keep a permanent redirect; no shared cache may (s-maxage=0).
    assert cache_control(link(redirect_status=301), NOW) == "public, max-age=3600, s-maxage=0"
    assert cache_control(link(redirect_status=308), NOW) == "public, max-age=3600, s-maxage=0"
    soon = link(redirect_status=301, expires_at=NOW + timedelta(seconds=90))
    assert cache_control(soon, NOW) == "public, max-age=90, s-maxage=0"
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


# -- rules, variants, preview, fallback and valid_since --------------------------------------

OWN = OwnHosts.of("https://sho.rt")


def url_check(url: str) -> str:
    return check_target_url(url, OWN)


def test_rules_are_normalized_and_keep_their_order() -> None:
    rules = check_rules(
        [
            rule_from("HTTPS://Ios.Example/a", device="ios"),
            rule_from(
                "https://x.example/", language="FR", country="de", query={"b": "2", "a": "1"}
            ),
        ],
        url_check,
    )
    assert rules == (
        RedirectRule("https://ios.example/a", device="ios"),
        RedirectRule(
            "https://x.example/", language="fr", country="DE", query=(("a", "1"), ("b", "2"))
        ),
    )


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (rule_from("https://x.example/", device="tablet"), "rules[0].device"),
        (rule_from("https://x.example/", language="en-US"), "rules[0].language"),
        (rule_from("https://x.example/", language="e"), "rules[0].language"),
        (rule_from("https://x.example/", country="DEU"), "rules[0].country"),
        (rule_from("https://x.example/", country="1A"), "rules[0].country"),
        (rule_from("https://x.example/", query={"": "x"}), "rules[0].query"),
        (rule_from("https://x.example/", query={"k": "v" * 257}), "rules[0].query"),
        (
            rule_from("https://x.example/", query={f"k{n}": "v" for n in range(11)}),
            "rules[0].query",
        ),
        (rule_from("https://x.example/"), "rules[0]"),
        (rule_from("javascript:alert(1)", device="ios"), "rules[0].url"),
        (rule_from("https://sho.rt/loop", device="ios"), "rules[0].url"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_field(rule: RedirectRule, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_rules([rule], url_check)
    assert caught.value.field == field


def test_more_than_ten_rules_are_refused() -> None:
    rules = [rule_from(f"https://x.example/{n}", device="ios") for n in range(11)]
    with pytest.raises(InvalidInput, match="at most 10 rules") as caught:
        check_rules(rules, url_check)
    assert caught.value.field == "rules"


def test_the_error_names_the_failing_rule_by_position() -> None:
    rules = [
        rule_from("https://x.example/", device="ios"),
        rule_from("ftp://x.example/", device="ios"),
    ]
    with pytest.raises(InvalidInput, match=r"rules\[1\]\.url") as caught:
        check_rules(rules, url_check)
    assert caught.value.field == "rules[1].url"


@pytest.mark.parametrize(
    ("variants", "field"),
    [
        ([Variant("https://a.example/", 0)], "variants[0].weight"),
        (
            [Variant("https://a.example/", 1), Variant("https://b.example/", 101)],
            "variants[1].weight",
        ),
        ([Variant("https://a.example/", 1)] * 6, "variants"),
        ([Variant("data:text/html,x", 5)], "variants[0].url"),
    ],
)
def test_bad_variants_are_refused_naming_their_field(variants: list[Variant], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_variants(variants, url_check)
    assert caught.value.field == field


def test_variants_urls_are_stored_in_their_checked_form() -> None:
    assert check_variants([Variant("https://A.example/ü", 3)], url_check) == (
        Variant("https://a.example/%C3%BC", 3),
    )
    assert check_variants([], url_check) == ()


def test_preview_needs_one_part_and_a_safe_image() -> None:
    assert check_preview(Preview("T", None, "https://img.example/a.png"), url_check) == Preview(
        "T", None, "https://img.example/a.png"
    )
    assert check_preview(None, url_check) is None
    with pytest.raises(InvalidInput) as empty:
        check_preview(Preview("", None, None), url_check)
    assert empty.value.field == "preview"
    with pytest.raises(InvalidInput) as unsafe:
        check_preview(Preview("T", None, "javascript:x"), url_check)
    assert unsafe.value.field == "preview.image_url"
    with pytest.raises(InvalidInput) as long:
        check_preview(Preview("T" * 201), url_check)
    assert long.value.field == "preview.title"


def test_the_fallback_follows_the_url_rules() -> None:
    assert check_fallback_url("https://Fallback.example", url_check) == "https://fallback.example"
    assert check_fallback_url(None, url_check) is None
    for unsafe in ("javascript:alert(1)", "https://sho.rt/x", "https://user:pw@x.example/"):
        with pytest.raises(InvalidInput) as caught:
            check_fallback_url(unsafe, url_check)
        assert caught.value.field == "fallback_url"


def test_valid_since_comes_before_the_expiry_and_within_ten_years() -> None:
    check_valid_since(NOW - timedelta(days=1), NOW + timedelta(days=1), NOW)  # past: fine
    check_valid_since(None, None, NOW)
    for since, until in (
        (NOW + timedelta(days=2), NOW + timedelta(days=1)),
        (NOW + timedelta(days=1), NOW + timedelta(days=1)),
        (NOW + timedelta(days=3651), None),
        (datetime(2026, 6, 1), None),  # naive
    ):
        with pytest.raises(InvalidInput) as caught:
            check_valid_since(since, until, NOW)
        assert caught.value.field == "valid_since"


def test_a_link_before_its_valid_since_is_not_found_and_names_its_fallback() -> None:
    later = replace(link(), valid_since=NOW + timedelta(hours=1), fallback_url="https://f.example/")
    with pytest.raises(LinkNotYetValid) as caught:
        ensure_redirectable(later, NOW)
    assert caught.value.fallback_url == "https://f.example/"
    assert ensure_redirectable(later, NOW + timedelta(hours=1)) is later
    with pytest.raises(LinkGone) as gone:
        ensure_redirectable(replace(later, is_active=False), NOW + timedelta(hours=2))
    assert gone.value.fallback_url == "https://f.example/"


def test_changes_name_the_new_fields() -> None:
    changes = LinkChanges(
        valid_since=NOW,
        clear_fallback_url=True,
        password_hash="scrypt$secret",
        rules=(),
        preview=Preview("t"),
    )
    assert changes.changed_fields() == [
        "valid_since",
        "fallback_url",
        "password",
        "rules",
        "preview",
    ]
    assert "scrypt$secret" not in repr(changes)
