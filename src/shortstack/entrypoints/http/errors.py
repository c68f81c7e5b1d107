"""The one place where errors become HTTP responses.

Every error body is JSON with a human-readable `message`; validation errors
add `detail`, a list of per-field problems the frontend shows next to fields.
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shortstack.domain.errors import DomainError
from shortstack.entrypoints.http.answer_parts import INTERNAL_ERROR
from shortstack.entrypoints.http.error_bodies import bearer_challenge as bearer_challenge
from shortstack.entrypoints.http.error_bodies import domain_error_answer, validator_words
from shortstack.entrypoints.http.error_bodies import domain_error_body as domain_error_body
from shortstack.entrypoints.http.error_bodies import status_for as status_for
from shortstack.entrypoints.http.json_text import is_json
from shortstack.entrypoints.http.schemas.common import UNION_TAGS
from shortstack.observability import logger

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

# The limits a client needs to word a refusal itself ("at most 200 characters").
_LIMITS = ("min_length", "max_length", "ge", "gt", "le", "lt")


def validation_error_body(errors: list[Any]) -> dict[str, Any]:
    """The JSON body of a 422 from the request models: a summary and per-field details."""
    cleaned = field_errors(errors)
    return {"message": summarize(cleaned), "detail": cleaned}


def field_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors without echoing the input (which may be a megabyte)."""
    cleaned = []
    for error in _without_null_branches(errors):
        item: dict[str, Any] = {
            "loc": [str(part) for part in _without_union_tags(error)],
            "msg": validator_words(str(error.get("msg", "invalid value"))),
            "type": str(error.get("type", "value_error")),
        }
        context = error.get("ctx") or {}
        limits = {
            name: context[name]
            for name in _LIMITS
            if isinstance(context.get(name), int | float) and not isinstance(context[name], bool)
        }
        if limits:
            item["ctx"] = limits
        cleaned.append(item)
    return cleaned


def _without_null_branches(errors: list[Any]) -> list[Any]:
    """A field typed `X | None` said wrongly is one error at that field, X's.

    Pydantic tries each member of the union and reports both, located at the
    member's tag ("price.constrained-float", "price.none: Input should be None"):
    the null branch says nothing the client can use, and the tag is no field.
    """
    null_fields = {
        tuple(error.get("loc", ()))[:-1]
        for error in errors
        if error.get("type") == "none_required" and tuple(error.get("loc", ()))[-1:] == ("none",)
    }
    if not null_fields:
        return errors
    tags: dict[tuple[Any, ...], set[Any]] = {}
    for error in errors:
        loc = tuple(error.get("loc", ()))
        for field in null_fields:
            if len(loc) > len(field) and loc[: len(field)] == field and loc[len(field)] != "none":
                tags.setdefault(field, set()).add(loc[len(field)])
    kept = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        field = loc[:-1]
        if field in tags and error.get("type") == "none_required" and loc[-1] == "none":
            continue
        for named, members in tags.items():
            if len(members) == 1 and len(loc) > len(named) and loc[: len(named)] == named:
                error = {**error, "loc": named + loc[len(named) + 1 :]}
                break
        kept.append(error)
    return kept


def _without_union_tags(error: Any) -> tuple[Any, ...]:
    """An error's location without the tags of the union members it passed through; the
    last part of an unknown field's error is the client's own key, kept whatever it is."""
    loc = tuple(error.get("loc", ()))
    kept = loc[-1:] if error.get("type") == "extra_forbidden" else ()
    within = loc[: len(loc) - len(kept)]
    return tuple(part for part in within if part not in UNION_TAGS) + kept


# FastAPI answers "There was an error parsing the body" for any failure to read JSON other
# than its syntax; these are a client's to fix, so the answer names them.
_BODY_NOT_PARSED: dict[type[BaseException], str] = {
    UnicodeDecodeError: "the body is not valid JSON: it is not UTF-8 text",
    RecursionError: "the body is not valid JSON: it is nested too deeply",
}
# Python reads no integer longer than sys.get_int_max_str_digits() (4,300 by default),
# its guard against quadratic parsing, and says so with a plain ValueError.
_LONG_NUMBER = "the body is not valid JSON: a number has more than {:,} digits"


def _why_not_parsed(cause: BaseException, otherwise: str) -> str:
    """What a 400 from reading the body says: the reason when it is the client's to fix."""
    said = _BODY_NOT_PARSED.get(type(cause))
    if said is not None:
        return said
    if type(cause) is ValueError and "integer string conversion" in str(cause):
        return _LONG_NUMBER.format(sys.get_int_max_str_digits())
    return otherwise


def about_the_body(error: Any, content_type: str) -> Any:
    """A pydantic error about the whole body, said the way a client can act on it.

    FastAPI reports JSON that does not parse as a field named by a character offset
    ("29: JSON decode error"), and a body it did not read as JSON, because of its
    Content-Type, as "Input should be a valid dictionary" though the client sent one.
    """
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        where = f" (character {loc[1]})" if len(loc) > 1 else ""
        return {**error, "loc": ("body",), "msg": f"the body is not valid JSON: {reason}{where}"}
    if loc != ("body",) or error.get("type") not in (
        "model_attributes_type",
        "dict_type",
        "missing",
    ):
        return error
    if not is_json(content_type) and error.get("type") != "missing":
        message = "the body must be a JSON object sent as Content-Type: application/json"
    else:
        message = "the body must be a JSON object"
    return {**error, "msg": message}


def summarize(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        location = _location(error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid request: " + "; ".join(parts) + more


def _location(loc: list[str]) -> str:
    """A field's place as a client writes it: `links[3].url`, `ids[0]`."""
    said = ""
    for part in loc:
        if part in ("body", "query", "path"):
            continue
        if part.isdigit():
            said += f"[{part}]"
        else:
            said += f".{part}" if said else part
    return said


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (RFC 9110's Allow for a 405).

    The router answers a 405 from the first route whose path matched, so its own Allow
    names one route's methods (`POST` for /api/v1/items, which also serves GET). Asking
    every route, routers unfolded, about every method covers routers in routers. A concrete
    path wins over a templated one, as OpenAPI matches them: /api/v1/links/batch is not
    the link named "batch" (a reserved word, so no link has that name).
    """
    serving = {
        method: [
            route
            for route in _leaf_routes(request.app)
            if route.matches({**request.scope, "method": method})[0] == Match.FULL
        ]
        for method in _METHODS
    }
    concrete = any(not _templated(route) for routes in serving.values() for route in routes)
    allowed = [
        method
        for method, routes in serving.items()
        if any(not (concrete and _templated(route)) for route in routes)
    ]
    return ", ".join(allowed)


def _leaf_routes(app: Any) -> list[Any]:
    """Every route of the app with its full path, routers unfolded (found once per app)."""
    leaves: list[Any] | None = getattr(app.state, "leaf_routes", None)
    if leaves is None:
        leaves = [context.route for context in iter_route_contexts(app.routes)]
        app.state.leaf_routes = leaves
    return leaves


def _templated(route: Any) -> bool:
    return "{" in str(getattr(route, "path", ""))


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping on `app`."""

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status, body, headers = domain_error_answer(exc, request.query_params)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        errors = [about_the_body(error, content_type) for error in exc.errors()]
        return JSONResponse(validation_error_body(errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 400 and exc.__cause__ is not None:
            message = _why_not_parsed(exc.__cause__, message)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
        return JSONResponse({"message": message}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return JSONResponse({"message": INTERNAL_ERROR}, 500)
