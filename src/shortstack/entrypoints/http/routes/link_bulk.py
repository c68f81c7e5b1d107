"""Bulk changes: POST /api/v1/links/bulk, one action on up to 1,000 links in one request.

Each link is changed as a PATCH (a DELETE for `delete`) of it would change it and is
answered with that request's status, so one missing, foreign or stale link never stops
the others (docs/decisions/0116).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shortstack.entrypoints.http.deps import CallerDep, LinksDep
from shortstack.entrypoints.http.schemas.common import ErrorBody
from shortstack.entrypoints.http.schemas.link_bulk import (
    LinkBulkChange,
    LinkBulkPublic,
    LinkBulkResult,
)
from shortstack.service_layer.link_bulk import BULK_MAX, counts

router = APIRouter(prefix="/api/v1/links", tags=["links"])
PATH = f"{router.prefix}/bulk"


@router.post(
    "/bulk",
    response_model=LinkBulkPublic,
    responses={
        422: {
            "model": ErrorBody,
            "description": f"no ids, over {BULK_MAX:,}, an unknown action, or an action "
            "without its argument (or with one it does not take); the message says which",
        },
    },
)
async def change_links(
    body: Annotated[LinkBulkChange, Body()], caller: CallerDep, links: LinksDep
) -> JSONResponse:
    """Disable, enable, tag, untag, set or clear the expiry of, or delete up to 1,000 of your
    links at once; 200 with one result per distinct id, in listed order.

    `action` is one of `disable`, `enable`, `add_tag` and `remove_tag` (with `tag`),
    `set_expiry` (with `expires_at`), `clear_expiry` and `delete`. Each link is changed
    as a PATCH (a DELETE) of it would be: its version moves and LinkUpdated (LinkDeleted)
    is announced, so webhooks fire per link. An id may carry its ETag
    (`{"id": ..., "if_match": ...}`): that link is changed only while it still has it.
    A result's `status` is the one that single request would answer: 200 (204 deleted),
    404 not a link of yours, 412 stale `if_match`, 422 the change breaks one of the
    link's rules (an 11th tag, an expiry before its `valid_since`)."""
    # Off the event loop: a thousand writes would hold up every other request meanwhile.
    outcomes = await run_in_threadpool(links.change_many, caller.sub, body.targets(), body.change())
    changed, failed = counts(outcomes)
    answer = LinkBulkPublic(
        action=body.action,
        changed=changed,
        failed=failed,
        results=[LinkBulkResult.of(short_id, outcome) for short_id, outcome in outcomes.items()],
    )
    # Absent, not null: `error` only on a failure.
    return JSONResponse(answer.model_dump(mode="json", exclude_unset=True))
