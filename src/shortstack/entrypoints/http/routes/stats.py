"""The overview of the caller's links: GET /api/v1/stats."""

from __future__ import annotations

from fastapi import APIRouter

from shortstack.entrypoints.http.deps import AnalyticsDep, CallerDep
from shortstack.entrypoints.http.query import FromDay, ToDay
from shortstack.entrypoints.http.schemas.common import ErrorBody
from shortstack.entrypoints.http.schemas.stats import OverviewPublic

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


@router.get(
    "",
    response_model=OverviewPublic,
    response_model_by_alias=True,
    responses={422: {"model": ErrorBody, "description": "a bad date or range"}},
)
async def overview(
    caller: CallerDep,
    analytics: AnalyticsDep,
    from_day: FromDay = None,
    to_day: ToDay = None,
) -> OverviewPublic:
    """All the caller's links at once: clicks and unique visitors per UTC day (the last 30
    days by default, at most 366), the top 10 links, referrer hosts, countries, browsers,
    devices and operating systems. Read from the per-owner daily roll-ups that the click
    fold keeps next to each link's stats, so it costs the same for 10 links or 100,000."""
    return OverviewPublic.of(analytics.overview(caller.sub, from_day, to_day))
