"""ClickStatsRepository contract: exact per-day counts, each event folded once, on every store."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

from shortstack.bootstrap import Adapters
from shortstack.domain.analytics import ClickFacts
from tests.concurrency import race

DAY = date(2026, 11, 20)


def facts(n: int, short_id: str = "abc1234", day: date = DAY, **overrides: Any) -> ClickFacts:
    values: dict[str, Any] = {
        "event_id": f"event-{n}",
        "short_id": short_id,
        "day": day,
        "referrer": "news.ycombinator.com",
        "browser": "Chrome",
        "device": "desktop",
        "is_bot": False,
        "country": "DE",
        "os": "Windows",
        "hour": 9,
    }
    values.update(overrides)
    return ClickFacts(**values)


def test_a_fold_counts_every_dimension_and_a_redelivery_counts_nothing(
    adapters: Adapters,
) -> None:
    stats = adapters.stats
    assert stats.fold(facts(1)) is True
    assert stats.fold(facts(1)) is False
    assert stats.fold(facts(2, variant=1, rule=0, os="Linux", hour=23))
    # A crawler's visit is no click: it counts in `bots`, under its name and its hour only.
    assert stats.fold(
        facts(3, referrer="(direct)", browser="Googlebot", device="bot", is_bot=True, hour=0)
    )
    [day] = stats.days("abc1234", DAY, DAY)
    assert (day.day, day.clicks, day.bots) == (DAY, 2, 1)
    assert day.counts == {
        "referrers": {"news.ycombinator.com": 2},
        "browsers": {"Chrome": 2},
        "oses": {"Windows": 1, "Linux": 1},
        "devices": {"desktop": 2},
        "countries": {"DE": 2},
        "variants": {"1": 1},
        "rules": {"0": 1},
        "bots": {"Googlebot": 1},
        "hours": {"09": 1, "23": 1},
        "bot_hours": {"00": 1},
    }


def test_days_are_per_link_within_the_range_oldest_first(adapters: Adapters) -> None:
    stats = adapters.stats
    for n, day in enumerate([date(2026, 11, 18), date(2026, 11, 20), date(2026, 11, 19)]):
        stats.fold(facts(n, day=day))
    stats.fold(facts(9, short_id="other01", day=date(2026, 11, 19)))
    days = stats.days("abc1234", date(2026, 11, 19), date(2026, 11, 30))
    assert [(d.day, d.clicks) for d in days] == [(date(2026, 11, 19), 1), (date(2026, 11, 20), 1)]
    stats.delete_link("abc1234")
    assert stats.days("abc1234", date(2026, 1, 1), date(2026, 12, 31)) == []
    assert len(stats.days("other01", date(2026, 1, 1), date(2026, 12, 31))) == 1


def test_deleting_a_link_forgets_all_of_its_many_days(adapters: Adapters) -> None:
    stats = adapters.stats
    first = date(2026, 9, 1)
    # 60 days: more than two BatchWriteItem calls' worth on DynamoDB (25 a call).
    for n in range(60):
        stats.fold(facts(n, day=first + timedelta(days=n)))
    stats.fold(facts(99, short_id="other01", day=first))
    assert len(stats.days("abc1234", first, first + timedelta(days=59))) == 60
    stats.delete_link("abc1234")
    assert stats.days("abc1234", date(2026, 1, 1), date(2026, 12, 31)) == []
    assert [d.clicks for d in stats.days("other01", first, first)] == [1]


def test_concurrent_folds_with_redeliveries_stay_exact(adapters: Adapters) -> None:
    stats = adapters.stats
    rng = random.Random(7)
    clicks = [
        facts(n, browser=rng.choice(["Chrome", "Firefox", "Safari"]), country=rng.choice("AB"))
        for n in range(60)
    ]
    deliveries = clicks + rng.sample(clicks, 30)  # a third delivered twice
    rng.shuffle(deliveries)
    outcomes = race(len(deliveries), lambda n: str(stats.fold(deliveries[n])))
    assert outcomes.count("True") == 60
    [day] = stats.days("abc1234", DAY, DAY)
    assert day.clicks == 60
    assert day.counts["browsers"] == dict(Counter(f.browser for f in clicks))
    assert day.counts["countries"] == dict(Counter(f.country for f in clicks))


def test_folding_many_at_once_counts_as_folding_each_in_turn(adapters: Adapters) -> None:
    stats = adapters.stats
    assert stats.fold(facts(1, owner="kim")) is True
    batch = [
        facts(1, owner="kim"),  # folded before: counted nothing
        facts(2, owner="kim", visitor="v1"),
        facts(2, owner="kim", visitor="v1"),  # twice in one batch: once
        facts(3, owner="kim", visitor="v2", browser="Firefox", variant=0),
        facts(4, short_id="other01", owner="kim", visitor="v1"),
        facts(5, referrer="(direct)", browser="Googlebot", device="bot", is_bot=True, owner="kim"),
        facts(6, day=date(2026, 11, 21), owner="lee"),
    ]
    assert stats.fold_many(batch) == [False, True, False, True, True, True, True]
    assert stats.fold_many([]) == []
    [day] = stats.days("abc1234", DAY, DAY)
    assert (day.clicks, day.bots, day.unique_visitors) == (3, 1, 2)
    assert day.counts["browsers"] == {"Chrome": 2, "Firefox": 1}
    assert day.counts["variants"] == {"0": 1}
    assert day.counts["bots"] == {"Googlebot": 1}
    [owner_day] = stats.owner_days("kim", DAY, DAY)
    assert (owner_day.clicks, owner_day.bots, owner_day.unique_visitors) == (4, 1, 2)
    assert owner_day.counts["links"] == {"abc1234": 3, "other01": 1}
    [other_owner] = stats.owner_days("lee", date(2026, 11, 21), date(2026, 11, 21))
    assert other_owner.clicks == 1
