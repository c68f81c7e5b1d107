"""A pure-ASGI front that answers `GET/HEAD/POST /{short_id}` before FastAPI runs at all.

Redirects are the hot path of the local server, and FastAPI's own layers
(error and telemetry middleware, body limits, routing, dependency injection)
cost more than the redirect itself. `RedirectingFastAPI.__call__` hands a
single-segment path that can be a short id to `RedirectLayer`, which answers
it with `entrypoints.redirects.answer` (the same code as the redirect Lambda);
everything else (`/`, nested paths, reserved words, the app's own top-level
routes, other methods) goes through FastAPI unchanged. `shortstack serve`'s HTTP
protocol goes further for a GET or HEAD: it calls `RedirectLayer.reply_then` from its
parser's callback, with no ASGI cycle at all (entrypoints/http/protocol.py); both ways
build the same reply.

It writes no access-log line: a JSON log line costs as much as the redirect's
own database work (bench/README.md, "Costs the code is shaped around"). Each
counted visit is in its link's count and day's stats instead; failures are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from shortstack.correlation import choose_correlation_id
from shortstack.domain.short_ids import is_possible_short_id
from shortstack.entrypoints.edge import EdgeTrust
from shortstack.entrypoints.http.answer_parts import INTERNAL_ERROR
from shortstack.entrypoints.http.middleware import (
    CORRELATION_HEADER,
    header_value,
    offered_correlation_id,
)
from shortstack.entrypoints.redirects import (
    FORM_BODY_MAX,
    REDIRECT_METHODS,
    Reply,
    answer,
    asgi_request_headers,
    counts_nothing,
    error_reply,
)
from shortstack.service_layer.redirects import RedirectService

_log = logging.getLogger("shortstack.redirects")


def top_level_paths(routes: Iterable[Any]) -> set[str]:
    """The fixed single-segment paths of an app's routes and mounts (`/health`, `/assets`)."""
    names = set()
    for route in routes:
        path = str(getattr(route, "path", ""))
        if path.count("/") == 1 and "{" not in path and len(path) > 1:
            names.add(path[1:])
    return names


class RunsWrites(Protocol):
    """Runs a unit of storage work and answers once it is durable (group_commit.py)."""

    async def run(self, work: Callable[[], Reply], *, self_contained: bool = False) -> Reply: ...

    def submit(
        self,
        work: Callable[[], Reply],
        then: Callable[[bool, Any], None],
        *,
        self_contained: bool = False,
    ) -> None: ...


class RedirectLayer:
    def __init__(
        self,
        redirects: RedirectService,
        app_paths: Iterable[str] = (),
        writer: RunsWrites | None = None,
        base_url: str | None = None,
        edge: EdgeTrust | None = None,
    ) -> None:
        self.redirects = redirects
        self.base_url = base_url
        # Whose CloudFront-Viewer-* headers are believed (by default nobody's).
        self.edge = edge or EdgeTrust()
        # The app's own single-segment routes win even if a link id could look like one.
        self.app_paths = frozenset(path.lower() for path in app_paths)
        # Counting GETs go through the writer when there is one (SQLite: group commit).
        self.writer = writer

    def short_id_of(self, scope: Scope) -> str | None:
        """The short id a request asks for, or None when the request is the app's."""
        if scope["type"] != "http" or scope["method"] not in REDIRECT_METHODS:
            return None
        return self.short_id_in(scope["path"])

    def short_id_in(self, path: str) -> str | None:
        """The short id a redirect method's (decoded) path asks for, or None."""
        short_id = path[1:]
        if not is_possible_short_id(short_id) or short_id.lower() in self.app_paths:
            return None
        return short_id

    async def reply_to(self, scope: Scope, short_id: str, receive: Receive) -> Reply:
        """The redirect, page or JSON error for one request."""
        method = scope["method"]
        work, correlation_id, counted = self._work(
            method,
            short_id,
            scope["headers"],
            offered_correlation_id(scope),
            scope.get("client"),
            scope.get("query_string", b""),
            await read_form(receive) if method == "POST" else b"",
        )
        if method == "POST":
            # The password check is slow on purpose (scrypt): off the event loop and off the
            # group-commit writer, which other redirects wait on.
            return await run_in_threadpool(work)
        if self.writer is None or not counted:
            return work()
        try:
            # `answer` never raises, and a redirect's writes sit in its unit of work.
            return await self.writer.run(work, self_contained=True)
        except Exception:
            return _not_committed(method, correlation_id)

    def reply_then(
        self,
        method: str,
        short_id: str,
        raw_headers: list[tuple[bytes, bytes]],
        client: tuple[str, int] | None,
        query_string: bytes,
        then: Callable[[Reply], None],
    ) -> Reply | None:
        """`reply_to` for a GET or HEAD without an ASGI cycle (the server's protocol):
        the reply at once when the request writes nothing, else None and, on the event
        loop once the click is durable, `then(reply)`. Answers exactly as `reply_to`."""
        offered = header_value(raw_headers, CORRELATION_HEADER)
        work, correlation_id, counted = self._work(
            method, short_id, raw_headers, offered, client, query_string, b""
        )
        writer = self.writer
        if writer is None or not counted:
            return work()

        def committed(ok: bool, value: Any) -> None:
            then(value if ok else _not_committed(method, correlation_id, value))

        writer.submit(work, committed, self_contained=True)
        return None

    def _work(
        self,
        method: str,
        short_id: str,
        raw_headers: Iterable[tuple[bytes, bytes]],
        offered_correlation: str | None,
        client: tuple[str, int] | None,
        query_string: bytes,
        body: bytes,
    ) -> tuple[Callable[[], Reply], str, bool]:
        """The request's answer to run, its correlation id, and whether it counts a visit."""
        headers = asgi_request_headers(raw_headers)
        correlation_id = choose_correlation_id(offered_correlation)
        peer = str(client[0]) if client else None
        query = query_string.decode("latin-1")
        edge, viewer = self.edge.judge(headers)

        def work() -> Reply:
            return answer(
                self.redirects,
                method,
                short_id,
                headers,
                correlation_id,
                peer,
                query,
                body,
                self.base_url,
                edge,
                viewer,
            )

        return work, correlation_id, not counts_nothing(method, headers)


def _not_committed(method: str, correlation_id: str, exc: BaseException | None = None) -> Reply:
    _log.error(
        "redirect not committed",
        exc_info=exc or True,
        extra={"correlation_id": correlation_id},
    )
    return error_reply(500, INTERNAL_ERROR, method, correlation_id)


async def read_form(receive: Receive) -> bytes:
    """A POST's body, up to one byte more than a password form may hold (the rest unread)."""
    body = b""
    while len(body) <= FORM_BODY_MAX:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return body[: FORM_BODY_MAX + 1]


async def send_reply(send: Send, reply: Reply) -> None:
    """Write a Reply as an ASGI response."""
    await send(
        {
            "type": "http.response.start",
            "status": reply.status,
            "headers": [(name.encode(), value.encode()) for name, value in reply.headers],
        }
    )
    await send({"type": "http.response.body", "body": reply.body})


class RedirectingFastAPI(FastAPI):
    """FastAPI, with redirects answered by `redirect_layer` before any of its own layers."""

    redirect_layer: RedirectLayer | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        layer = self.redirect_layer
        short_id = layer.short_id_of(scope) if layer is not None else None
        if layer is None or short_id is None:
            await super().__call__(scope, receive, send)
            return
        await send_reply(send, await layer.reply_to(scope, short_id, receive))
