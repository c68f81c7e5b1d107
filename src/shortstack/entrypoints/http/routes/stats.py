"""The overview of the caller's links: GET /api/v1/stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shortstack.domain.analytics import OWNER_DIMENSIONS
from shortstack.domain.csv_export import STATS_COLUMNS, stats_rows
from shortstack.entrypoints.http.csv_export import CSV_CONTENT, Format, csv_response, wants_csv
from shortstack.entrypoints.http.deps import AnalyticsDep, CallerDep
from shortstack.entrypoints.http.query import FromDay, ToDay, ViewerTimeZone
from shortstack.entrypoints.http.schemas.common import ErrorBody
from shortstack.entrypoints.http.schemas.stats import OverviewPublic

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


@router.get(
    "",
    response_model=OverviewPublic,
    response_model_by_alias=True,
    responses={
        200: {"content": CSV_CONTENT, "description": "JSON: the overview; CSV: the rows"},
        422: {"model": ErrorBody, "description": "a bad date, range or time zone"},
    },
)
async def overview(
    request: Request,
    caller: CallerDep,
    analytics: AnalyticsDep,
    from_day: FromDay = None,
    to_day: ToDay = None,
    tz: ViewerTimeZone = None,
    format: Annotated[
        Format | None, Query(description="json (the default) or csv; Accept: text/csv works too")
    ] = None,
) -> OverviewPublic | Response:
    """All the caller's links at once: clicks and unique visitors per day (UTC, or the local
    days of `tz`; the last 30 days by default, at most 366), clicks by hour of the day, the
    top 10 links, referrer hosts, countries, browsers, devices and operating systems. Read
    from the per-owner daily roll-ups that the click fold keeps next to each link's stats,
    so it costs the same for 10 links or 100,000.

    As CSV (`?format=csv` or `Accept: text/csv`): one row per day (and rolled-up month) and
    dimension value, `period_start,period,dimension,value,clicks`, as a link's stats; the
    dimension `links` gives each link's clicks (by short id), `hours` and `bot_hours` the
    clicks and bots per UTC hour, `all` and `bots` the totals. With a `tz` other than UTC the
    `day` rows give the local days' totals and the values follow per UTC day (`utc_day`)."""
    if wants_csv(request, format):
        report = analytics.owner_report(caller.sub, from_day, to_day, tz)
        rows = stats_rows(report.days, report.months, OWNER_DIMENSIONS, report.utc_days)
        return csv_response(STATS_COLUMNS, rows, "stats.csv")
    return OverviewPublic.of(analytics.overview(caller.sub, from_day, to_day, tz))
