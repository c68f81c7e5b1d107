"""A pure-ASGI layer that answers `GET/HEAD /{short_id}` before FastAPI sees the request.

Redirects are the hot path of the local server: routing, dependency injection
and response models cost more than the redirect itself. This layer answers a
single-segment path that can be a short id with `entrypoints.redirects.answer`
(the same code as the redirect Lambda) and passes everything else (`/`,
nested paths, reserved words, the app's own top-level routes, other methods)
to the app unchanged.

It writes no access-log line: a JSON log line costs about 30 us, as much as
the redirect's own database work. Each counted visit is recorded as a
LinkClicked event instead; errors are still logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from shortstack.correlation import choose_correlation_id
from shortstack.domain.links import is_possible_short_id
from shortstack.entrypoints.http.middleware import offered_correlation_id
from shortstack.entrypoints.redirects import REDIRECT_METHODS, answer
from shortstack.service_layer.links import RedirectService

_VISIT_HEADERS = frozenset({b"referer", b"user-agent", b"cloudfront-viewer-country"})


def top_level_paths(routes: Iterable[Any]) -> set[str]:
    """The fixed single-segment paths of an app's routes and mounts (`/health`, `/assets`)."""
    names = set()
    for route in routes:
        path = str(getattr(route, "path", ""))
        if path.count("/") == 1 and "{" not in path and len(path) > 1:
            names.add(path[1:])
    return names


class RedirectLayer:
    def __init__(
        self, app: ASGIApp, redirects: RedirectService, app_paths: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.redirects = redirects
        # The app's own single-segment routes win even if a link id could look like one.
        self.app_paths = frozenset(path.lower() for path in app_paths)

    def short_id_of(self, scope: Scope) -> str | None:
        """The short id a request asks for, or None when the request is the app's."""
        if scope["type"] != "http" or scope["method"] not in REDIRECT_METHODS:
            return None
        short_id: str = scope["path"][1:]
        if not is_possible_short_id(short_id) or short_id.lower() in self.app_paths:
            return None
        return short_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        short_id = self.short_id_of(scope)
        if short_id is None:
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode(): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _VISIT_HEADERS
        }
        reply = answer(
            self.redirects,
            scope["method"],
            short_id,
            headers,
            choose_correlation_id(offered_correlation_id(scope)),
        )
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(name.encode(), value.encode()) for name, value in reply.headers],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})
