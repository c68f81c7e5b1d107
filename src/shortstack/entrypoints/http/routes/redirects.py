"""`GET/HEAD /{short_id}` as a FastAPI route: documentation, and the path the layer leaves over.

The RedirectLayer answers almost every redirect before FastAPI runs. This route
documents them in OpenAPI and answers what reaches the app anyway (`/abc1234/`
after the trailing-slash rewrite, or an app built without the layer), with the
same `answer` function, so both give identical replies. It must be included
last: `/{short_id}` matches every single-segment path.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.convertors import StringConvertor, register_url_convertor

from shortstack.domain.links import (
    ALIAS_PATTERN,
    DEFAULT_REDIRECT_STATUS,
    REDIRECT_STATUSES,
    RESERVED_WORDS,
)
from shortstack.entrypoints.http.deps import RedirectsDep
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses
from shortstack.entrypoints.redirects import answer

router = APIRouter(tags=["redirects"])


class ShortIdConvertor(StringConvertor):
    """Matches only a segment that can be a short id (`is_possible_short_id` as a regex).

    Without it `/{short_id}` would also match `/health` or `/shorten` for the methods those
    routes do not serve: GET /shorten would answer "no such link" instead of 405, and every
    405's Allow header would offer GET and HEAD.
    """

    _reserved = "|".join(re.escape(word) for word in sorted(RESERVED_WORDS))
    regex = f"(?!(?i:{_reserved})$){ALIAS_PATTERN.strip('^$')}"


register_url_convertor("short_id", ShortIdConvertor())


# The redirect layer answers these in front of the app's middleware: no size refusal of the
# URL or headers (414, 431) and no validation error (422) can reach them.
UNANSWERED = dict.fromkeys(("follow_link", "check_link"), ("414", "422", "431"))
LOCATION = {
    "Location": {"description": "the link's URL", "required": True, "schema": {"type": "string"}}
}


def _redirected(status: int) -> dict[str, Any]:
    default = " (the default)" if status == DEFAULT_REDIRECT_STATUS else ""
    return {
        "description": f"to the link's URL, for a link with redirect_status {status}{default}",
        "headers": LOCATION,
    }


RESPONSES: Responses = {
    **{status: _redirected(status) for status in REDIRECT_STATUSES},
    404: {"model": ErrorBody, "description": "no such link"},
    410: {"model": ErrorBody, "description": "link disabled, expired or out of visits"},
}


@router.get(
    "/{short_id:short_id}",
    response_class=Response,
    status_code=DEFAULT_REDIRECT_STATUS,
    responses=RESPONSES,
    operation_id="follow_link",
)
@router.head(
    "/{short_id:short_id}",
    response_class=Response,
    status_code=DEFAULT_REDIRECT_STATUS,
    responses=RESPONSES,
    operation_id="check_link",
)
async def follow_link(short_id: str, request: Request, redirects: RedirectsDep) -> Response:
    """Redirect to the link's URL; a GET counts one click, a HEAD counts none."""
    correlation_id: str = request.scope.get("state", {}).get("correlation_id", "")
    peer = request.client.host if request.client else None
    reply = answer(redirects, request.method, short_id, request.headers, correlation_id, peer)
    return Response(reply.body, status_code=reply.status, headers=dict(reply.headers))
