"""A page of results and the opaque cursor that leads to the next one."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from shortstack.domain.errors import InvalidCursor

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Items in the order the adapter returns them, plus the next cursor if any."""

    items: Sequence[T]
    next_cursor: str | None = None


def encode_cursor(position: dict[str, str]) -> str:
    """An opaque, URL-safe cursor for a position in a listing."""

    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Read a cursor made by `encode_cursor`; anything else raises InvalidCursor."""

    if not cursor or len(cursor) > 1024:
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(position, dict) or set(position) != set(keys):
        raise InvalidCursor()
    if not all(isinstance(value, str) and value for value in position.values()):
        raise InvalidCursor()
    return position
