"""`POST /shorten`: the classic serverless tutorial's endpoint, with its exact contract.

`{"url": ...}` -> 201 `{short_id, short_url, original_url, expires_at}`. Its
errors are 400 `{"error": ...}`, not the rest of the API's 422 `{"message"}`,
so the route reads the body itself instead of letting FastAPI validate it:
whatever arrives (not JSON, not an object, no url, an unsafe url) gets a JSON
400 with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from shortstack.domain.clock import to_iso
from shortstack.domain.errors import InvalidInput
from shortstack.domain.link_fields import DEFAULT_TTL_DAYS
from shortstack.domain.target_urls import URL_MAX_LENGTH
from shortstack.entrypoints.http.deps import CallerDep, LinksDep, ShortBaseDep, viewer_host
from shortstack.entrypoints.http.json_text import HEAD_BYTES, NOT_UTF8, is_wide
from shortstack.entrypoints.http.schemas.common import ErrorBody, strip_spaces
from shortstack.entrypoints.http.schemas.links import (
    LinkPublic,
    Shortened,
    ShortenError,
    ShortenRequest,
)

router = APIRouter(tags=["links"])
PATH = "/shorten"
# The route reads its body itself: every problem with it is the classic 400, never a 422.
UNANSWERED = {"shorten": ("422",)}
NOT_AN_OBJECT = 'body must be a JSON object like {"url": "https://example.com/"}'


class BadShortenRequest(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_url(raw: bytes) -> str:
    """The `url` of a `{"url": ...}` body; BadShortenRequest says what is wrong otherwise."""
    if is_wide(raw[:HEAD_BYTES]):
        raise BadShortenRequest(NOT_UTF8)  # json.loads would read it
    try:
        payload: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad JSON or bad UTF-8; absurd nesting
        raise BadShortenRequest('body must be a JSON object like {"url": "https://..."}') from exc
    if not isinstance(payload, dict):
        raise BadShortenRequest('body must be a JSON object like {"url": "https://..."}')
    unknown = sorted(set(payload) - {"url"})
    if unknown:
        raise BadShortenRequest(f"unknown field(s): {', '.join(unknown)[:200]}")
    url = payload.get("url")
    if url is None:
        raise BadShortenRequest("url is required")
    if not isinstance(url, str):
        raise BadShortenRequest("url must be a string")
    # Counted as sent and stripped as the document's pattern says (0701), like every other
    # target URL: str.strip() also took \x1c-\x1f and \x85, which the pattern refuses.
    if len(url) > URL_MAX_LENGTH:
        raise BadShortenRequest(f"url must be at most {URL_MAX_LENGTH} characters")
    return strip_spaces(url)


@router.post(
    PATH,
    status_code=status.HTTP_201_CREATED,
    response_model=Shortened,
    responses={
        400: {"model": ShortenError, "description": "missing or invalid url"},
        409: {"model": ErrorBody, "description": "no free short id after several draws; retry"},
    },
    operation_id="shorten",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ShortenRequest.model_json_schema()}},
        }
    },
)
async def shorten(
    request: Request, caller: CallerDep, links: LinksDep, short_base: ShortBaseDep
) -> JSONResponse:
    """Shorten a URL for 30 days under a random id (the classic tutorial's contract)."""
    try:
        url = read_url(await request.body())
        # The classic contract: 30 days, whatever the deployment's default for new links.
        link = links.create(
            caller.sub, url=url, ttl_days=DEFAULT_TTL_DAYS, request_host=viewer_host(request)
        )
    except BadShortenRequest as exc:
        return JSONResponse({"error": exc.reason}, status_code=status.HTTP_400_BAD_REQUEST)
    except InvalidInput as exc:
        return JSONResponse({"error": exc.message}, status_code=status.HTTP_400_BAD_REQUEST)
    public = LinkPublic.of(link, short_base, links.clock())
    body = Shortened(
        short_id=public.short_id,
        short_url=public.short_url,
        original_url=public.url,
        expires_at=to_iso(link.expires_at) if link.expires_at else "",
    )
    return JSONResponse(body.model_dump(), status_code=status.HTTP_201_CREATED)
