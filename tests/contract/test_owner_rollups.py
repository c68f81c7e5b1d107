"""Per-owner daily roll-ups: the fold that keeps each link's days keeps its owner's too.

On every store: the owner's day is the sum of the owner's links' days (clicks, bots,
each dimension), plus clicks per link; its unique visitors count a visitor of two
links once; a redelivered click changes nothing. On DynamoDB the same through the
stream consumer's window fold (add_window), retried closes included.
"""

from __future__ import annotations

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
    assert 42 * 0.8 <= today.unique_visitors <= 42 * 1.2
    [link] = stats.days("link0002", DAY, DAY)
    assert (link.clicks, link.unique_visitors) == (2, 2)
    assert stats.owner_days("nobody", DAY, DAY) == []
    # A dead letter replayed one by one adds to the same owner's day.
    assert stats.fold(facts(99, short_id="link0002", owner="alice", country="FR", visitor="v1"))
    [today] = stats.owner_days("alice", DAY, DAY)
    assert (today.clicks, today.counts[LINKS]["link0002"]) == (44, 3)
    assert today.counts["countries"] == {"DE": 42, "FR": 2}
