"""Where a visit goes: devices, languages, query pairs, first-match rules, variants, forwarding."""

from __future__ import annotations

from collections import Counter

import pytest

from shortstack.domain.link_routing import (
    SPIN_RANGE,
    Destination,
    RedirectRule,
    Variant,
    VisitorFacts,
    choose_destination,
    devices_of,
    forward_query,
    matching_rule,
    new_spin,
    preferred_languages,
    query_pairs,
    variant_for,
)

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1"
)
PIXEL = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
LINUX_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
WINDOWS_PHONE = "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) Edge/15"


@pytest.mark.parametrize(
    ("user_agent", "devices"),
    [
        (IPHONE, {"ios", "mobile"}),
        (IPAD, {"ios", "mobile"}),
        (PIXEL, {"android", "mobile"}),
        (WINDOWS_PHONE, {"android", "mobile"}),
        (WINDOWS, {"desktop"}),
        (MAC, {"desktop"}),
        (LINUX_FIREFOX, {"desktop"}),
        ("Mozilla/5.0 (Mobile; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5", {"mobile"}),
        ("curl/8.5.0", set()),
        ("python-requests/2.32", set()),
        ("", set()),
        (None, set()),
    ],
)
def test_devices_come_from_the_user_agent(user_agent: str | None, devices: set[str]) -> None:
    assert devices_of(user_agent) == devices


@pytest.mark.parametrize(
    ("header", "languages"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", ("fr", "en", "de")),
        ("de;q=0.5, en", ("en", "de")),
        ("en-US,en;q=0.9,pt-BR;q=0.8,pt;q=0.7", ("en", "pt")),
        ("es;q=0, it", ("it",)),  # q=0: not acceptable
        ("EN-gb", ("en",)),
        ("x-klingon, 12, en;q=abc, fr;q=2, nl;q=0.3", ("nl",)),  # malformed entries skipped
        ("", ()),
        (None, ()),
        ("a" * 10_000, ()),
        (
            ",".join(f"{a}{b}" for a in "abcdefgh" for b in "xy"),
            ("ax", "ay", "bx", "by", "cx", "cy"),
        ),
    ],
)
def test_languages_in_the_order_of_preference(header: str | None, languages: tuple[str]) -> None:
    assert preferred_languages(header) == languages


def test_query_pairs_are_decoded_and_bounded() -> None:
    assert query_pairs("a=1&b=%C3%BC&c&d=x+y") == [("a", "1"), ("b", "ü"), ("c", ""), ("d", "x y")]
    assert len(query_pairs("&".join(f"k{n}=v" for n in range(100)))) == 20
    assert query_pairs(None) == []


def facts(
    user_agent: str | None = None,
    language: str | None = None,
    country: str | None = None,
    query: str | None = None,
) -> VisitorFacts:
    return VisitorFacts.of(user_agent, language, country, query)


def test_every_condition_of_a_rule_must_hold() -> None:
    rules = [
        RedirectRule(
            "https://ios.example/de-promo",
            device="ios",
            country="DE",
            query=(("utm", "promo"),),
        )
    ]
    assert matching_rule(rules, facts(IPHONE, country="DE", query="utm=promo&x=1")) == 0
    assert matching_rule(rules, facts(IPHONE, country="FR", query="utm=promo")) is None
    assert matching_rule(rules, facts(PIXEL, country="DE", query="utm=promo")) is None
    assert matching_rule(rules, facts(IPHONE, country="DE", query="utm=other")) is None
    assert matching_rule(rules, facts(IPHONE, country="DE")) is None


def test_the_first_matching_rule_wins() -> None:
    rules = [
        RedirectRule("https://a.example/", device="android"),
        RedirectRule("https://m.example/", device="mobile"),
        RedirectRule("https://ios.example/", device="ios"),
    ]
    assert matching_rule(rules, facts(IPHONE)) == 1
    assert matching_rule(rules, facts(PIXEL)) == 0
    assert matching_rule(rules, facts(WINDOWS)) is None


