"""Field types shared by the request models."""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict


def _valid_text(value: str, allow_newlines: bool) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValueError("text must not contain control characters")
    return value


def single_line(value: str) -> str:
    """Valid Unicode on one line: no control characters at all."""
    return _valid_text(value, allow_newlines=False)


def multi_line(value: str) -> str:
    """Valid Unicode; newlines and tabs allowed, other control characters not."""
    return _valid_text(value, allow_newlines=True)


SingleLine = AfterValidator(single_line)
MultiLine = AfterValidator(multi_line)


class StrictModel(BaseModel):
    """Request bodies refuse fields they do not know, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorBody(BaseModel):
    """Every error: a message for people, and per-field details on 422."""

    message: str
    detail: list[dict[str, object]] | None = None


Responses = dict[int | str, dict[str, Any]]
"""The type FastAPI's `responses=` takes: extra documented statuses of a route."""
