"""The next-page headers every listing sends: `X-Next-Cursor` and `Link: <...>; rel="next"`."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from fastapi import Request, Response


def next_page_headers(
    path: str, next_cursor: str | None, limit: int, filters: dict[str, str | None]
) -> dict[str, str]:
    """The headers pointing at the next page (same limit and filters), if there is one."""
    if not next_cursor:
        return {}
    query = {"limit": str(limit), "cursor": next_cursor}
    query.update({name: value for name, value in filters.items() if value})
    return {"X-Next-Cursor": next_cursor, "Link": f'<{path}?{urlencode(query)}>; rel="next"'}


def add_next_page_headers(
    request: Request,
    response: Response,
    next_cursor: str | None,
    limit: int,
    filters: dict[str, str | None],
) -> None:
    """Point at the next page (same limit and filters) when there is one."""
    response.headers.update(next_page_headers(request.url.path, next_cursor, limit, filters))
