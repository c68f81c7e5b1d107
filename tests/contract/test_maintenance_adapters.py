"""The maintenance ports on every store: expired links, click roll-ups, resumable sweeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from shortstack.bootstrap import Adapters
from tests.maintenance_support import NOW, add_link, click


def test_expired_links_are_found_and_deleted_only_while_still_expired(
    adapters: Adapters,
) -> None:
    links, expired = adapters.links, adapters.expired_links
    add_link(links, "old#one", NOW - timedelta(days=45))  # '#' is escaped in DynamoDB keys
    add_link(links, "old2", NOW - timedelta(days=31))
    add_link(links, "young1", NOW - timedelta(days=10))
    add_link(links, "later1", NOW + timedelta(days=10))
    add_link(links, "forever", None)
    cutoff = NOW - timedelta(days=30)

    assert sorted(expired.expired_before(cutoff)) == ["old#one", "old2"]
    # Found with one cutoff, but the owner extended it: an earlier cutoff refuses the delete.
    assert expired.delete_expired("old2", NOW - timedelta(days=40)) is None
    assert expired.delete_expired("old#one", cutoff) == "alice"
    assert expired.delete_expired("old#one", cutoff) is None
    assert expired.delete_expired("forever", cutoff) is None
    assert links.get("old#one") is None
    assert [links.get(s) is not None for s in ("old2", "young1", "later1", "forever")] == [True] * 4


def test_days_roll_into_months_that_add_up_and_keep_their_dimensions(
    adapters: Adapters,
) -> None:
    stats, rollup = adapters.stats, adapters.stats_rollup
    click(stats, "e1", "roll#1", date(2026, 6, 3), is_bot=True, device="bot", browser="Googlebot")
    click(stats, "e2", "roll#1", date(2026, 6, 3), referrer="(direct)")
    click(stats, "e3", "roll#1", date(2026, 6, 30))
    click(stats, "e4", "roll#1", date(2026, 7, 1), country="JP")
    click(stats, "e5", "roll#1", date(2026, 9, 1))  # on the boundary: stays a day
    click(stats, "e6", "other1", date(2026, 9, 5))
    boundary = date(2026, 9, 1)

    assert list(rollup.links_with_days_before(boundary)) == ["roll#1"]
    days = stats.days("roll#1", date.min, boundary - timedelta(days=1))
    assert rollup.roll_up_days("roll#1", days) == 3

    assert stats.days("roll#1", date.min, boundary - timedelta(days=1)) == []
    assert [(d.day, d.clicks) for d in stats.days("roll#1", date.min, date.max)] == [
        (date(2026, 9, 1), 1)
    ]
    june, july = stats.months("roll#1", date(2026, 1, 1), date(2026, 12, 31))
    assert (june.day, june.clicks, june.bots) == (date(2026, 6, 1), 2, 1)
    assert june.counts["referrers"] == {"example.org": 1, "(direct)": 1}
    assert june.counts["devices"] == {"desktop": 2}
    assert june.counts["bots"] == {"Googlebot": 1}
    assert (july.day, july.clicks, july.counts["countries"]) == (date(2026, 7, 1), 1, {"JP": 1})
    assert stats.months("roll#1", date(2026, 7, 1), date(2026, 7, 31)) == [july]
    assert list(rollup.links_with_days_before(boundary)) == []

    # A late click for June becomes a day again; the next roll-up adds it to the month.
    click(stats, "e7", "roll#1", date(2026, 6, 15), referrer="(direct)")
    assert list(rollup.links_with_days_before(boundary)) == ["roll#1"]
    late = stats.days("roll#1", date.min, boundary - timedelta(days=1))
    assert rollup.roll_up_days("roll#1", late) == 1
    [june] = stats.months("roll#1", date(2026, 6, 1), date(2026, 6, 1))
    assert (june.clicks, june.counts["referrers"]) == (3, {"example.org": 1, "(direct)": 2})

    stats.delete_link("roll#1")
    assert stats.months("roll#1", date.min, date.max) == []
    assert stats.days("roll#1", date.min, date.max) == []


def test_a_rolled_up_month_keeps_its_clicks_but_not_their_hours(adapters: Adapters) -> None:
    """A month has no day to bucket an hour into (a report in another time zone), so its
    hourly counts are dropped (decision 0114); the days' totals stay exact."""
    stats, rollup = adapters.stats, adapters.stats_rollup
    click(stats, "h1", "hours01", date(2026, 6, 3), hour=23)
    click(stats, "h2", "hours01", date(2026, 6, 4), hour=0)
    click(stats, "h3", "hours01", date(2026, 6, 4), is_bot=True, browser="Googlebot", hour=5)
    [june3] = stats.days("hours01", date(2026, 6, 3), date(2026, 6, 3))
    assert june3.counts["hours"] == {"23": 1}
    days = stats.days("hours01", date.min, date(2026, 8, 31))
    assert rollup.roll_up_days("hours01", days) == 2
    [june] = stats.months("hours01", date(2026, 6, 1), date(2026, 6, 30))
    assert (june.clicks, june.bots) == (2, 1)
    assert (june.counts.get("hours"), june.counts.get("bot_hours")) == (None, None)


def test_a_day_that_changed_after_it_was_read_keeps_its_month_daily(
    adapters: Adapters,
) -> None:
    stats, rollup = adapters.stats, adapters.stats_rollup
    click(stats, "e1", "race001", date(2026, 5, 2))
    click(stats, "e2", "race001", date(2026, 6, 2))
    read = [replace(day) for day in stats.days("race001", date.min, date(2026, 8, 31))]
    click(stats, "e3", "race001", date(2026, 6, 2))  # arrives between the read and the roll-up

    assert rollup.roll_up_days("race001", read) == 1
    assert [(m.day, m.clicks) for m in stats.months("race001", date.min, date.max)] == [
        (date(2026, 5, 1), 1)
    ]
    assert [(d.day, d.clicks) for d in stats.days("race001", date.min, date.max)] == [
        (date(2026, 6, 2), 2)
    ]
