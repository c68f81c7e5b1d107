"""Stats in the viewer's time zone: the service layer with fakes (decision 0114).

Every store keeps clicks per UTC hour inside its day; a report in a zone buckets those
hours into local days. Daylight-saving days of 23 and 25 hours, offsets of +05:45 and
+14:00, the range's edges, 366 local days, unknown zones, and days recorded before hours.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.adapters.memory.stats import MemoryClickStatsRepository
from shortstack.adapters.useragent import classify_user_agent
from shortstack.domain.analytics import ClickFacts
from shortstack.domain.errors import InvalidInput
from shortstack.domain.links import create_link
from shortstack.domain.local_days import zone_names
from shortstack.service_layer.analytics import AnalyticsService
from tests.fakes import FakeClock

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
_clicks = iter(range(1_000_000))


@pytest.fixture
def analytics() -> AnalyticsService:
    links = MemoryLinkRepository()
    for short_id in ("launch", "other"):
        links.add(
            create_link(
                short_id=short_id,
                owner="alice",
                url="https://example.com/",
                now=datetime(2020, 1, 1, tzinfo=UTC),
                expires_at=None,
            )
        )
    return AnalyticsService(
        MemoryClickStatsRepository(), links, classify_user_agent, clock=FakeClock(NOW)
    )


def click(analytics: AnalyticsService, at: datetime | date, **values: Any) -> None:
    """One click of `launch` (alice's) at a UTC instant; a bare date: a click of an older
    version, which kept no hour."""
    day, hour = (at, None) if not isinstance(at, datetime) else (at.date(), at.hour)
    facts: dict[str, Any] = {
        "event_id": f"e{next(_clicks)}",
        "short_id": "launch",
        "day": day,
        "hour": hour,
        "referrer": "example.org",
        "browser": "Firefox",
        "device": "desktop",
        "is_bot": False,
        "country": "FR",
        "owner": "alice",
    }
    facts.update(values)
    assert analytics.stats.fold(ClickFacts(**facts))


def every_hour(analytics: AnalyticsService, first: date, days: int) -> None:
    """One click in each UTC hour of `days` UTC days from `first`."""
    start = datetime.combine(first, datetime.min.time(), UTC)
    for hour in range(24 * days):
        click(analytics, start + timedelta(hours=hour, minutes=10))


def series(analytics: AnalyticsService, first: str, last: str, tz: str | None) -> list[Any]:
    report = analytics.report(
        "alice", "launch", date.fromisoformat(first), date.fromisoformat(last), tz
    )
    return [(d.day.isoformat(), d.clicks) for d in report.days]


def test_an_evening_click_in_tokyo_is_on_the_next_local_day(analytics: AnalyticsService) -> None:
    click(analytics, datetime(2026, 3, 1, 14, 59, tzinfo=UTC))  # 23:59 in Tokyo
    click(analytics, datetime(2026, 3, 1, 15, 0, tzinfo=UTC))  # 00:00 on 2 March there
    assert series(analytics, "2026-03-01", "2026-03-02", None) == [
        ("2026-03-01", 2),
        ("2026-03-02", 0),
    ]
    assert series(analytics, "2026-03-01", "2026-03-02", "Asia/Tokyo") == [
        ("2026-03-01", 1),
        ("2026-03-02", 1),
    ]
    report = analytics.report("alice", "launch", date(2026, 3, 1), date(2026, 3, 2), "Asia/Tokyo")
    assert (report.time_zone, report.totals.clicks, report.by_utc_day) == ("Asia/Tokyo", 2, [])
    assert (report.hours[23], report.hours[0], sum(report.hours)) == (1, 1, 2)
    # The breakdowns stay per UTC day: those of the UTC days with the range's dates.
    assert report.totals.counts["referrers"] == {"example.org": 2}
    assert [d.day for d in report.dimension_days] == [date(2026, 3, 1), date(2026, 3, 2)]


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("America/Los_Angeles", "2026-03-08", 23),  # clocks go forward at 02:00
        ("America/Los_Angeles", "2026-11-01", 25),  # and back at 02:00
        ("Europe/Berlin", "2026-03-29", 23),
        ("Europe/Berlin", "2026-10-25", 25),
        ("Australia/Lord_Howe", "2026-04-05", 24),  # half an hour back: 24.5 h, by middles
        ("Asia/Tokyo", "2026-03-08", 24),
    ],
)
def test_a_daylight_saving_day_has_the_clicks_of_its_23_or_25_hours(
    analytics: AnalyticsService, tz: str, day: str, hours: int
) -> None:
    local = date.fromisoformat(day)
    every_hour(analytics, local - timedelta(days=2), 5)
    [(_, clicks)] = series(analytics, day, day, tz)
    assert clicks == hours


@pytest.mark.parametrize(
    ("tz", "utc_hours_of_the_day"),
    [
        # +05:45: UTC 18:00-19:00 is 23:45-00:45 there, mostly the next day.
        ("Asia/Kathmandu", [*range(18, 24), *range(0, 18)]),
        ("Asia/Kolkata", [*range(18, 24), *range(0, 18)]),  # +05:30: half and half, later
        ("Pacific/Kiritimati", [*range(10, 24), *range(0, 10)]),  # +14:00
        ("Pacific/Pago_Pago", [*range(11, 24), *range(0, 11)]),  # -11:00
    ],
)
def test_odd_and_extreme_offsets_take_the_utc_hours_mostly_in_their_day(
    analytics: AnalyticsService, tz: str, utc_hours_of_the_day: list[int]
) -> None:
    every_hour(analytics, date(2026, 6, 9), 3)
    report = analytics.report("alice", "launch", date(2026, 6, 10), date(2026, 6, 10), tz)
    assert [d.clicks for d in report.days] == [24]
    assert report.hours == [1] * 24  # each local hour of the day once
    assert len(utc_hours_of_the_day) == 24


def test_kathmandus_midnight_hour_is_the_utc_hour_mostly_after_it(
    analytics: AnalyticsService,
) -> None:
    click(analytics, datetime(2026, 6, 9, 18, 5, tzinfo=UTC))  # 23:50 there, of UTC 18:xx
    click(analytics, datetime(2026, 6, 9, 17, 5, tzinfo=UTC))  # 22:50, of 22:45-23:45 there
    report = analytics.report(
        "alice", "launch", date(2026, 6, 9), date(2026, 6, 10), "Asia/Kathmandu"
    )
    # UTC 18:00-19:00 is 23:45-00:45 there: counted on the 10th at 00 (its hour's middle).
    assert [(d.day.day, d.clicks) for d in report.days] == [(9, 1), (10, 1)]
    assert (report.hours[23], report.hours[0]) == (1, 1)


def test_the_range_edges_keep_only_the_local_days_asked_for(analytics: AnalyticsService) -> None:
    click(analytics, datetime(2026, 1, 31, 23, 30, tzinfo=UTC))  # 1 Feb in Berlin
    click(analytics, datetime(2026, 2, 28, 23, 30, tzinfo=UTC))  # 1 March in Berlin
    click(analytics, datetime(2026, 2, 1, 7, 30, tzinfo=UTC))  # 1 Feb in Berlin, 31 Jan in Honolulu
    berlin = analytics.report(
        "alice", "launch", date(2026, 2, 1), date(2026, 2, 28), "Europe/Berlin"
    )
    assert (berlin.totals.clicks, berlin.days[0].clicks, len(berlin.days)) == (2, 2, 28)
    honolulu = analytics.report(
        "alice", "launch", date(2026, 2, 1), date(2026, 2, 28), "Pacific/Honolulu"
    )
    assert honolulu.totals.clicks == 1  # 28 Feb 13:30 there; the others fall outside


def test_366_local_days_are_one_request_and_367_are_refused(analytics: AnalyticsService) -> None:
    every_hour(analytics, date(2025, 1, 1), 1)
    report = analytics.report(
        "alice", "launch", date(2025, 1, 1), date(2026, 1, 1), "America/New_York"
    )
    assert len(report.days) == 366
    assert report.totals.clicks == 19  # 05:00-23:59 UTC is 1 January in New York
    with pytest.raises(InvalidInput):
        analytics.report("alice", "launch", date(2025, 1, 1), date(2026, 1, 2), "Asia/Tokyo")


@pytest.mark.parametrize(
    ("first", "last", "tz"),
    [
        ("0001-01-01", "0001-01-03", "America/Los_Angeles"),
        ("9999-12-29", "9999-12-31", "Pacific/Kiritimati"),
        ("0001-01-01", "0001-01-01", "Pacific/Kiritimati"),
        ("9999-12-31", "9999-12-31", "Pacific/Pago_Pago"),
    ],
)
def test_the_calendars_first_and_last_days_report_in_any_zone(
    analytics: AnalyticsService, first: str, last: str, tz: str
) -> None:
    click(analytics, datetime.combine(date.fromisoformat(first), datetime.min.time(), UTC))
    click(analytics, datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    report = analytics.report(
        "alice", "launch", date.fromisoformat(first), date.fromisoformat(last), tz
    )
    assert report.days[0].day == date.fromisoformat(first)


@pytest.mark.parametrize(
    "tz",
    [
        "Mars/Olympus",
        "",
        "America",
        "../../etc/passwd",
        "/etc/localtime",
        "Europe/Paris\x00",
        "a" * 300,
        "Europe/../Europe/Paris",
        "utc/",
        "Europe//Paris",
        # Files of a system's zone database that name no IANA zone (the tzdata package,
        # all Lambda may have, holds none of them): the host's own zone, the POSIX
        # default, and the leap-second and POSIX copies of the database.
        "localtime",
        "posixrules",
        "right/UTC",
        "posix/Europe/Berlin",
    ],
)
def test_an_unknown_zone_is_refused_naming_tz(analytics: AnalyticsService, tz: str) -> None:
    with pytest.raises(InvalidInput, match="IANA time zone") as refused:
        analytics.report("alice", "launch", tz=tz)
    assert refused.value.field == "tz"
    with pytest.raises(InvalidInput, match="IANA time zone"):
        analytics.overview("alice", tz=tz)


def test_days_recorded_before_hours_count_on_their_utc_date_and_are_named(
    analytics: AnalyticsService,
) -> None:
    click(analytics, date(2026, 3, 1))  # an older version's click: no hour
    click(analytics, datetime(2026, 3, 1, 20, 0, tzinfo=UTC))  # 2 March in Tokyo
    report = analytics.report("alice", "launch", date(2026, 3, 1), date(2026, 3, 2), "Asia/Tokyo")
    assert [(d.day.day, d.clicks) for d in report.days] == [(1, 1), (2, 1)]
    assert report.by_utc_day == [date(2026, 3, 1)]
    assert sum(report.hours) == 1  # the hourless click is in no hour
    # In UTC the days are exact, and the answer still says why its hours add up to less.
    utc = analytics.report("alice", "launch", date(2026, 3, 1), date(2026, 3, 2))
    assert ([d.clicks for d in utc.days], utc.by_utc_day, sum(utc.hours)) == (
        [2, 0],
        [date(2026, 3, 1)],
        1,
    )


def test_the_default_range_ends_on_the_viewers_today(analytics: AnalyticsService) -> None:
    # NOW is 20:00 UTC on 3 December: already the 4th in Tokyo, still the 3rd in Los Angeles.
    tokyo = analytics.report("alice", "launch", tz="Asia/Tokyo")
    angeles = analytics.report("alice", "launch", tz="America/Los_Angeles")
    assert (tokyo.last_day, angeles.last_day) == (date(2026, 12, 4), date(2026, 12, 3))
    assert len(tokyo.days) == len(angeles.days) == 30


def test_the_overview_buckets_the_owners_days_and_keeps_top_links_per_utc_day(
    analytics: AnalyticsService,
) -> None:
    click(analytics, datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    click(analytics, datetime(2026, 3, 1, 16, 30, tzinfo=UTC), short_id="other")
    click(analytics, datetime(2026, 3, 1, 16, 40, tzinfo=UTC), is_bot=True, browser="Googlebot")
    overview = analytics.overview("alice", date(2026, 3, 1), date(2026, 3, 2), "Asia/Tokyo")
    report = overview.report
    assert [(d.day.day, d.clicks, d.bots) for d in report.days] == [(1, 0, 0), (2, 2, 1)]
    assert (report.totals.clicks, report.totals.bots) == (2, 1)
    assert sorted(top.link.short_id for top in overview.top_links) == ["launch", "other"]
    # Unique visitors and breakdowns are the UTC days' (here: the 1st).
    assert report.totals.counts["countries"] == {"FR": 2}
    assert (
        analytics.overview("alice", date(2026, 3, 1), date(2026, 3, 2)).report.days[0].clicks == 2
    )


@pytest.mark.parametrize(
    ("alias", "zone"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),  # what Chromium names India's zone
        ("Asia/Katmandu", "Asia/Kathmandu"),
        ("US/Pacific", "America/Los_Angeles"),
        ("America/Argentina/Buenos_Aires", "America/Buenos_Aires"),
        ("Etc/GMT-14", "Pacific/Kiritimati"),
    ],
)
def test_the_old_and_linked_names_browsers_send_are_the_same_zones(
    analytics: AnalyticsService, alias: str, zone: str
) -> None:
    every_hour(analytics, date(2026, 6, 9), 3)
    first, last = date(2026, 6, 9), date(2026, 6, 11)
    linked = analytics.report("alice", "launch", first, last, alias)
    named = analytics.report("alice", "launch", first, last, zone)
    assert linked.time_zone == alias
    assert [d.clicks for d in linked.days] == [d.clicks for d in named.days]
    assert linked.hours == named.hours


def test_the_zone_names_are_the_iana_ones_whatever_the_host_holds() -> None:

    names = zone_names()
    assert {"UTC", "Asia/Kathmandu", "America/Argentina/Buenos_Aires", "Etc/GMT-14"} <= names
    assert not names & {"localtime", "posixrules", "right/UTC", "posix/Europe/Berlin"}


def test_the_zones_are_found_without_a_system_zone_database() -> None:
    """Lambda's python3.12 runtime may have no /usr/share/zoneinfo: the tzdata package,
    a runtime dependency, answers then (PYTHONTZPATH empty: no system database)."""
    probe = (
        "import datetime, zoneinfo; from shortstack.domain.local_days import viewer_zone;"
        "assert zoneinfo.TZPATH == ();"
        "print(viewer_zone('Asia/Kathmandu').rules.utcoffset(datetime.datetime(2026, 1, 1)))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONTZPATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "5:45:00"


def test_every_zone_of_the_database_reports_the_calendars_edges_and_adds_up(
    analytics: AnalyticsService,
) -> None:
    """An outsider's probe, kept: each of the ~600 zones, at year 1 and year 9999, where
    converting an hour to local time overflows the calendar."""
    for at in (datetime(1, 1, 1, 0, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)):
        click(analytics, at)
        click(analytics, at, is_bot=True, browser="Googlebot")
    for zone in sorted(zone_names()):
        for first, last in ((date.min, date(1, 1, 3)), (date(9999, 12, 29), date.max)):
            report = analytics.report("alice", "launch", first, last, zone)
            assert len(report.days) == 3, zone
            assert report.totals.clicks == sum(d.clicks for d in report.days) <= 1, zone
            assert sum(report.hours) == report.totals.clicks, zone
