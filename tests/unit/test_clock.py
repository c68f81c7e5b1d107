"""Timestamps as text: to_iso writes what isoformat would, with `Z` and milliseconds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shortstack.domain.clock import from_iso, to_iso, utc_now


def isoformat_z(moment: datetime) -> str:
    """The reference: the standard library's own spelling, offset written as `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 3, 8, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 8, 0, 0, 999, tzinfo=UTC),
        datetime(2026, 12, 3, 8, 0, 0, 999_999, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 2, 3, 4, 5, 6, 7_000, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2026, 3, 29, 1, 30, 1, 500, tzinfo=timezone(-timedelta(hours=11))),
    ],
)
def test_to_iso_writes_what_isoformat_writes(moment: datetime) -> None:
    assert to_iso(moment) == isoformat_z(moment)


def test_to_iso_agrees_with_isoformat_on_random_times_and_reads_back() -> None:
    draw = random.Random(1851587499)
    for _ in range(5_000):
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=draw.randrange(0, 2**52))
        offset = timezone(timedelta(minutes=draw.randrange(-12 * 60, 14 * 60)))
        for variant in (moment, moment.astimezone(offset)):
            text = to_iso(variant)
            assert text == isoformat_z(variant)
            assert from_iso(text) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_utc_now_is_a_whole_millisecond_that_round_trips() -> None:
    now = utc_now()
    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0
    assert from_iso(to_iso(now)) == now


def test_to_iso_of_a_moment_written_just_before_is_its_own_text() -> None:
    first = datetime(2026, 12, 3, 11, 0, 0, 123456, tzinfo=UTC)
    equal_elsewhere = datetime(2026, 12, 3, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    later = first + timedelta(milliseconds=1)

    texts = [to_iso(first), to_iso(first), to_iso(equal_elsewhere), to_iso(later), to_iso(first)]

    assert texts == [
        "2026-12-03T11:00:00.123Z",
        "2026-12-03T11:00:00.123Z",
        "2026-12-03T11:00:00.123Z",
        "2026-12-03T11:00:00.124Z",
        "2026-12-03T11:00:00.123Z",
    ]
