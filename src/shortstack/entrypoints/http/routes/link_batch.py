"""Batch create: POST /api/v1/links/batch, up to 1,000 links in one request.

Each entry is checked and written on its own and answered with the status a single
POST /api/v1/links of it would have given, so a bad entry never stops the good ones
(docs/decisions/0108).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from shortstack.domain.errors import DomainError
from shortstack.entrypoints.http.deps import CallerDep, LinksDep, ShortBaseDep, viewer_host
from shortstack.entrypoints.http.errors import (
    about_the_body,
    domain_error_body,
    status_for,
    validation_error_body,
)
from shortstack.entrypoints.http.operations import create_fields
from shortstack.entrypoints.http.schemas.common import ErrorBody
from shortstack.entrypoints.http.schemas.links import (
    LinkBatchCreate,
    LinkBatchPublic,
    LinkBatchResult,
    LinkCreate,
    LinkPublic,
)

router = APIRouter(prefix="/api/v1/links", tags=["links"])
PATH = f"{router.prefix}/batch"
# 1,000 entries of the largest body POST /api/v1/links takes fit; Lambda's 6 MB payload too.
MAX_BODY_BYTES = 4 * 1024 * 1024


@router.post(
    "/batch",
    response_model=LinkBatchPublic,
    responses={
        413: {"model": ErrorBody, "description": "body larger than 4 MiB"},
        422: {"model": ErrorBody, "description": 'not `{"links": [...]}`, or over 1,000'},
    },
)
async def create_links(
    body: LinkBatchCreate,
    request: Request,
    caller: CallerDep,
    links: LinksDep,
    short_base: ShortBaseDep,
) -> JSONResponse:
    """Create up to 1,000 links; 200 with one result per entry, in order: `status` is what a
    single POST of that entry would answer (201 with `link`, or 409/422/... with `error`)."""
    results: list[LinkBatchResult | None] = [None] * len(body.links)
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(body.links):
        try:
            # from_attributes: validated as FastAPI validates a body, so the errors read alike.
            parsed = LinkCreate.model_validate(raw, from_attributes=True)
            valid.append((index, create_fields(parsed)))
        except ValidationError as exc:
            # Worded as a single POST of the entry would be: each entry is a JSON body.
            located = [
                about_the_body({**error, "loc": ("body", *error["loc"])}, "application/json")
                for error in exc.errors()
            ]
            error = ErrorBody(**validation_error_body(located))
            results[index] = LinkBatchResult(index=index, status=422, error=error)
    # Off the event loop: a thousand writes would hold up every other request meanwhile.
    outcomes = await run_in_threadpool(
        links.create_many,
        caller.sub,
        [fields for _, fields in valid],
        request_host=viewer_host(request),
    )
    now = links.clock()
    for (index, _), outcome in zip(valid, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            error = ErrorBody(**domain_error_body(outcome))
            results[index] = LinkBatchResult(index=index, status=status_for(outcome), error=error)
        else:
            link = LinkPublic.of(outcome, short_base, now)
            results[index] = LinkBatchResult(index=index, status=201, link=link)
    answer = LinkBatchPublic(results=[result for result in results if result is not None])
    # Absent, not null: `link` only on a 201, `error` only otherwise.
    return JSONResponse(answer.model_dump(mode="json", exclude_unset=True))
