"""Visits that matched no link: /api/v1/visits/orphan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shortstack.entrypoints.http.deps import CallerDep, OrphanVisitsDep
from shortstack.entrypoints.http.pagination import add_next_page_headers
from shortstack.entrypoints.http.schemas.common import ErrorBody
from shortstack.entrypoints.http.schemas.visits import OrphanVisitPublic

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])


@router.get(
    "/orphan",
    response_model=list[OrphanVisitPublic],
    responses={
        400: {"model": ErrorBody, "description": "invalid cursor"},
        403: {"model": ErrorBody, "description": "with real identities, not in ADMIN_GROUP"},
    },
)
async def list_orphan_visits(
    request: Request,
    response: Response,
    caller: CallerDep,
    visits: OrphanVisitsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> list[OrphanVisitPublic]:
    """GETs of short-link-shaped paths that named no link, counted per UTC day, path, referrer
    host and browser (crawlers left out); newest day first. Everyone in AUTH_MODE=none;
    with real identities only members of the ADMIN_GROUP setting's group (cognito:groups)."""
    page = visits.list(caller, limit=limit, cursor=cursor)
    add_next_page_headers(request, response, page.next_cursor, limit, {})
    return [OrphanVisitPublic.of(counter) for counter in page.items]