def test_languages_are_tried_in_the_visitors_order_then_the_rules_order() -> None:
    rules = [
        RedirectRule("https://de.example/", language="de"),
        RedirectRule("https://fr.example/", language="fr"),
        RedirectRule("https://ios.example/", device="ios"),
    ]
    # A French speaker who also reads German gets French, though the German rule is first.
    assert matching_rule(rules, facts(WINDOWS, "fr-CH, fr;q=0.9, de;q=0.7")) == 1
    assert matching_rule(rules, facts(WINDOWS, "en, de;q=0.5")) == 0
    # A rule without a language condition matches at the first try.
    assert matching_rule(rules, facts(IPHONE, "en, de;q=0.5")) == 2
    assert matching_rule(rules, facts(IPHONE, "de")) == 0
    assert matching_rule(rules, facts(WINDOWS, "it")) is None
    assert matching_rule(rules, facts(WINDOWS)) is None


def test_query_conditions_compare_decoded_pairs_exactly() -> None:
    rules = [RedirectRule("https://x.example/", query=(("ref", "news letter"), ("v", "")))]
    assert matching_rule(rules, facts(query="v=&ref=news%20letter")) == 0
    assert matching_rule(rules, facts(query="ref=news+letter&v")) == 0
    assert matching_rule(rules, facts(query="ref=News+letter&v=")) is None
    assert matching_rule(rules, facts(query="ref=news+letter")) is None


@pytest.mark.parametrize(
    "weights", [(1, 1), (1, 3), (50, 30, 20), (1, 1, 1, 1, 1), (100, 1), (7, 13, 100, 2, 55)]
)
def test_spins_split_in_proportion_to_the_weights(weights: tuple[int, ...]) -> None:
    variants = [Variant(f"https://{n}.example/", weight) for n, weight in enumerate(weights)]
    step = 97  # every 97th spin of the million: a fine, even sample
    landed = Counter(variant_for(variants, spin) for spin in range(0, SPIN_RANGE, step))
    total = sum(landed.values())
    for index, weight in enumerate(weights):
        assert landed[index] / total == pytest.approx(weight / sum(weights), abs=0.001)


def test_the_lowest_and_highest_spins_land_on_the_first_and_last_variant() -> None:
    variants = [Variant("https://a.example/", 1), Variant("https://b.example/", 3)]
    assert variant_for(variants, 0) == 0
    assert variant_for(variants, SPIN_RANGE // 4 - 1) == 0
    assert variant_for(variants, SPIN_RANGE // 4) == 1
    assert variant_for(variants, SPIN_RANGE - 1) == 1


def test_new_spins_stay_in_range() -> None:
    assert all(0 <= new_spin() < SPIN_RANGE for _ in range(1000))


def test_destination_is_the_rule_else_the_variant_else_the_url() -> None:
    rules = [RedirectRule("https://ios.example/", device="ios")]
    variants = [Variant("https://a.example/", 1), Variant("https://b.example/", 1)]
    low, high = 0, SPIN_RANGE - 1
    assert choose_destination("https://u.example/", rules, variants, facts(IPHONE), low) == (
        Destination("https://ios.example/", rule=0)
    )
    assert choose_destination("https://u.example/", rules, variants, facts(PIXEL), low) == (
        Destination("https://a.example/", variant=0)
    )
    assert choose_destination("https://u.example/", rules, variants, facts(PIXEL), high) == (
        Destination("https://b.example/", variant=1)
    )
    assert choose_destination("https://u.example/", rules, (), facts(PIXEL), high) == (
        Destination("https://u.example/")
    )


@pytest.mark.parametrize(
    ("target", "query", "expected"),
    [
        ("https://t.example/p", "utm_source=x", "https://t.example/p?utm_source=x"),
        ("https://t.example/p?a=1", "b=2&a=9", "https://t.example/p?a=1&b=2"),
        ("https://t.example/p?a=1#top", "c=%C3%BC", "https://t.example/p?a=1&c=%C3%BC#top"),
        ("https://t.example/p?a=1", "a=2", "https://t.example/p?a=1"),
        ("https://t.example/p", "", "https://t.example/p"),
        ("https://t.example/p", None, "https://t.example/p"),
        (
            "https://t.example/p",
            "x=%0d%0aSet-Cookie:%20a",
            "https://t.example/p?x=%0D%0ASet-Cookie%3A+a",
        ),
    ],
)
def test_forwarded_query_keeps_the_targets_own_keys(
    target: str, query: str | None, expected: str
) -> None:
    assert forward_query(target, query) == expected
