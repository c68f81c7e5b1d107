"""Redirect rules, schedules, fallbacks, passwords and bots, on every storage adapter.

A redirect is one write (record_click or record_bot_visit) that decides, counts and
answers with what the rules and variants need. These cases hold each store to that
through the RedirectService, the way the local server and the redirect Lambda use it.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.adapters.crawlers import crawler_kind
from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.useragent import classify_user_agent
from shortstack.bootstrap import Adapters
from shortstack.domain.errors import (
    LinkGone,
    LinkNotYetValid,
    PasswordRequired,
    TooManyAttempts,
)
from shortstack.domain.link_options import rule_from
from shortstack.domain.link_routing import Variant
from shortstack.domain.links import Link, LinkChanges
from shortstack.domain.passwords import WRONG_ATTEMPTS_MAX, Claim, ScryptCost, attempt_window
from shortstack.domain.target_urls import OwnHosts
from shortstack.domain.visits import Visit
from shortstack.service_layer.analytics import AnalyticsService
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.redirects import Redirect, RedirectService
from tests.concurrency import race, unlock_status
from tests.fakes import FakeClock

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
CRAWLERS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)",
)


class World:
    """The link, redirect and analytics services on one technology's adapters."""

    def __init__(self, adapters: Adapters) -> None:
        self.repo = adapters.links
        self.publisher = MemoryEventPublisher()
        self.clock = FakeClock(NOW)
        uow = PublishingUnitOfWork(self.publisher)
        self.links = LinksService(self.repo, uow, OwnHosts.of("https://sho.rt"), self.clock)
        self.links.password_cost = ScryptCost(log2_n=4, r=1, p=1)
        self.attempts = adapters.password_attempts
        self.redirects = RedirectService(self.repo, uow, self.attempts, crawler_kind, self.clock)
        self.analytics = AnalyticsService(
            adapters.stats, self.repo, classify_user_agent, self.clock
        )

    def create(self, **options: Any) -> Link:
        return self.links.create("alice", url="https://example.com/", **options)

    def follow(self, short_id: str, **visit: Any) -> str:
        answer = self.redirects.follow(short_id, Visit(**visit))
        assert isinstance(answer, Redirect)
        return answer.location

    def stored(self, short_id: str) -> Link:
        link = self.repo.get(short_id)
        assert link is not None
        return link

    def fold_published(self) -> None:
        for event in self.publisher.published:
            if event.detail_type in ("LinkClicked", "LinkVisitedByBot"):
                self.analytics.fold_click(event)


@pytest.fixture
def world(adapters: Adapters) -> World:
    return World(adapters)


def test_the_first_matching_rule_decides_from_what_the_write_returns(world: World) -> None:
    link = world.create(
        rules=[
            rule_from("https://ios.example/", device="ios"),
            rule_from("https://de.example/", language="de"),
            rule_from("https://fr.example/", language="fr"),
            rule_from("https://campaign.example/", query={"utm_source": "mail"}),
        ]
    )
    short_id = link.short_id
    assert world.follow(short_id, user_agent=IPHONE) == "https://ios.example/"
    prefers_french = "fr-CH, fr;q=0.9, de;q=0.7"
    assert world.follow(short_id, user_agent=DESKTOP, accept_language=prefers_french) == (
        "https://fr.example/"
    )
    assert world.follow(short_id, user_agent=DESKTOP, query="utm_source=mail") == (
        "https://campaign.example/"
    )
    assert world.follow(short_id, user_agent=DESKTOP, query="utm_source=web") == (
        "https://example.com/"
    )
    assert world.stored(short_id).click_count == 4
    rules = [event.detail["rule"] for event in world.publisher.of_type("LinkClicked")]
    assert rules == [0, 2, 3, None]


def test_an_edit_of_the_rules_sends_the_next_visit_to_the_new_target(world: World) -> None:
    link = world.create(rules=[rule_from("https://ios.example/", device="ios")])
    assert world.follow(link.short_id, user_agent=IPHONE) == "https://ios.example/"
    world.links.update(
        "alice",
        link.short_id,
        LinkChanges(rules=(rule_from("https://new.example/", device="ios"),)),
    )
    assert world.follow(link.short_id, user_agent=IPHONE) == "https://new.example/"


