"""What a stats answer says about its time zone (`?tz=`): the fields both reports share."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from shortstack.domain.analytics import StatsReport


class HourPublic(BaseModel):
    hour: int = Field(ge=0, le=23, description="the hour of the day in `time_zone`, 0-23")
    clicks: int


class InTimeZone(BaseModel):
    """The zone a report's days are in, and what stays per UTC day (decision 0114)."""

    time_zone: str = Field(
        description="the IANA zone of `from`, `to` and `days` (`?tz=`; UTC by default): each "
        "day's clicks and bots are those of that local day, from hourly counts",
        examples=["Asia/Tokyo"],
    )
    per_utc_day: list[str] = Field(
        description="the fields counted per UTC day whatever the zone: over the UTC days with "
        "the dates `from` to `to` (a local day's `unique_visitors`: the UTC day's of its date)"
    )
    days_by_utc_day: list[date] = Field(
        description="days whose clicks include clicks recorded before hourly counts were "
        "kept: those are counted on the day of their UTC date, and in no bucket of `hours`"
    )
    hours: list[HourPublic] = Field(
        description="clicks by hour of the day in `time_zone` over the range (24 entries); "
        "clicks recorded before hourly counts, and rolled-up months, are in none. Where the "
        "zone's offset is not a whole hour, each UTC hour goes to the local hour holding "
        "most of it"
    )

    @staticmethod
    def zoned(report: StatsReport, per_utc_day: list[str]) -> dict[str, Any]:
        """The fields' values for a report."""
        return {
            "time_zone": report.time_zone,
            "per_utc_day": per_utc_day,
            "days_by_utc_day": report.by_utc_day,
            "hours": [HourPublic(hour=h, clicks=n) for h, n in enumerate(report.hours)],
        }
