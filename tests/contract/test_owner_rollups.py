"""Per-owner daily roll-ups: the fold that keeps each link's days keeps its owner's too.

On every store: the owner's day is the sum of the owner's links' days (clicks, bots,
each dimension), plus clicks per link; its unique visitors count a visitor of two
links once; a redelivered click changes nothing. On DynamoDB the same through the
stream consumer's window fold (add_window), retried closes included.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta
from typing import Any

import pytest

from shortstack.adapters.dynamodb.stats import DynamoDBClickStatsRepository
from shortstack.bootstrap import Adapters
from shortstack.domain.analytics import LINKS, OWNER_DIMENSIONS, ClickFacts, DailyStats
from shortstack.service_layer.relay import ClickWindow
from tests.conftest import DYNAMODB_LOCAL, STORAGES
from tests.contract.test_click_stats_repository import facts

DAY = date(2026, 11, 20)


def owned(n: int, short_id: str, owner: str = "alice", **overrides: Any) -> ClickFacts:
    return facts(n, short_id=short_id, owner=owner, **overrides)


def summed(days: list[DailyStats]) -> DailyStats:
    total = DailyStats(day=DAY)
    for day in days:
        total.merge_day(day)
    return total


def test_an_owners_day_is_the_sum_of_their_links_days(adapters: Adapters) -> None:
    stats = adapters.stats
    clicks = [
        owned(1, "link0001", visitor="v1"),
        owned(2, "link0001", visitor="v2", country="FR", browser="Firefox"),
        owned(3, "link0002", visitor="v1", referrer="(direct)"),  # v1 again, another link
        owned(4, "link0002", browser="Googlebot", device="bot", is_bot=True, visitor="v9"),
        owned(5, "link0003", owner="bob", visitor="v3"),
        owned(6, "link0001", day=DAY - timedelta(days=1), visitor="v1"),
    ]
    for click in clicks:
        assert stats.fold(click)
    assert not stats.fold(clicks[0])  # a redelivery counts nowhere

    [yesterday, today] = stats.owner_days("alice", DAY - timedelta(days=5), DAY)
    assert (yesterday.day, yesterday.clicks, yesterday.unique_visitors) == (
        DAY - timedelta(days=1),
        1,
        1,
    )
    links = summed(stats.days("link0001", DAY, DAY) + stats.days("link0002", DAY, DAY))
    assert (today.day, today.clicks, today.bots) == (DAY, links.clicks, links.bots) == (DAY, 3, 1)
    for dimension in OWNER_DIMENSIONS:
        if dimension != LINKS:
            assert today.counts[dimension] == links.counts[dimension], dimension
    assert today.counts[LINKS] == {"link0001": 2, "link0002": 1}
    # v1 visited both links: once in the owner's day, once in each link's.
    assert [d.unique_visitors for d in stats.days("link0001", DAY, DAY)] == [2]
    assert [d.unique_visitors for d in stats.days("link0002", DAY, DAY)] == [1]
    assert today.unique_visitors == 2

    [bobs] = stats.owner_days("bob", DAY, DAY)
    assert (bobs.clicks, bobs.counts[LINKS]) == (1, {"link0003": 1})
    assert stats.owner_days("carol", DAY, DAY) == []
    assert stats.owner_days("alice", DAY + timedelta(days=1), DAY + timedelta(days=9)) == []


def test_a_click_without_an_owner_adds_to_its_link_alone(adapters: Adapters) -> None:
    assert adapters.stats.fold(facts(1, short_id="gone001", visitor="v1"))
    assert [d.clicks for d in adapters.stats.days("gone001", DAY, DAY)] == [1]
    assert adapters.stats.owner_days("alice", DAY, DAY) == []


def test_many_visitors_stay_within_the_sketchs_error(adapters: Adapters) -> None:
    stats = adapters.stats
    for n in range(80):
        stats.fold(owned(n, f"link{n % 2:04d}", visitor=f"visitor-{n % 40}"))
    [today] = stats.owner_days("alice", DAY, DAY)
    assert today.clicks == 80
    assert abs(today.unique_visitors - 40) <= 40 * 0.2  # 3 standard errors


def _window(clicks: list[ClickFacts]) -> ClickWindow:
    window = ClickWindow()
    for n, click in enumerate(clicks):
        window.add(str(100 + n), click)
    return window


@pytest.mark.parametrize("storage", [STORAGES[-1], DYNAMODB_LOCAL], indirect=True)
def test_the_window_fold_adds_owners_days_once_per_window(adapters: Adapters) -> None:
    stats = adapters.stats
    assert isinstance(stats, DynamoDBClickStatsRepository)
    owners = {"link0001": "alice", "link0002": "alice"}
    first = _window(
        [
            facts(1, short_id="link0001", visitor="v1"),
            facts(2, short_id="link0002", visitor="v1", country="FR"),
            facts(3, short_id="link0002", visitor="v2"),
            facts(4, short_id="gone001", visitor="v3"),  # deleted: no owner
        ]
    )
    stats.add_window("shard-1", "2026-11-20T10:00:00Z", first.days, first.owner_days(owners))
    # A retried close, and the same window from a second invocation, change nothing.
    stats.add_window("shard-1", "2026-11-20T10:00:00Z", first.days, first.owner_days(owners))
    second = _window([facts(5, short_id="link0001", visitor=f"w{n}") for n in range(40)])
    # Another shard's window of the same day merges into the same sketch.
    stats.add_window("shard-2", "2026-11-20T10:00:00Z", second.days, second.owner_days(owners))

    [today] = stats.owner_days("alice", DAY, DAY)
    assert today.counts[LINKS] == {"link0001": 41, "link0002": 2}
    assert today.clicks == 43
    assert today.counts["countries"] == {"DE": 42, "FR": 1}
    assert today.counts["hours"] == {"09": 43}  # per UTC hour, inside the day's item
    assert 42 * 0.8 <= today.unique_visitors <= 42 * 1.2
    [link] = stats.days("link0002", DAY, DAY)
    assert (link.clicks, link.unique_visitors) == (2, 2)
    assert stats.owner_days("nobody", DAY, DAY) == []
    # A dead letter replayed one by one adds to the same owner's day.
    assert stats.fold(facts(99, short_id="link0002", owner="alice", country="FR", visitor="v1"))
    [today] = stats.owner_days("alice", DAY, DAY)
    assert (today.clicks, today.counts[LINKS]["link0002"]) == (44, 3)
    assert today.counts["countries"] == {"DE": 42, "FR": 2}
    assert today.counts["hours"] == {"09": 44}


@pytest.mark.parametrize("storage", [STORAGES[-1], DYNAMODB_LOCAL], indirect=True)
def test_a_day_of_more_referrers_than_an_item_holds_still_folds(adapters: Adapters) -> None:
    """Any visitor names the Referer it likes. A link's day, and its owner's, keeps one count
    per referrer host in one item: 9,000 distinct hosts in a day would pass DynamoDB's 400 KB
    item, every later window close of that day would fail, and the stream shard's batches,
    other links' clicks with them, would end as dead letters. Beyond a bound the smallest
    counts add up under one value; the day's clicks stay exact."""
    stats = adapters.stats
    assert isinstance(stats, DynamoDBClickStatsRepository)
    owners = {"link0001": "alice"}
    draw = random.Random(7)
    for n in range(3):
        hosts = ["".join(draw.choices(string.ascii_lowercase, k=60)) for _ in range(3000)]
        window = _window(
            [
                owned(n * 10_000 + c, "link0001", referrer=f"{host}.example", visitor=f"v{c}")
                for c, host in enumerate(hosts)
            ]
        )
        stats.add_window("shard-1", _start(n), window.days, window.owner_days(owners))
    [link] = stats.days("link0001", DAY, DAY)
    [owner] = stats.owner_days("alice", DAY, DAY)
    for day in (link, owner):
        assert day.clicks == 9000
        assert sum(day.counts["referrers"].values()) == 9000
        assert len(day.counts["referrers"]) <= 1000


