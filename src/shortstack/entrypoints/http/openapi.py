"""The OpenAPI document also lists the errors the edge answers, for every operation.

Some statuses come from no route: the size middlewares (413 for the body, 414 for the
URL, 431 for the headers, 400 for a malformed Content-Length, 415 for a body in a content
coding), FastAPI's body parsing
(400 for a body that is not UTF-8), request validation (422, whose body is our
`ErrorBody`, not FastAPI's default `HTTPValidationError`) and, where the local server
limits creating requests, 429 on every POST. They are added here, once,
so routes added later are documented as truthfully as the first ones, and schemathesis
can hold every operation to its documented statuses. A route that can never answer one of
them (the redirects, answered in front of the middleware) names it in `unanswered`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from fastapi import FastAPI

from shortstack.entrypoints.http.schemas.common import ErrorBody

_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

MALFORMED = "malformed request: a body that is not valid UTF-8 JSON, or a bad Content-Length"
TOO_LARGE = "request body larger than the configured limit (MAX_BODY_BYTES)"
INVALID = "invalid parameters or body, with per-field details"
URL_TOO_LONG = "URL (path and query) longer than 8 KiB"
HEADERS_TOO_LARGE = "request headers larger than 16 KiB"
RATE_LIMITED = "too many POSTs from this client address (RATE_LIMIT_CREATES_PER_MINUTE)"
COMPRESSED = "a body sent in a content coding (Content-Encoding: gzip ...): send it uncompressed"


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def _document_operation(operation: dict[str, Any], rate_limited: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if rate_limited:
        responses.setdefault("429", _error(RATE_LIMITED))
    has_body = "requestBody" in operation
    responses.setdefault("400", _error(MALFORMED))
    responses.setdefault("414", _error(URL_TOO_LONG))
    responses.setdefault("431", _error(HEADERS_TOO_LARGE))
    if has_body:
        responses.setdefault("413", _error(TOO_LARGE))
        current = responses.get("415")
        if current is None:
            responses["415"] = _error(COMPRESSED)
        elif COMPRESSED not in current.get("description", ""):
            responses["415"] = _error(f"{current.get('description')}; or {COMPRESSED}")
    if has_body or operation.get("parameters"):
        current = responses.get("422")
        description = current.get("description", INVALID) if current else INVALID
        # FastAPI documents its own HTTPValidationError; the handlers answer ErrorBody.
        responses["422"] = _error(description)


def document_edge_errors(
    schema: dict[str, Any],
    rate_limited_posts: bool = False,
    unanswered: Mapping[str, Collection[str]] | None = None,
    maximums: Mapping[tuple[str, str], int] | None = None,
    patterns: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """Add the edge's error statuses to every operation of `schema` (idempotent), and the
    `maximums` and `patterns` that settings give fields: {(model, field): value}.

    `unanswered` maps an operationId to the edge's statuses that operation never answers.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for (model, name), maximum in (maximums or {}).items():
        field = components[model]["properties"][name]
        for choice in field.get("anyOf", [field]):  # an optional field: its non-null choice
            if choice.get("type") == "integer":
                choice["maximum"] = maximum
    for (model, name), pattern in (patterns or {}).items():
        components[model]["properties"][name]["pattern"] = pattern
    for path_item in schema.get("paths", {}).values():
        for method in _METHODS:
            if method in path_item:
                operation = path_item[method]
                _document_operation(operation, rate_limited_posts and method == "post")
                for status in (unanswered or {}).get(operation.get("operationId", ""), ()):
                    operation["responses"].pop(status, None)
    return schema


def install_openapi(
    app: FastAPI,
    rate_limited_posts: bool = False,
    unanswered: Mapping[str, Collection[str]] | None = None,
    maximums: Mapping[tuple[str, str], int] | None = None,
    patterns: Mapping[tuple[str, str], str] | None = None,
) -> None:
    """Make `app.openapi()` return the document with the edge's errors added, and the
    webhook deliveries (`webhooks`) a subscription receives."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # What receivers get: its models load with the document, never on a request.
            from shortstack.entrypoints.http.schemas import webhook_payloads

            if not app.webhooks.routes:
                webhook_payloads.document_deliveries(app.webhooks)
            app.openapi_schema = document_edge_errors(
                webhook_payloads.only_receivers_answers(build()),
                rate_limited_posts,
                unanswered=unanswered,
                maximums=maximums,
                patterns=patterns,
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
