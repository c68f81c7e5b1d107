"""Following links against the in-memory fakes: rules, variants, bots, passwords, fallbacks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from shortstack.adapters.crawlers import crawler_kind
from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.adapters.memory.password_attempts import MemoryPasswordAttempts
from shortstack.domain.errors import (
    LinkGone,
    LinkNotFound,
    LinkNotYetValid,
    NoPassword,
    PasswordRequired,
    TooManyAttempts,
)
from shortstack.domain.events import Event
from shortstack.domain.link_options import Preview, rule_from
from shortstack.domain.link_routing import SPIN_RANGE, Variant
from shortstack.domain.links import Link, Target
from shortstack.domain.passwords import WRONG_ATTEMPTS_MAX, ScryptCost
from shortstack.domain.target_urls import OwnHosts
from shortstack.domain.visits import Click, Visit
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.redirects import PreviewCard, Redirect, RedirectService
from tests.counting import count_events_built
from tests.fakes import FakeClock

NOW = datetime(2026, 3, 1, tzinfo=UTC)
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SLACKBOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


class World:
    """The link and redirect services on one set of fakes, with a clock and spins to set."""

    def __init__(self) -> None:
        self.repo = MemoryLinkRepository()
        self.publisher = MemoryEventPublisher()
        self.clock = FakeClock(NOW)
        uow = PublishingUnitOfWork(self.publisher)
        self.links = LinksService(self.repo, uow, OwnHosts.of("https://sho.rt"), self.clock)
        self.links.password_cost = ScryptCost(log2_n=4, r=1, p=1)
        self.spins = count(0, SPIN_RANGE // 10)
        self.redirects = RedirectService(
            self.repo, uow, MemoryPasswordAttempts(), crawler_kind, self.clock
        )
        self.redirects.spin = lambda: next(self.spins) % SPIN_RANGE

    def create(self, **options: Any) -> Link:
        return self.links.create("alice", url="https://example.com/", **options)

    def clicks(self, short_id: str) -> int:
        link = self.repo.get(short_id)
        assert link is not None
        return link.click_count

    def bots(self, short_id: str) -> int:
        link = self.repo.get(short_id)
        assert link is not None
        return link.bot_count


@pytest.fixture
def world() -> World:
    return World()


def follow(world: World, short_id: str, **visit: Any) -> Redirect:
    answer = world.redirects.follow(short_id, Visit(**visit))
    assert isinstance(answer, Redirect)
    return answer


def test_follow_counts_publishes_and_answers(world: World) -> None:
    link = world.create(redirect_status=307)
    redirect = follow(world, link.short_id, referrer="https://r.example/", country="DE")
    assert (redirect.location, redirect.status) == ("https://example.com/", 307)
    assert redirect.cache_control == "private, max-age=0"
    [clicked] = world.publisher.of_type("LinkClicked")
    assert clicked.detail["referrer"] == "https://r.example"
    assert clicked.detail["country"] == "DE"
    assert (clicked.detail["rule"], clicked.detail["variant"]) == (None, None)
    assert clicked.time == NOW
    assert world.clicks(link.short_id) == 1


def test_peek_answers_without_counting(world: World) -> None:
    link = world.create(ttl_days=1, rules=[rule_from("https://ios.example/", device="ios")])
    assert world.redirects.peek(link.short_id, Visit()) == Redirect(
        "https://example.com/", 302, "private, max-age=0"
    )
    assert world.redirects.peek(link.short_id, Visit(user_agent=IPHONE)).location == (  # type: ignore[union-attr]
        "https://ios.example/"
    )
    assert world.clicks(link.short_id) == 0
    assert world.publisher.of_type("LinkClicked") == []
    world.clock.now += timedelta(days=1)
    with pytest.raises(LinkGone, match="expired"):
        world.redirects.peek(link.short_id, Visit())


@pytest.mark.parametrize("short_id", ["", "ab", "api", "a/b", "x" * 65])
def test_impossible_ids_are_not_found_without_a_lookup(world: World, short_id: str) -> None:
    class NoLookups(MemoryLinkRepository):
        def record_click(
            self, short_id: str, click: Click, unlocked_with: str | None = None
        ) -> Target:
            raise AssertionError("looked up")

    world.redirects.links = NoLookups()
    with pytest.raises(LinkNotFound):
        world.redirects.follow(short_id, Visit())
    with pytest.raises(LinkNotFound):
        world.redirects.unlock(short_id, Visit(), "password")


def test_rules_decide_and_the_event_names_the_rule(world: World) -> None:
    link = world.create(
        rules=[
            rule_from("https://ios.example/", device="ios"),
            rule_from("https://de.example/", language="de", country="DE"),
        ]
    )
    assert follow(world, link.short_id, user_agent=IPHONE).location == "https://ios.example/"
    german = follow(world, link.short_id, accept_language="de-DE,de;q=0.9", country="DE")
    assert german.location == "https://de.example/"
    assert follow(world, link.short_id, user_agent=DESKTOP).location == "https://example.com/"
    rules = [event.detail["rule"] for event in world.publisher.of_type("LinkClicked")]
    assert rules == [0, 1, None]
    assert world.clicks(link.short_id) == 3


def test_variants_split_by_weight_and_their_counts_add_up_to_the_clicks(world: World) -> None:
    link = world.create(
        variants=[Variant("https://a.example/", 30), Variant("https://b.example/", 70)]
    )
    places = Counter(follow(world, link.short_id).location for _ in range(20))
    assert places == {"https://a.example/": 6, "https://b.example/": 14}
    by_variant = Counter(
        event.detail["variant"] for event in world.publisher.of_type("LinkClicked")
    )
    assert by_variant == {0: 6, 1: 14}
    assert sum(by_variant.values()) == world.clicks(link.short_id) == 20


def test_a_forwarded_query_joins_the_target_and_the_answer_is_never_shared(
    world: World,
) -> None:
    link = world.create(forward_query=True, redirect_status=301)
    redirect = follow(world, link.short_id, query="utm_source=mail&x=1")
    assert redirect.location == "https://example.com/?utm_source=mail&x=1"
    assert redirect.cache_control == "private, max-age=0"  # a 301 that depends on the visitor


def test_a_crawler_is_redirected_but_never_counted_nor_uses_up_the_limit(world: World) -> None:
    link = world.create(max_visits=1)
    for _ in range(3):
        assert follow(world, link.short_id, user_agent=GOOGLEBOT).location == "https://example.com/"
    assert (world.clicks(link.short_id), world.bots(link.short_id)) == (0, 3)
    assert world.publisher.of_type("LinkClicked") == []
    assert len(world.publisher.of_type("LinkVisitedByBot")) == 3
    # The one visit the link allows still belongs to a person.
    assert follow(world, link.short_id, user_agent="curl/8.5.0").location == "https://example.com/"
    with pytest.raises(LinkGone, match="visit limit"):
        world.redirects.follow(link.short_id, Visit(user_agent=GOOGLEBOT))


def test_a_preview_fetcher_gets_the_preview_when_the_link_has_one(world: World) -> None:
    with_preview = world.create(preview=Preview("Launch", "All about it"))
    plain = world.create()
    answer = world.redirects.follow(with_preview.short_id, Visit(user_agent=SLACKBOT))
    assert answer == PreviewCard(Preview("Launch", "All about it"))
    assert follow(world, plain.short_id, user_agent=SLACKBOT).location == "https://example.com/"
    assert world.bots(with_preview.short_id) == world.bots(plain.short_id) == 1
    assert world.clicks(with_preview.short_id) == 0


def test_a_password_link_counts_nothing_until_unlocked(world: World) -> None:
    link = world.create(password="open sesame", preview=Preview("Secret party"))
    for user_agent in (DESKTOP, GOOGLEBOT):
        with pytest.raises(PasswordRequired) as locked:
            world.redirects.follow(link.short_id, Visit(user_agent=user_agent))
        assert locked.value.wrong is False
    with pytest.raises(PasswordRequired):
        world.redirects.peek(link.short_id, Visit())
    # The owner's preview is still what a chat app shows.
    assert world.redirects.follow(link.short_id, Visit(user_agent=SLACKBOT)) == PreviewCard(
        Preview("Secret party")
    )
    assert (world.clicks(link.short_id), world.bots(link.short_id)) == (0, 0)
    with pytest.raises(PasswordRequired) as wrong:
        world.redirects.unlock(link.short_id, Visit(address="192.0.2.1"), "open says me")
    assert wrong.value.wrong is True
    assert world.clicks(link.short_id) == 0
    unlocked = world.redirects.unlock(link.short_id, Visit(address="192.0.2.1"), "open sesame")
    assert unlocked.location == "https://example.com/"
    assert world.clicks(link.short_id) == 1
    assert len(world.publisher.of_type("LinkClicked")) == 1


def test_wrong_passwords_are_limited_per_link_and_client(world: World) -> None:
    link = world.create(password="open sesame")
    other = world.create(password="open sesame")
    guesser = Visit(address="192.0.2.1")
    for _ in range(WRONG_ATTEMPTS_MAX):
        with pytest.raises(PasswordRequired):
            world.redirects.unlock(link.short_id, guesser, "guess")
    world.clock.now += timedelta(minutes=1)
    with pytest.raises(TooManyAttempts) as limited:
        world.redirects.unlock(link.short_id, guesser, "open sesame")  # right, but too late
    assert 0 < limited.value.retry_after_s <= 15 * 60
    assert world.clicks(link.short_id) == 0
    # Another client, and the same client on another link, are not held back.
    assert world.redirects.unlock(link.short_id, Visit(address="192.0.2.2"), "open sesame")
    assert world.redirects.unlock(other.short_id, guesser, "open sesame")
    # The window ends.
    world.clock.now += timedelta(minutes=15)
    assert world.redirects.unlock(link.short_id, guesser, "open sesame")


def test_unlocking_a_link_without_a_password_is_refused(world: World) -> None:
    link = world.create()
    with pytest.raises(NoPassword):
        world.redirects.unlock(link.short_id, Visit(), "anything")


def test_a_link_before_its_start_is_not_found_and_names_its_fallback(world: World) -> None:
    link = world.create(
        valid_since=NOW + timedelta(hours=1), fallback_url="https://fallback.example/"
    )
    for visit in (Visit(), Visit(user_agent=GOOGLEBOT)):
        with pytest.raises(LinkNotYetValid) as early:
            world.redirects.follow(link.short_id, visit)
        assert early.value.fallback_url == "https://fallback.example/"
    world.clock.now += timedelta(hours=1)
    assert follow(world, link.short_id).location == "https://example.com/"
    assert (world.clicks(link.short_id), world.bots(link.short_id)) == (1, 0)


def test_a_used_up_link_names_its_fallback_and_counts_nothing_more(world: World) -> None:
    link = world.create(max_visits=1, fallback_url="https://fallback.example/")
    follow(world, link.short_id)
    with pytest.raises(LinkGone) as gone:
        world.redirects.follow(link.short_id, Visit())
    assert gone.value.fallback_url == "https://fallback.example/"
    assert world.clicks(link.short_id) == 1


class _StreamLikeUnitOfWork:
    """A unit of work whose committed write is the announcement, as on DynamoDB."""

    keeps_events = False

    @contextmanager
    def begin(self) -> Iterator[Any]:
        yield self

    def add(self, events: Sequence[Event]) -> None:
        raise AssertionError(f"a visit added {[e.detail_type for e in events]} to its outbox")


def test_a_unit_of_work_that_keeps_no_events_gets_none_built(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clicks, crawlers and unlocks count as usual; no Event object is built for them."""
    plain = world.create()
    routed = world.create(rules=[rule_from("https://ios.example/", device="ios")])
    secret = world.create(password="open sesame")
    world.redirects.uow = _StreamLikeUnitOfWork()
    built = count_events_built(monkeypatch)
    assert follow(world, plain.short_id).location == "https://example.com/"
    assert follow(world, routed.short_id, user_agent=IPHONE).location == "https://ios.example/"
    assert follow(world, plain.short_id, user_agent=GOOGLEBOT).location == "https://example.com/"
    unlocked = world.redirects.unlock(secret.short_id, Visit(address="192.0.2.1"), "open sesame")
    assert unlocked.location == "https://example.com/"
    assert built == []
    assert (world.clicks(plain.short_id), world.bots(plain.short_id)) == (1, 1)
    assert (world.clicks(routed.short_id), world.clicks(secret.short_id)) == (1, 1)
    assert world.publisher.of_type("LinkClicked") == []


def test_a_unit_of_work_that_keeps_events_gets_one_per_visit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = world.create()
    built = count_events_built(monkeypatch)
    follow(world, link.short_id)
    follow(world, link.short_id, user_agent=GOOGLEBOT)
    assert built == ["LinkClicked", "LinkVisitedByBot"]
