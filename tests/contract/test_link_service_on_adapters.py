"""The link use cases' storage guarantees, on every real adapter (not only the fakes)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shortstack.adapters.crawlers import crawler_kind
from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.useragent import classify_user_agent
from shortstack.bootstrap import Adapters
from shortstack.domain import events
from shortstack.domain.analytics import ClickFacts
from shortstack.domain.errors import AliasTaken
from shortstack.domain.target_urls import OwnHosts
from shortstack.domain.visits import Visit
from shortstack.service_layer.analytics import AnalyticsService
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.redirects import Redirect, RedirectService
from tests.concurrency import race
from tests.contract.conftest import present


@pytest.fixture
def links(adapters: Adapters) -> LinksService:
    return LinksService(
        adapters.links,
        PublishingUnitOfWork(MemoryEventPublisher()),
        OwnHosts.of("https://sho.rt"),
    )


def test_a_random_id_collision_draws_again_and_never_overwrites(
    links: LinksService, adapters: Adapters
) -> None:
    first = links.create("alice", url="https://first.example/")
    drawn = iter([first.short_id, first.short_id, "Fresh07"])
    links.new_id = drawn.__next__
    second = links.create("bob", url="https://second.example/")
    assert second.short_id == "Fresh07"
    assert adapters.links.get(first.short_id) == first


def test_racing_alias_creates_have_exactly_one_winner(links: LinksService) -> None:
    def create(n: int) -> str:
        try:
            links.create(f"user{n}", url=f"https://example.com/{n}", alias="launch")
        except AliasTaken:
            return "409"
        return "201"

    outcomes = race(50, create)
    assert sorted(outcomes) == ["201"] + ["409"] * 49


def test_concurrent_redirects_count_every_click(links: LinksService, adapters: Adapters) -> None:
    link = links.create("alice", url="https://example.com/")
    publisher = MemoryEventPublisher()
    redirects = RedirectService(
        adapters.links,
        PublishingUnitOfWork(publisher),
        adapters.password_attempts,
        crawler_kind,
    )

    def follow(n: int) -> str:
        answer = redirects.follow(link.short_id, Visit())
        assert isinstance(answer, Redirect)
        return answer.location

    assert set(race(60, follow)) == {"https://example.com/"}
    assert present(adapters.links.get(link.short_id)).click_count == 60
    assert len(publisher.of_type("LinkClicked")) == 60


def test_racing_batches_settle_each_alias_per_entry(
    links: LinksService, adapters: Adapters
) -> None:
    def batch(n: int) -> str:
        entries = [
            {"url": f"https://example.com/{n}/a"},
            {"url": f"https://example.com/{n}/b", "alias": "launch"},
            {"url": f"https://example.com/{n}/c", "alias": f"mine-{n}"},
        ]
        outcomes = links.create_many(f"user{n}", entries)
        assert not isinstance(outcomes[0], Exception)
        assert not isinstance(outcomes[2], Exception)
        return "409" if isinstance(outcomes[1], AliasTaken) else "201"

    outcomes = race(20, batch)
    assert sorted(outcomes) == ["201"] + ["409"] * 19
    assert all(present(adapters.links.get(f"mine-{n}")).owner == f"user{n}" for n in range(20))


def test_a_deleted_links_stats_are_gone_before_its_alias_is_taken_again_and_stay_the_new_owners(
    links: LinksService, adapters: Adapters
) -> None:
    """Alice's visitors never show in Bob's stats, and her link's late cleanup spares his."""
    day = date(2026, 11, 20)
    analytics = AnalyticsService(adapters.stats, adapters.links, classify_user_agent)
    links.create("alice", url="https://alice.example/", alias="launch")
    adapters.stats.fold(_click(1, "alice", "alice-secret.example", day))
    deleted_at = datetime.now(UTC)
    links.delete("alice", "launch")
    # Bob takes the alias before the LinkDeleted event is handled (on AWS: seconds later,
    # or never while it sits in the dead-letter queue).
    links.create("bob", url="https://bob.example/", alias="launch")
    assert adapters.stats.days("launch", day, day) == []
    adapters.stats.fold(_click(2, "bob", "bob.example", day))
    analytics.forget_link(events.link_deleted("launch", "alice", deleted_at))
    [bobs] = adapters.stats.days("launch", day, day)
    assert (bobs.clicks, bobs.counts["referrers"]) == (1, {"bob.example": 1})


def _click(n: int, owner: str, referrer: str, day: date) -> ClickFacts:
    return ClickFacts(
        event_id=f"click-{n}",
        short_id="launch",
        day=day,
        referrer=referrer,
        browser="Chrome",
        device="desktop",
        is_bot=False,
        country="DE",
        owner=owner,
    )
