"""Short links as FastAPI routes: `GET/HEAD/POST /{short_id}` and `/api/v1/unlock/{short_id}`.

The RedirectLayer answers almost every redirect before FastAPI runs. These routes
document them in OpenAPI and answer what reaches the app anyway (`/abc1234/`
after the trailing-slash rewrite, or an app built without the layer), with the
same `answer` function, so both give identical replies. The unlock route is where
the password form posts on every runtime (entrypoints/redirects.py says why), and a
GET or HEAD of it leads back to the form; it is public, like the redirects.
`/{short_id}` must be included last: it matches every single-segment path.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor

from shortstack.domain.link_fields import DEFAULT_REDIRECT_STATUS, REDIRECT_STATUSES
from shortstack.domain.passwords import PASSWORD_MAX, PASSWORD_MIN
from shortstack.domain.short_ids import ALIAS_PATTERN, RESERVED_WORDS
from shortstack.entrypoints.edge import link_path, unlock_path
from shortstack.entrypoints.http.answer_parts import CACHE_NO_STORE
from shortstack.entrypoints.http.deps import RedirectsDep
from shortstack.entrypoints.http.openapi import COMPRESSED
from shortstack.entrypoints.http.operations import edge_trust
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses
from shortstack.entrypoints.redirects import (
    FORM_BODY_MAX,
    FORM_TYPE,
    answer,
    asgi_request_headers,
)

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
# URL or headers (414, 431) and no validation error (422) can reach them. The unlock route
# reads its form itself, so no validation error reaches it either.
UNANSWERED = {
    **dict.fromkeys(("follow_link", "check_link", "unlock_link_here"), ("414", "422", "431")),
    "unlock_link": ("422",),
    **dict.fromkeys(("back_to_form", "back_to_form_head"), ("422",)),
}
_HTML = {"text/html": {"schema": {"type": "string"}}}
_JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
LOCATION = {
    "Location": {
        "description": "where the visit goes",
        "required": True,
        "schema": {"type": "string"},
    }
}


def _redirected(status: int) -> dict[str, Any]:
    default = " (the default)" if status == DEFAULT_REDIRECT_STATUS else ""
    return {
        "description": f"for a link with redirect_status {status}{default}: to the first "
        "matching rule's URL, else a variant's, else the link's (with the visitor's query "
        "when forward_query); a link that cannot redirect sends people to its fallback_url "
        "with a 302 that counts nothing",
        "headers": LOCATION,
    }


REDIRECTS: Responses = {status: _redirected(status) for status in REDIRECT_STATUSES}
UNAVAILABLE: Responses = {
    404: {
        "content": {**_JSON_ERROR, **_HTML},
        "description": "no such link, or not valid yet; a page for a browser (Accept: "
        "text/html), JSON otherwise",
    },
    410: {
        "content": {**_JSON_ERROR, **_HTML},
        "description": "link disabled, expired or used up; a page for a browser",
    },
}
_FORM_NAMED = {
    "content": {**_JSON_ERROR, **_HTML},
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
}
FOLLOW_RESPONSES: Responses = {
    **REDIRECTS,
    200: {
        "content": _HTML,
        "description": "a page instead of a redirect: the password form (a browser on a "
        "password link) or the link's Open Graph preview (a link-preview fetcher)",
    },
    401: {**_FORM_NAMED, "description": "a password link: the JSON names the form to post"},
    **UNAVAILABLE,
}
UNLOCK_RESPONSES: Responses = {
    **REDIRECTS,
    400: {"model": ErrorBody, "description": "the body is not the one-field form"},
    413: {"model": ErrorBody, "description": f"a body longer than {FORM_BODY_MAX} bytes"},
    415: {
        "content": {**_JSON_ERROR, **_HTML},
        "headers": {"Accept-Encoding": {"schema": {"type": "string"}}},
        "description": f"{COMPRESSED}; a page for a browser",
    },
    401: {**_FORM_NAMED, "description": "wrong password: the form again (a page for a browser)"},
    405: {
        "model": ErrorBody,
        "headers": {"Allow": {"schema": {"type": "string"}}},
        "description": "the link has no password: follow it with GET",
    },
    **UNAVAILABLE,
    429: {
        "content": {**_JSON_ERROR, **_HTML},
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "description": "too many wrong passwords for this link from this client",
    },
}
BACK_TO_FORM_RESPONSES: Responses = {
    303: {
        "description": "to the short link, which shows a browser its password form again",
        "headers": {
            "Location": {
                "description": "the short link: `/{short_id}`",
                "required": True,
                "schema": {"type": "string"},
            }
        },
    },
    404: {"model": ErrorBody, "description": "no short link can have this id"},
}
PASSWORD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            FORM_TYPE: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "password": {
                            "type": "string",
                            "minLength": PASSWORD_MIN,
                            "maxLength": PASSWORD_MAX,
                        }
                    },
                    "required": ["password"],
                    "additionalProperties": False,
                }
            }
        },
    }
}


async def _answer(short_id: str, request: Request, redirects: RedirectsDep) -> Response:
    correlation_id: str = request.scope.get("state", {}).get("correlation_id", "")
    peer = request.client.host if request.client else None
    body = b""
    if request.method == "POST":
        async for chunk in request.stream():
            body += chunk
            if len(body) > FORM_BODY_MAX:
                break
    query = request.url.query
    settings = request.app.state.container.settings
    method = request.method
    headers = asgi_request_headers(request.scope["headers"])
    edge, viewer = edge_trust(settings).judge(headers)

    def work() -> Response:
        reply = answer(
            redirects, method, short_id, headers, correlation_id, peer, query, body,
            settings.base_url, edge, viewer,
        )  # fmt: skip
        return Response(reply.body, status_code=reply.status, headers=dict(reply.headers))

    # A password check is slow on purpose (scrypt): never on the event loop.
    return await run_in_threadpool(work) if method == "POST" else work()


@router.post(
    unlock_path("{short_id:short_id}"),
    response_class=Response,
    status_code=DEFAULT_REDIRECT_STATUS,
    responses=UNLOCK_RESPONSES,
    operation_id="unlock_link",
    openapi_extra=PASSWORD_FORM,
)
async def unlock_link(short_id: str, request: Request, redirects: RedirectsDep) -> Response:
    """Open a password link: the form field `password`, and nothing else (no session, so
    no token). Right: the redirect, counted. Wrong: 401 with the form again; after five
    wrong ones from one client in 15 minutes, 429 with Retry-After."""
    return await _answer(short_id, request, redirects)


_BACK_TO_FORM: dict[str, Any] = {
    "path": unlock_path("{short_id:short_id}"),
    "response_class": Response,
    "status_code": 303,
    "responses": BACK_TO_FORM_RESPONSES,
}


@router.get(operation_id="back_to_form", **_BACK_TO_FORM)
@router.head(operation_id="back_to_form_head", **_BACK_TO_FORM)
async def back_to_form(short_id: str) -> Response:
    """Back to the short link, whose page is the password form: after a wrong password the
    address bar shows this path (the form's target), and Enter there is a GET. Reads
    nothing: no click counted, no attempt used."""
    # Relative: the form posted here from the short link's own origin, whatever its name.
    headers = {"location": link_path(short_id), "cache-control": CACHE_NO_STORE}
    return Response(status_code=303, headers=headers)


@router.get(
    "/{short_id:short_id}",
    response_class=Response,
    status_code=DEFAULT_REDIRECT_STATUS,
    responses=FOLLOW_RESPONSES,
    operation_id="follow_link",
)
@router.head(
    "/{short_id:short_id}",
    response_class=Response,
    status_code=DEFAULT_REDIRECT_STATUS,
    responses=FOLLOW_RESPONSES,
    operation_id="check_link",
)
async def follow_link(short_id: str, request: Request, redirects: RedirectsDep) -> Response:
    """Redirect to where the visit goes; a GET counts one click (crawlers and preview
    fetchers apart), a HEAD counts none."""
    return await _answer(short_id, request, redirects)


@router.post(
    "/{short_id:short_id}",
    response_class=Response,
    status_code=DEFAULT_REDIRECT_STATUS,
    responses=UNLOCK_RESPONSES,
    operation_id="unlock_link_here",
    openapi_extra=PASSWORD_FORM,
)
async def unlock_link_here(short_id: str, request: Request, redirects: RedirectsDep) -> Response:
    """The same as `POST /api/v1/unlock/{short_id}`, where a link's own origin takes a POST
    (the local server; not a CloudFront function-URL origin)."""
    return await _answer(short_id, request, redirects)
