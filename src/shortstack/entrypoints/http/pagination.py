"""The next-page headers every listing sends: `X-Next-Cursor` and `Link: <...>; rel="next"`."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response


def add_next_page_headers(
    request: Request,
    response: Response,
    next_cursor: str | None,
    limit: int,
    filters: dict[str, str | None],
) -> None:
    """Point at the next page (same limit and filters) when there is one."""
    if not next_cursor:
        return
    query = {"limit": str(limit), "cursor": next_cursor}
    query.update({name: value for name, value in filters.items() if value})
    response.headers["X-Next-Cursor"] = next_cursor
    response.headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