def test_before_valid_since_nothing_counts_and_the_fallback_is_named(world: World) -> None:
    starts = NOW + timedelta(hours=1)
    link = world.create(valid_since=starts, fallback_url="https://soon.example/")
    bare = world.create(valid_since=starts)
    with pytest.raises(LinkNotYetValid) as raised:
        world.follow(link.short_id)
    assert raised.value.fallback_url == "https://soon.example/"
    with pytest.raises(LinkNotYetValid) as raised:
        world.follow(bare.short_id, user_agent=CRAWLERS[0])
    assert raised.value.fallback_url is None
    assert (world.stored(link.short_id).click_count, world.stored(bare.short_id).bot_count) == (
        0,
        0,
    )
    world.clock.now = starts
    assert world.follow(link.short_id) == "https://example.com/"
    assert world.stored(link.short_id).click_count == 1


@pytest.mark.parametrize("case", ["disabled", "expired", "used up"])
def test_a_link_that_cannot_redirect_names_its_fallback_and_counts_nothing(
    world: World, case: str
) -> None:
    link = world.create(ttl_days=1, max_visits=1, fallback_url="https://later.example/")
    world.follow(link.short_id)
    if case == "disabled":
        world.links.update("alice", link.short_id, LinkChanges(is_active=False))
    elif case == "expired":
        world.clock.now += timedelta(days=1)
    for visitor in (DESKTOP, CRAWLERS[0]):
        with pytest.raises(LinkGone) as raised:
            world.follow(link.short_id, user_agent=visitor)
        assert raised.value.fallback_url == "https://later.example/"
    stored = world.stored(link.short_id)
    assert (stored.click_count, stored.bot_count) == (1, 0)


def test_bots_never_consume_max_visits_under_200_concurrent_visits(world: World) -> None:
    # Room for the 50 people and one more: any visit a crawler took would refuse someone.
    link = world.create(max_visits=51)

    def visit(n: int) -> str:
        person = n % 4 == 0
        user_agent = DESKTOP if person else CRAWLERS[n % len(CRAWLERS)]
        try:
            location = world.follow(link.short_id, user_agent=user_agent)
        except LinkGone:
            return "person refused" if person else "bot refused"
        assert location == "https://example.com/"
        return "person" if person else "bot"

    assert Counter(race(200, visit)) == {"bot": 150, "person": 50}
    stored = world.stored(link.short_id)
    assert (stored.click_count, stored.bot_count) == (50, 150)
    assert len(world.publisher.of_type("LinkClicked")) == 50
    assert len(world.publisher.of_type("LinkVisitedByBot")) == 150
    assert world.follow(link.short_id, user_agent=DESKTOP) == "https://example.com/"
    # Used up by people, the link refuses everyone, crawlers included.
    for user_agent in (DESKTOP, CRAWLERS[0]):
        with pytest.raises(LinkGone, match="visit limit"):
            world.follow(link.short_id, user_agent=user_agent)


def test_variant_counts_add_up_to_click_count_and_bots_stay_apart(world: World) -> None:
    link = world.create(
        variants=[
            Variant("https://a.example/", 50),
            Variant("https://b.example/", 30),
            Variant("https://c.example/", 20),
        ]
    )
    locations = race(60, lambda n: world.follow(link.short_id, user_agent=DESKTOP))
    for n in range(5):
        world.follow(link.short_id, user_agent=CRAWLERS[n])
    world.fold_published()
    report = world.analytics.report("alice", link.short_id)
    variants = report.totals.counts["variants"]
    targets = {"0": "https://a.example/", "1": "https://b.example/", "2": "https://c.example/"}
    assert {targets[index]: n for index, n in variants.items()} == Counter(locations)
    assert sum(variants.values()) == report.totals.clicks == 60
    assert report.totals.bots == 5
    stored = world.stored(link.short_id)
    assert (stored.click_count, stored.bot_count) == (60, 5)


def test_a_password_link_counts_only_once_unlocked(world: World) -> None:
    link = world.create(password="open sesame", variants=[Variant("https://a.example/", 1)])
    with pytest.raises(PasswordRequired):
        world.follow(link.short_id, user_agent=DESKTOP)
    with pytest.raises(PasswordRequired):
        world.follow(link.short_id, user_agent=CRAWLERS[0])
    with pytest.raises(PasswordRequired) as raised:
        world.redirects.unlock(link.short_id, Visit(address="203.0.113.9"), "open sesamE")
    assert raised.value.wrong
    assert world.stored(link.short_id).click_count == 0
    answer = world.redirects.unlock(link.short_id, Visit(address="203.0.113.9"), "open sesame")
    assert answer.location == "https://a.example/"
    assert world.stored(link.short_id).click_count == 1


