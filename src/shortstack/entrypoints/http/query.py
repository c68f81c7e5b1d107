"""Query parameters shared by several routes (FastAPI's `Query`, kept out of the schemas)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from shortstack.domain.local_days import ZONE_NAME_MAX
from shortstack.entrypoints.http.schemas.common import FullDate

# A stats range's query parameters (a link's stats, the overview).
FromDay = Annotated[
    date | None, FullDate, Query(alias="from", description="first day (UTC, or in `tz`)")
]
ToDay = Annotated[
    date | None,
    FullDate,
    Query(alias="to", description="last day (UTC, or in `tz`; by default today there)"),
]
ViewerTimeZone = Annotated[
    str | None,
    Query(
        alias="tz",
        max_length=ZONE_NAME_MAX,
        description="an IANA time zone (Asia/Tokyo, America/Los_Angeles, ...; UTC by default): "
        "`from`, `to` and the clicks per day are then its local days; breakdowns and unique "
        "visitors stay per UTC day (`per_utc_day`). An unknown zone is a 422",
        examples=["Europe/Paris"],
    ),
]
