"""Conditional requests at the HTTP edge: the If-Match / If-None-Match parameters the
single-resource routes take (If-None-Match on reads and on writes, RFC 9110 13.1.2), and
the documented answers they add (304, 400, 412).

What the headers mean is domain/preconditions.py; the version check is the store's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response
from pydantic.json_schema import SkipJsonSchema

from shortstack.domain.preconditions import TAGS_MAX, Expected, expected, not_modified
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses

IF_MATCH_DOC = (
    'Only if the resource still has one of these entity tags (its ETag), or "*": otherwise '
    "412 and nothing changes. Weak tags (W/...) never match; a malformed value, or one of "
    f"more than {TAGS_MAX} tags, is a 400."
)
IF_NONE_MATCH_DOC = (
    "A 304 with no body when the resource's ETag is one of these (weak comparison), or *; "
    "a malformed value is ignored."
)
# The grammar of If-Match (RFC 9110 13.1.1), with at most TAGS_MAX tags, documented but not
# checked by FastAPI: a value outside it is our 400 (MalformedPrecondition), worded by
# domain/preconditions.py, not a 422.
_TAG = '(W/)?"[!#-~]*"'
IF_MATCH_PATTERN = rf"^ *(\*|[ ,]*{_TAG}( *,[ ,]*{_TAG}){{0,{TAGS_MAX - 1}}}[ ,]*) *$"


def _guard(alias: str, description: str) -> Any:
    """A write's precondition header, documented with its grammar (a 400 outside it)."""
    return Header(
        alias=alias, description=description, json_schema_extra={"pattern": IF_MATCH_PATTERN}
    )


IF_NONE_MATCH_WRITE_DOC = (
    'Only if the resource has none of these entity tags (weak comparison), or with "*" only '
    "if it does not exist (so never, for a write to it): otherwise 412 and nothing changes. "
    f"A malformed value, or one of more than {TAGS_MAX} tags, is a 400."
)
# SkipJsonSchema: a header is absent or a string, never a JSON null.
IfMatch = Annotated[str | SkipJsonSchema[None], _guard("If-Match", IF_MATCH_DOC)]
IfNoneMatchWrite = Annotated[
    str | SkipJsonSchema[None], _guard("If-None-Match", IF_NONE_MATCH_WRITE_DOC)
]
IfNoneMatch = Annotated[
    str | SkipJsonSchema[None], Header(alias="If-None-Match", description=IF_NONE_MATCH_DOC)
]

ETAG_HEADER = {
    "ETag": {
        "description": "the resource's entity tag, for If-Match and If-None-Match",
        "schema": {"type": "string"},
    }
}
CONDITIONAL_WRITE: Responses = {
    400: {"model": ErrorBody, "description": "malformed If-Match or If-None-Match"},
    412: {
        "model": ErrorBody,
        "description": "If-Match names none of the resource's current entity tags (it "
        "changed), or If-None-Match names one or is *",
        "headers": ETAG_HEADER,
    },
}
CONDITIONAL_READ: Responses = {
    304: {"description": "not modified: If-None-Match named its ETag", "headers": ETAG_HEADER},
    # If-Match on a read too (RFC 9110 13.1.1), checked before If-None-Match.
    400: {"model": ErrorBody, "description": "malformed If-Match"},
    412: {
        "model": ErrorBody,
        "description": "If-Match names none of its current entity tags",
        "headers": ETAG_HEADER,
    },
}


def condition(if_match: str | None, if_none_match: str | None = None) -> Expected | None:
    """The store's condition of a write's If-Match and If-None-Match headers
    (MalformedPrecondition when one is malformed)."""
    return expected(if_match, if_none_match)


def tagged(response: Response, tag: str) -> None:
    """Give an answer about one resource its ETag."""
    response.headers["ETag"] = tag


def unchanged(if_none_match: str | None, tag: str) -> Response | None:
    """The 304 of a GET whose If-None-Match names `tag`; None when the GET answers in full."""
    if not not_modified(if_none_match, tag):
        return None
    return Response(status_code=304, headers={"ETag": tag})
