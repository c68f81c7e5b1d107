"""Query parameters shared by several routes (FastAPI's `Query`, kept out of the schemas)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from shortstack.entrypoints.http.schemas.common import FullDate

# A stats range's query parameters (a link's stats, the overview).
FromDay = Annotated[date | None, FullDate, Query(alias="from", description="first UTC day")]
ToDay = Annotated[date | None, FullDate, Query(alias="to", description="last UTC day (today)")]
