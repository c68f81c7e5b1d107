"""The overview of all the caller's links: GET /api/v1/stats."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from shortstack.entrypoints.http.schemas.links import (
    UNIQUE_VISITORS_DOC,
    CountPublic,
    DayPublic,
    top_counts,
)
from shortstack.entrypoints.http.schemas.time_zones import InTimeZone
from shortstack.service_layer.analytics import Overview

# What the overview counts per UTC day whatever `?tz=` says (decision 0114).
OVERVIEW_PER_UTC_DAY = [
    "unique_visitors",
    "top_links",
    "referrers",
    "countries",
    "browsers",
    "devices",
]


class TopLinkPublic(BaseModel):
    short_id: str
    url: str
    title: str | None
    clicks: int = Field(description="its clicks in the range")


class OverviewPublic(InTimeZone):
    """Clicks per day (UTC, or the local days of `?tz=`) across the caller's links, the top
    links and the breakdowns."""

    from_day: date = Field(serialization_alias="from")
    to_day: date = Field(serialization_alias="to")
    clicks: int = Field(description="clicks folded into the stats so far (the analytics lag)")
    unique_visitors: int = Field(description=UNIQUE_VISITORS_DOC)
    bots: int = Field(description="crawlers' and preview fetchers' visits, not in clicks")
    days: list[DayPublic] = Field(
        description="every day of the range; a visitor of two links counts once a day"
    )
    top_links: list[TopLinkPublic] = Field(
        description="the 10 most clicked links of the range that still exist"
    )
    referrers: list[CountPublic] = Field(description="referrer hosts; `(direct)` when none")
    countries: list[CountPublic] = Field(description="ISO codes from CloudFront-Viewer-Country")
    browsers: list[CountPublic]
    # Operating systems, rules, variants and bot names stay per link: the owner's day does
    # not keep them (decision 0110), so the overview has no list of them to answer.
    devices: list[CountPublic] = Field(description="desktop, mobile, tablet, bot, other")

    @classmethod
    def of(cls, overview: Overview) -> OverviewPublic:
        report = overview.report
        return cls(
            **cls.zoned(report, OVERVIEW_PER_UTC_DAY),
            from_day=report.first_day,
            to_day=report.last_day,
            clicks=report.totals.clicks,
            unique_visitors=report.totals.unique_visitors,
            bots=report.totals.bots,
            days=[DayPublic.of(day) for day in report.days],
            top_links=[
                TopLinkPublic(
                    short_id=top.link.short_id,
                    url=top.link.url,
                    title=top.link.title,
                    clicks=top.clicks,
                )
                for top in overview.top_links
            ],
            referrers=top_counts(report, "referrers"),
            countries=top_counts(report, "countries"),
            browsers=top_counts(report, "browsers"),
            devices=top_counts(report, "devices"),
        )