class CountingClient:
    """A DynamoDB client that counts the calls made through it, by operation."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: list[str] = []
        self.failed_writes = 0

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._inner, name)

        def counted(**request: Any) -> Any:
            self.calls.append(name)
            try:
                return call(**request)
            except Exception:
                self.failed_writes += name == "update_item"
                raise

        return counted


def _two_containers(
    adapters: Adapters,
) -> tuple[
    DynamoDBClickStatsRepository,
    CountingClient,
    DynamoDBClickStatsRepository,
    DynamoDBClickStatsRepository,
]:
    """The store's stats, and two stream consumers' folds on its table: the first's calls
    counted."""
    stats = adapters.stats
    assert isinstance(stats, DynamoDBClickStatsRepository)
    client = CountingClient(stats._client)
    counted = DynamoDBClickStatsRepository(client, stats._table)  # type: ignore[arg-type]
    return stats, client, counted, DynamoDBClickStatsRepository(stats._client, stats._table)


def _windows_of(n: int, link: str, clicks: int, offset: int = 0) -> ClickWindow:
    return _window(
        [
            owned(offset * 1000 + c, link, referrer=f"site{c % 60}.example", visitor=f"v{c}")
            for c in range(clicks)
        ]
    )


def _start(n: int) -> str:
    return f"2026-11-20T{10 + n // 4:02d}:{15 * (n % 4):02d}:00+00:00"


@pytest.mark.parametrize("storage", [STORAGES[-1], DYNAMODB_LOCAL], indirect=True)
def test_a_containers_next_window_merges_into_what_it_wrote_without_reading(
    adapters: Adapters,
) -> None:
    """A link's day is written by its shard's container alone: it merges the day's packed
    counts and sketch into what it wrote at the shard's previous window, read nowhere;
    a container that did not close the previous window reads, and stays exact."""
    stats, client, mine, other = _two_containers(adapters)
    for n in range(3):
        window = _windows_of(n, "link0001", 30, offset=n)
        mine.add_window("shard-1", _start(n), window.days, {})
    assert client.calls == ["get_item", "update_item", "update_item", "update_item"]
    # Another container closes the next window; this one closes the one after: it reads.
    window = _windows_of(3, "link0001", 30, offset=3)
    other.add_window("shard-1", _start(3), window.days, {})
    client.calls.clear()
    window = _windows_of(4, "link0001", 30, offset=4)
    mine.add_window("shard-1", _start(4), window.days, {})
    assert client.calls == ["get_item", "update_item"]
    assert client.failed_writes == 0
    [day] = stats.days("link0001", DAY, DAY)
    assert day.clicks == 150
    assert sum(day.counts["referrers"].values()) == 150
    assert len(day.counts["referrers"]) == 30
    assert day.unique_visitors == 30  # the same 30 visitors every window


@pytest.mark.parametrize("storage", [STORAGES[-1], DYNAMODB_LOCAL], indirect=True)
def test_a_guess_another_writer_broke_is_read_again_and_counts_stay_exact(
    adapters: Adapters,
) -> None:
    """A hot link's counter shard folds into the same day from another shard: the guess
    fails its condition, the close reads and merges, and later windows read first."""
    stats, client, mine, other = _two_containers(adapters)
    for n in range(4):
        mine.add_window("shard-1", _start(n), _windows_of(n, "link0001", 10, n).days, {})
        hot = _window([owned(9000 + n, "link0001", visitor=f"hot{n}")])
        other.add_window("shard-9", _start(n), hot.days, {})
    assert client.failed_writes == 1  # the guess of window 1; windows 2 and 3 read first
    assert client.calls.count("get_item") == 4
    # A retried close of either changes nothing.
    mine.add_window("shard-1", _start(3), _windows_of(3, "link0001", 10, 3).days, {})
    other.add_window("shard-9", _start(3), hot.days, {})
    [day] = stats.days("link0001", DAY, DAY)
    assert (day.clicks, day.unique_visitors) == (44, 14)
    assert day.counts["countries"] == {"DE": 44}


@pytest.mark.parametrize("storage", [STORAGES[-1], DYNAMODB_LOCAL], indirect=True)
def test_a_busy_links_day_stays_under_one_kilobyte(adapters: Adapters) -> None:
    """Its counts are packed: 60 referrers, 28 countries, 7 systems, clicks in each of the
    24 hours, bots in 8 of them and a dense sketch."""
    stats = adapters.stats
    assert isinstance(stats, DynamoDBClickStatsRepository)
    for n in range(8):
        window = _window(
            [
                owned(
                    n * 1000 + c,
                    "link0001",
                    referrer=f"blog{c % 60}.example",
                    country=f"C{c % 28}",
                    os=f"os{c % 7}",
                    visitor=f"v{n}-{c}",
                    hour=c % 24,
                    is_bot=c % 25 == 0,
                )
                for c in range(200)
            ]
        )
        stats.add_window("shard-1", _start(n), window.days, window.owner_days())
    item = stats._client.get_item(
        TableName=stats._table, Key={"PK": {"S": "LINK#link0001"}, "SK": {"S": f"STATS#{DAY}"}}
    )["Item"]
    assert _size(item) < 1024
    [day] = stats.days("link0001", DAY, DAY)
    assert (day.clicks, len(day.counts["referrers"]), len(day.counts["countries"])) == (
        1536,
        60,
        28,
    )
    assert (len(day.counts["hours"]), len(day.counts["bot_hours"])) == (24, 8)
    assert abs(day.unique_visitors - 1536) <= 1536 * 0.2


def _size(item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rules for the types a day item holds (names and values;
    a number is about one byte per two digits, plus one)."""
    total = 0
    for name, value in item.items():
        [(kind, held)] = value.items()
        size = len(held) if kind == "B" else len(str(held).encode())
        total += len(name.encode()) + (len(str(held)) // 2 + 1 if kind == "N" else size)
    return total


@pytest.mark.parametrize("storage", [STORAGES[-1], DYNAMODB_LOCAL], indirect=True)
def test_an_owners_day_written_from_two_shards_stays_exact(adapters: Adapters) -> None:
    """Alice's links are in two shards: each container's guess of her day fails once,
    then it reads her day before each merge; her day is the sum of her links' days."""
    stats, client, first, second = _two_containers(adapters)
    for n in range(4):
        one = _windows_of(n, "link0001", 5, n)
        first.add_window("shard-1", _start(n), one.days, one.owner_days())
        two = _window([owned(8000 + n, "link0002", visitor=f"other{n}", country="FR")])
        second.add_window("shard-2", _start(n), two.days, two.owner_days())
    assert client.failed_writes == 1
    [today] = stats.owner_days("alice", DAY, DAY)
    assert today.counts[LINKS] == {"link0001": 20, "link0002": 4}
    assert today.counts["countries"] == {"DE": 20, "FR": 4}
    assert (today.clicks, today.unique_visitors) == (24, 9)


@pytest.mark.parametrize("storage", [STORAGES[-1], DYNAMODB_LOCAL], indirect=True)
def test_a_month_of_days_full_of_referrers_still_rolls_up(adapters: Adapters) -> None:
    """A rolled-up month keeps a counter per value as an attribute of one item: 30 days of a
    day's full share of distinct referrer hosts (visitors choose them) would pass the 400 KB
    item, and every maintenance run would fail on that link's month."""
    stats, rollup = adapters.stats, adapters.stats_rollup
    assert isinstance(stats, DynamoDBClickStatsRepository)
    draw = random.Random(11)
    first = date(2026, 6, 1)
    for n in range(30):
        window = ClickWindow()
        for c in range(199):
            host = "".join(draw.choices(string.ascii_lowercase, k=90))
            day = first + timedelta(days=n)
            window.add(str(n * 1000 + c), owned(n * 1000 + c, "month01", day=day, referrer=host))
        stats.add_window("shard-1", f"2026-06-{n + 1:02d}T10:00:00+00:00", window.days, {})
    days = stats.days("month01", first, date(2026, 6, 30))
    assert len(days) == 30
    assert rollup.roll_up_days("month01", days) == 30
    [june] = stats.months("month01", first, first)
    assert june.clicks == 30 * 199
    assert sum(june.counts["referrers"].values()) == 30 * 199