def test_concurrent_wrong_passwords_never_pass_the_limit(world: World) -> None:
    link = world.create(password="open sesame")

    def guess(n: int) -> str:
        return unlock_status(world.redirects, link.short_id, "203.0.113.9", f"guess {n}")

    outcomes = Counter(race(50, guess))
    assert outcomes == {"401": WRONG_ATTEMPTS_MAX, "429": 50 - WRONG_ATTEMPTS_MAX}
    # Another client is not locked out; the right password is refused while the limit lasts.
    other = Visit(address="198.51.100.7")
    assert world.redirects.unlock(link.short_id, other, "open sesame").location == (
        "https://example.com/"
    )
    with pytest.raises(TooManyAttempts):
        world.redirects.unlock(link.short_id, Visit(address="203.0.113.9"), "open sesame")
    assert world.stored(link.short_id).click_count == 1


def test_concurrent_right_passwords_are_never_refused(world: World) -> None:
    # Each check holds an attempt while it runs: the sixth right one at once used to be a 429.
    link = world.create(password="open sesame")
    visitor = Visit(address="203.0.113.9")

    def unlock(n: int) -> str:
        try:
            return world.redirects.unlock(link.short_id, visitor, "open sesame").location
        except TooManyAttempts:
            return "429"

    assert Counter(race(30, unlock)) == {"https://example.com/": 30}
    assert world.stored(link.short_id).click_count == 30
    # Nothing stays held: the client still has all of its wrong passwords.
    for _ in range(WRONG_ATTEMPTS_MAX):
        with pytest.raises(PasswordRequired):
            world.redirects.unlock(link.short_id, visitor, "wrong one")
    with pytest.raises(TooManyAttempts):
        world.redirects.unlock(link.short_id, visitor, "open sesame")


def test_right_passwords_and_other_refusals_give_their_attempt_back(world: World) -> None:
    link = world.create(password="open sesame")
    visitor = Visit(address="203.0.113.9")
    for _ in range(WRONG_ATTEMPTS_MAX - 1):
        with pytest.raises(PasswordRequired):
            world.redirects.unlock(link.short_id, visitor, "wrong one")
    for _ in range(3):
        world.redirects.unlock(link.short_id, visitor, "open sesame")
    world.links.update("alice", link.short_id, LinkChanges(is_active=False))
    with pytest.raises(LinkGone):
        world.redirects.unlock(link.short_id, visitor, "open sesame")
    world.links.update("alice", link.short_id, LinkChanges(is_active=True))
    with pytest.raises(PasswordRequired):
        world.redirects.unlock(link.short_id, visitor, "wrong again")
    with pytest.raises(TooManyAttempts):
        world.redirects.unlock(link.short_id, visitor, "open sesame")
    assert world.stored(link.short_id).click_count == 3


def test_attempt_claims_stop_at_the_limit_under_200_concurrent_claims(
    adapters: Adapters,
) -> None:
    attempts = adapters.password_attempts
    window, window_end = attempt_window(NOW)

    def claim(n: int) -> str:
        return attempts.claim("abc1234", "client", window, window_end, 5).value

    # Five held by checks in flight: the others wait for one (BUSY), none is used up.
    assert Counter(race(200, claim)) == {"claimed": 5, "busy": 195}
    attempts.give_back("abc1234", "client", window)
    assert attempts.claim("abc1234", "client", window, window_end, 5) is Claim.CLAIMED
    assert attempts.claim("abc1234", "client", window, window_end, 5) is Claim.BUSY
    # Only wrong passwords use the window up; one that was wrong is never given back.
    for _ in range(4):
        attempts.keep_as_wrong("abc1234", "client", window)
    assert attempts.claim("abc1234", "client", window, window_end, 5) is Claim.BUSY
    attempts.keep_as_wrong("abc1234", "client", window)
    attempts.give_back("abc1234", "client", window)
    attempts.keep_as_wrong("abc1234", "client", window)  # no sixth: five are held
    assert attempts.claim("abc1234", "client", window, window_end, 5) is Claim.SPENT
    # Windows and clients are counted apart.
    later, later_end = attempt_window(window_end)
    assert attempts.claim("abc1234", "client", later, later_end, 5) is Claim.CLAIMED
    assert attempts.claim("abc1234", "other", window, window_end, 5) is Claim.CLAIMED


def test_a_give_back_or_a_wrong_one_for_nothing_held_changes_nothing(
    adapters: Adapters,
) -> None:
    attempts = adapters.password_attempts
    window, window_end = attempt_window(NOW)
    attempts.give_back("abc1234", "client", window)
    attempts.keep_as_wrong("abc1234", "client", window)
    claims = [attempts.claim("abc1234", "client", window, window_end, 2) for _ in range(3)]
    assert claims == [Claim.CLAIMED, Claim.CLAIMED, Claim.BUSY]
