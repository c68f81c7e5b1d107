"""The links page's search, filters, sort and totals, against the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shortstack.adapters.crawlers import crawler_kind
from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.adapters.memory.password_attempts import MemoryPasswordAttempts
from shortstack.domain.link_state import LinkState, state_of
from shortstack.domain.links import LinkChanges
from shortstack.domain.visits import Visit
from shortstack.service_layer import link_browse
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.link_browse import LinkQuery
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.redirects import RedirectService
from tests.fakes import FakeClock

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW, step=timedelta(seconds=1))  # every link its own creation time


@pytest.fixture
def repo() -> MemoryLinkRepository:
    return MemoryLinkRepository()


@pytest.fixture
def links(repo: MemoryLinkRepository, clock: FakeClock) -> LinksService:
    return LinksService(repo, PublishingUnitOfWork(MemoryEventPublisher()), clock=clock)


def click(repo: MemoryLinkRepository, clock: FakeClock, short_id: str, times: int) -> None:
    uow = PublishingUnitOfWork(MemoryEventPublisher())
    redirects = RedirectService(repo, uow, MemoryPasswordAttempts(), crawler_kind, clock)
    for _ in range(times):
        redirects.follow(short_id, Visit())


def aliases(found: link_browse.Browse) -> list[str]:
    return [link.short_id for link in found.items]


def test_search_matches_alias_target_and_title_in_any_case(links: LinksService) -> None:
    links.create("me", url="https://example.com/Spring-Sale", alias="sale")
    links.create("me", url="https://example.com/x", alias="news", title="Spring newsletter")
    links.create("me", url="https://example.com/y", alias="springboard")
    links.create("me", url="https://example.com/z", alias="other")
    links.create("you", url="https://example.com/spring", alias="theirs")
    found = links.browse("me", LinkQuery(text="SPRING"), page=1)
    assert aliases(found) == ["springboard", "news", "sale"]  # newest first
    assert (found.total, found.exact) == (3, True)


def test_every_state_is_told_apart_and_filtered(
    links: LinksService, repo: MemoryLinkRepository, clock: FakeClock
) -> None:
    links.create("me", url="https://example.com/a", alias="live")
    links.create("me", url="https://example.com/b", alias="off")
    links.update("me", "off", LinkChanges(is_active=False))
    links.create("me", url="https://example.com/c", alias="soon-over", ttl_days=1)
    links.create("me", url="https://example.com/d", alias="once", max_visits=1)
    click(repo, clock, "once", 1)
    clock.now += timedelta(days=2)
    now = clock.now
    states = {}
    for alias in ("live", "off", "soon-over", "once"):
        link = repo.get(alias)
        assert link is not None
        states[alias] = state_of(link, now)
    assert states == {
        "live": LinkState.ACTIVE,
        "off": LinkState.DISABLED,
        "soon-over": LinkState.EXPIRED,
        "once": LinkState.USED_UP,
    }
    used_or_expired = LinkQuery(states=frozenset({LinkState.USED_UP, LinkState.EXPIRED}))
    assert sorted(aliases(links.browse("me", used_or_expired, page=1))) == ["once", "soon-over"]
    active = links.browse("me", LinkQuery(states=frozenset({LinkState.ACTIVE})), page=1)
    assert aliases(active) == ["live"]


def test_sort_by_clicks_then_newest_and_numbered_pages(
    links: LinksService, repo: MemoryLinkRepository, clock: FakeClock
) -> None:
    for n in range(7):
        links.create("me", url=f"https://example.com/{n}", alias=f"link-{n}", tags=["promo"])
    click(repo, clock, "link-2", 5)
    click(repo, clock, "link-5", 3)
    query = LinkQuery(sort="clicks", tag="PROMO")
    first = links.browse("me", query, page=1, limit=3)
    second = links.browse("me", query, page=2, limit=3)
    third = links.browse("me", query, page=3, limit=3)
    assert aliases(first) == ["link-2", "link-5", "link-6"]
    assert aliases(second) == ["link-4", "link-3", "link-1"]
    assert aliases(third) == ["link-0"]
    assert first.total == second.total == 7
    assert links.browse("me", query, page=9, limit=3).items == []


def test_past_the_read_limit_the_total_is_a_lower_bound(
    links: LinksService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(link_browse, "READ_LIMIT", 5)
    for n in range(5):
        links.create("me", url=f"https://example.com/{n}", alias=f"link-{n}")
    exactly = links.browse("me", LinkQuery(), page=1)
    assert (exactly.total, exactly.exact) == (5, True)
    links.create("me", url="https://example.com/6", alias="link-6")
    capped = links.browse("me", LinkQuery(), page=1)
    assert (capped.total, capped.exact) == (5, False)
    assert aliases(capped)[0] == "link-6"  # the newest are the ones searched
