"""Orphan visits: what the redirect counts as one, the browser family, and who may list them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shortstack.adapters.crawlers import crawler_kind
from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.adapters.memory.orphan_visits import MemoryOrphanVisitRepository
from shortstack.adapters.memory.password_attempts import MemoryPasswordAttempts
from shortstack.bootstrap import bootstrap
from shortstack.domain.auth import Principal
from shortstack.domain.errors import Forbidden, LinkGone, LinkNotFound
from shortstack.domain.orphan_visits import (
    OrphanVisitKey,
    browser_family,
    forget_after,
    orphan_visit_key,
)
from shortstack.domain.target_urls import OwnHosts
from shortstack.domain.visits import Visit
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.orphan_visits import OrphanVisitBuffer, OrphanVisitsService
from shortstack.service_layer.redirects import RedirectService
from tests.conftest import settings_for
from tests.fakes import FakeClock

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


class World:
    def __init__(self, daily_keys: int = 1000) -> None:
        self.links_repo = MemoryLinkRepository()
        self.orphans = MemoryOrphanVisitRepository()
        self.clock = FakeClock(NOW)
        uow = PublishingUnitOfWork(MemoryEventPublisher())
        self.links = LinksService(self.links_repo, uow, OwnHosts.of("https://sho.rt"), self.clock)
        self.redirects = RedirectService(
            self.links_repo,
            uow,
            MemoryPasswordAttempts(),
            crawler_kind,
            self.clock,
            orphans=self.orphans,
            orphan_daily_keys=daily_keys,
        )

    def counted(self) -> dict[OrphanVisitKey, int]:
        return {row.key: row.visits for row in self.orphans.list(limit=100, cursor=None).items}


@pytest.fixture
def world() -> World:
    return World()


def visit(**fields: Any) -> Visit:
    return Visit(**{"user_agent": CHROME, **fields})


def test_a_get_of_an_unknown_id_is_counted_by_path_day_referrer_and_browser(world: World) -> None:
    for _ in range(2):
        with pytest.raises(LinkNotFound):
            world.redirects.follow("nothing", visit(referrer="https://www.news.example/a?b"))
    assert world.counted() == {OrphanVisitKey(NOW.date(), "nothing", "news.example", "Chrome"): 2}


def test_crawlers_heads_and_existing_links_are_not_orphan_visits(world: World) -> None:
    link = world.links.create("alice", url="https://example.com/")
    with pytest.raises(LinkNotFound):
        world.redirects.follow("nothing", visit(user_agent=GOOGLEBOT))
    with pytest.raises(LinkNotFound):
        world.redirects.peek("nothing", visit())
    scheduled = world.links.create(
        "alice", url="https://example.com/", valid_since=NOW + timedelta(hours=1)
    )
    with pytest.raises(LinkNotFound):  # not yet valid: the link exists
        world.redirects.follow(scheduled.short_id, visit())
    world.redirects.follow(link.short_id, visit())
    assert world.counted() == {}


def test_reserved_words_and_unshaped_paths_are_not_counted(world: World) -> None:
    for path in ("api", "favicon.ico", "robots.txt", "a/b", "x" * 300, ""):
        with pytest.raises(LinkNotFound):
            world.redirects.follow(path, visit())
    assert world.counted() == {}


def test_a_gone_link_is_not_an_orphan(world: World) -> None:
    link = world.links.create("alice", url="https://example.com/", max_visits=1)
    world.redirects.follow(link.short_id, visit())
    with pytest.raises(LinkGone):
        world.redirects.follow(link.short_id, visit())
    assert world.counted() == {}


def test_past_the_daily_cap_new_keys_are_dropped_and_the_404_stands() -> None:
    world = World(daily_keys=2)
    for path in ("one", "two", "three", "one"):
        with pytest.raises(LinkNotFound):
            world.redirects.follow(path, visit())
    assert sorted((k.path, n) for k, n in world.counted().items()) == [("one", 2), ("two", 1)]


def test_a_daily_cap_of_zero_counts_nothing() -> None:
    world = World(daily_keys=0)
    with pytest.raises(LinkNotFound):
        world.redirects.follow("nothing", visit())
    assert world.counted() == {}


def test_a_failing_store_never_turns_the_404_into_an_error(world: World) -> None:
    def broken(*args: object, **kwargs: object) -> bool:
        raise OSError("disk full")

    world.orphans.record = broken  # type: ignore[method-assign]
    with pytest.raises(LinkNotFound):
        world.redirects.follow("nothing", visit())


@pytest.mark.parametrize(
    ("user_agent", "family"),
    [
        (CHROME, "Chrome"),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/124.0 Safari/537.36 Edg/124.0",
            "Edge",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
            " Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari",
        ),
        ("curl/8.5.0", "curl"),
        ("python-requests/2.32", "python-requests"),
        ("Mozilla/5.0 (compatible; something)", "Other"),
        ("", "(unknown)"),
        (None, "(unknown)"),
        ("x" * 500, "x" * 32),
    ],
)
def test_the_browser_family_is_read_cheaply_from_product_tokens(
    user_agent: str | None, family: str
) -> None:
    assert browser_family(user_agent) == family


def test_the_key_bounds_every_part_and_the_ttl_follows_the_day() -> None:
    key = orphan_visit_key("p", NOW, "not a url", "curl/8")
    assert (key.day, key.path, key.referrer_host, key.browser) == (
        NOW.date(),
        "p",
        "(unknown)",
        "curl",
    )
    assert orphan_visit_key("p", NOW, None, None).referrer_host == "(direct)"
    assert forget_after(date(2026, 3, 1), 30) == datetime(2026, 4, 1, tzinfo=UTC)


def test_only_the_operator_or_an_admin_may_list_them() -> None:
    service = OrphanVisitsService(MemoryOrphanVisitRepository())
    assert service.list(Principal("local", "none"), limit=10, cursor=None).items == []
    assert service.list(Principal("ann", "jwt", is_admin=True), limit=10, cursor=None).items == []
    for caller in (Principal("bob", "jwt"), Principal("bob", "api_key")):
        with pytest.raises(Forbidden):
            service.list(caller, limit=10, cursor=None)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def buffered(every_s: float = 1.0) -> tuple[OrphanVisitBuffer, MemoryOrphanVisitRepository, Ticks]:
    store, ticks = MemoryOrphanVisitRepository(), Ticks()
    return OrphanVisitBuffer(store, every_s, ticks), store, ticks


def add(buffer: OrphanVisitBuffer, path: str, daily_keys: int = 1000) -> None:
    key = orphan_visit_key(path, NOW, None, CHROME)
    buffer.record(key, NOW, daily_keys=daily_keys, forget_after=forget_after(key.day, 30))


def stored(store: MemoryOrphanVisitRepository) -> dict[str, int]:
    return {row.key.path: row.visits for row in store.list(limit=100, cursor=None).items}


def test_the_buffer_writes_its_sums_once_a_second_and_before_a_listing() -> None:
    buffer, store, ticks = buffered()
    for path in ("a", "a", "b"):
        add(buffer, path)
    assert stored(store) == {}
    ticks.now = 1.0
    add(buffer, "a")  # the visit that finds the buffer a second old writes it out
    assert stored(store) == {"a": 3, "b": 1}
    add(buffer, "b")
    assert {row.key.path: row.visits for row in buffer.list(limit=10, cursor=None).items} == {
        "a": 3,
        "b": 2,
    }


def test_the_buffer_holds_at_most_a_days_cap_of_keys_and_the_store_keeps_the_cap() -> None:
    buffer, store, _ = buffered()
    for path in ("a", "b", "c", "d", "a"):
        add(buffer, path, daily_keys=2)
    buffer.flush()
    assert stored(store) == {"a": 2, "b": 1}


def test_the_local_server_buffers_and_its_shutdown_writes_the_rest(tmp_path: Path) -> None:
    container = bootstrap(settings_for("sqlite", tmp_path))
    with pytest.raises(LinkNotFound):
        container.redirects.follow("nothing", visit())
    container.close()
    reopened = bootstrap(settings_for("sqlite", tmp_path))
    try:
        listed = reopened.orphan_visits.list(Principal("local"), limit=10, cursor=None).items
        assert [(row.key.path, row.visits) for row in listed] == [("nothing", 1)]
    finally:
        reopened.close()
