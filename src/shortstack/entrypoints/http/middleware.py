"""Pure ASGI middleware: cheaper than BaseHTTPMiddleware and safe for streaming bodies.

- CorrelationIdMiddleware: reads or makes `x-correlation-id`, binds it to logs,
  sends it back, and writes one access-log line per request.
- RequestLimitsMiddleware: refuses a request whose shape no route accepts, before the
  app sees it: URLs over 8 KiB (414) and header sections over 16 KiB (431), as API
  Gateway does, a path with control characters (404), bodies over the limit (413)
  before reading them (Content-Length) or as soon as a streamed body crosses it,
  bodies in a content coding (415: no route decompresses one; the password form's target
  refuses them itself, as a page for a browser), and JSON bodies in
  UTF-16 or UTF-32 (400: the API reads UTF-8 JSON; json_text.py).
- TrailingSlashMiddleware: `/api/v1/items/` and `/api/v1/items` reach the same
  route without a redirect.
- SecurityHeadersMiddleware: nosniff and a referrer policy on every response.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shortstack.entrypoints.http.answer_parts import (
    IDENTITY_ONLY,
    SECURITY_HEADERS,
    coding_refusal,
    header_lines,
)
from shortstack.entrypoints.http.json_text import HEAD_BYTES, NOT_UTF8, is_json, is_wide
from shortstack.observability import bind_correlation_id, choose_correlation_id, logger

CORRELATION_HEADER = b"x-correlation-id"
CONTENT_ENCODING = b"content-encoding"


def _header(scope: Scope, name: bytes) -> str | None:
    return header_value(scope.get("headers", ()), name)


def header_value(raw_headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first line's value of a header of an ASGI request (`name` lower case)."""
    for key, value in raw_headers:
        if key == name:
            try:
                return str(value.decode("latin-1"))
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
                return None
    return None


async def send_json(
    send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer a request with a small JSON body straight from ASGI."""
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def offered_correlation_id(scope: Scope) -> str | None:
    """The request's `x-correlation-id`, else (on Lambda) API Gateway's request id."""
    offered = _header(scope, CORRELATION_HEADER)
    if offered is None:
        event = scope.get("aws.event") or {}
        offered = (event.get("requestContext") or {}).get("requestId")
    return offered


class CorrelationIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = choose_correlation_id(offered_correlation_id(scope))
        bind_correlation_id(correlation_id)
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != CORRELATION_HEADER
                ]
                headers.append((CORRELATION_HEADER, correlation_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The path only: query strings may hold target URLs or tokens.
            logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )


class RefusedBody(Exception):
    """Raised inside receive() when the body arriving is refused (over the limit, or not
    UTF-8 JSON): the refusal is the answer, whatever the app made of the error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


MAX_URL_BYTES = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024
URL_TOO_LONG = f"URL longer than {MAX_URL_BYTES} bytes"
HEADERS_TOO_LARGE = f"request headers larger than {MAX_HEADER_BYTES} bytes"


# C0 controls and DEL: no route, short id or file name holds one.
_SECURITY_HEADERS = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS]
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def refused_head(scope: Scope) -> tuple[int, str] | None:
    """414 or 431 with a message when the URL or the headers are over the limits, and
    404 for a path that decodes to control characters (no resource has such a name; the
    redirect Lambda answers such a short id with 404 too).

    uvicorn's h11 parser takes a 100 KB URL or header when it arrives in one read (and
    refuses it only when it trickles in): checking here makes the answer independent of
    TCP segmentation, and JSON. A decoded newline must be refused before routing:
    Starlette's route patterns end in `$`, which also matches before a final newline,
    so `GET /%0A` would otherwise be served as `GET /`.
    """
    path = scope.get("raw_path") or scope.get("path", "").encode()
    if len(path) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
        return 414, URL_TOO_LONG
    if _CONTROL_CHARACTERS.search(scope.get("path", "")):
        return 404, "not found: the URL path holds control characters (CR, LF, NUL ...)"
    if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > MAX_HEADER_BYTES:
        return 431, HEADERS_TOO_LARGE
    return None


def refused_coding(scope: Scope) -> str | None:
    """Why a body sent in a content coding (Content-Encoding: gzip, br ...) is refused
    (answer_parts.coding_refusal); a request without a body is not refused for naming one."""
    codings = header_lines(scope["headers"], (CONTENT_ENCODING,)).get("content-encoding")
    refusal = coding_refusal(codings)
    if refusal is None:
        return None
    declared = _header(scope, b"content-length")
    if declared == "0" or (declared is None and _header(scope, b"transfer-encoding") is None):
        return None
    return refusal


@dataclass(frozen=True, slots=True)
class BodyLimit:
    """A path's body limit, and what to tell a client over it (where else to send it).

    `utf8_json`: a JSON body in UTF-16 or UTF-32 is refused here (400); False for a route
    that reads its body itself and refuses one in its own words (POST /shorten).
    `codings`: a body in a content coding is refused here (415); False for a route that
    refuses one itself, as a page for a browser (the password form's target).
    """

    max_bytes: int
    advice: str = ""
    utf8_json: bool = True
    codings: bool = True

    def message(self) -> str:
        refusal = f"request body larger than {self.max_bytes} bytes"
        return f"{refusal}: {self.advice}" if self.advice else refusal


class RequestLimitsMiddleware:
    """The request-line, header and body limits; `limit_for` gives a path its body limit."""

    def __init__(
        self,
        app: ASGIApp,
        default_limit: int,
        limit_for: Callable[[str], BodyLimit] | None = None,
    ) -> None:
        self.app = app
        self.default_limit = BodyLimit(default_limit)
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = refused_head(scope)
        if refused is not None:
            await send_json(send, refused[0], {"message": refused[1]})
            return
        body_limit = self.limit_for(scope["path"]) if self.limit_for else self.default_limit
        coding = refused_coding(scope) if body_limit.codings else None
        if coding is not None:
            await send_json(
                send,
                415,
                {"message": coding},
                [(name.encode(), value.encode()) for name, value in IDENTITY_ONLY],
            )
            return
        limit = body_limit.max_bytes
        too_large = {"message": body_limit.message()}
        # The first bytes of a JSON body, until they tell its encoding.
        head: bytes | None = None
        if body_limit.utf8_json and is_json(_header(scope, b"content-type") or ""):
            head = b""
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_json(send, 400, {"message": "invalid Content-Length header"})
                return
            if int(declared) > limit:
                await send_json(send, 413, too_large)
                return
        received = 0
        refusal: RefusedBody | None = None
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, refusal, head
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    refusal = RefusedBody(413, too_large["message"])
                    raise refusal
                if head is not None:
                    head += chunk[: HEAD_BYTES - len(head)]
                    if len(head) >= HEAD_BYTES or not message.get("more_body", False):
                        wide, head = is_wide(head), None
                        if wide:
                            refusal = RefusedBody(400, NOT_UTF8)
                            raise refusal
            return message

        async def guarded_send(message: Message) -> None:
            # Frameworks may turn the receive() error into their own 400; a refused
            # body gets its own answer whatever the app made of it.
            nonlocal response_started
            if refusal is not None:
                if message["type"] == "http.response.start" and not response_started:
                    response_started = True
                    await send_json(send, refusal.status, {"message": refusal.message})
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except RefusedBody as error:
            if not response_started:
                await send_json(send, error.status, {"message": error.message})


class TrailingSlashMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
            raw_path = scope.get("raw_path")
            if isinstance(raw_path, bytes):
                scope["raw_path"] = raw_path.rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in _SECURITY_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
