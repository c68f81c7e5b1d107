"""How a domain error reads over HTTP: its status, its JSON body, its headers.

Framework-free, so that the API Lambda's light front (entrypoints/lambda_api_front.py)
answers a domain error with the same bytes as FastAPI's handler in errors.py, which
calls `domain_error_answer` too; and a validator's words without Pydantic's label, for the
422's details and the CLI's refusals of a configuration alike.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

from shortstack.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InsufficientRights,
    InvalidCursor,
    InvalidInput,
    MalformedPrecondition,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
    TooLarge,
    Unauthenticated,
)

STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (Gone, 410),
    (PreconditionFailed, 412),
    (MalformedPrecondition, 400),
    (InvalidCursor, 400),
    (InvalidInput, 422),
    (ServiceUnavailable, 503),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (TooLarge, 413),
]
REALM = "shortstack"
# What Pydantic puts before the words of an error a validator raised.
_VALIDATOR_LABELS = ("Value error, ", "Assertion failed, ")
# RFC 6750 3: error_description is a quoted-string limited to these characters.
_DESCRIPTION_CHARS = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
_FIELD_PATH = re.compile(r"[.\[\]]")


def bearer_challenge(error: Unauthenticated | InsufficientRights) -> str:
    """The `WWW-Authenticate` value of a 401, or of a 403 for lacking rights (RFC 6750 3:
    no error code without a token; 3.1: `insufficient_scope` for a valid one that may not)."""
    if isinstance(error, Unauthenticated) and not error.invalid_token:
        return f'Bearer realm="{REALM}"'
    code = "invalid_token" if isinstance(error, Unauthenticated) else "insufficient_scope"
    description = _DESCRIPTION_CHARS.sub("", error.message)[:200]
    return f'Bearer realm="{REALM}", error="{code}", error_description="{description}"'


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain error (most specific class first)."""
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


def domain_error_body(exc: DomainError, where: str = "body") -> dict[str, Any]:
    """The JSON body of a domain error; a field's 422 names it as FastAPI's own 422s do."""
    body: dict[str, Any] = {"message": exc.message}
    if isinstance(exc, InvalidInput) and exc.field and status_for(exc) == 422:
        # `rules[2].url` becomes ["body", "rules", "2", "url"].
        path = [part for part in _FIELD_PATH.split(exc.field) if part]
        body["detail"] = [{"loc": [where, *path], "msg": exc.message, "type": "value_error"}]
    return body


def domain_error_answer(
    exc: DomainError, query_names: Container[str]
) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, body and extra headers of a domain error raised while serving a request.

    A field's 422 says `query` when the request's query string has that parameter.
    """
    where = "query" if isinstance(exc, InvalidInput) and exc.field in query_names else "body"
    headers = None
    if isinstance(exc, Unauthenticated | InsufficientRights):
        headers = {"WWW-Authenticate": bearer_challenge(exc)}
    elif isinstance(exc, PreconditionFailed) and exc.current_tag:
        headers = {"ETag": exc.current_tag}  # what to read or guard with now
    return status_for(exc), domain_error_body(exc, where), headers


def validator_words(message: str) -> str:
    """A Pydantic error's message as the validator worded it, without Pydantic's label."""
    for label in _VALIDATOR_LABELS:
        if message.startswith(label):
            return message.removeprefix(label)
    return message
