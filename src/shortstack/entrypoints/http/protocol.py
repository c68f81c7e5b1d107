"""The local server's HTTP/1.1 protocols: uvicorn's, answering bad requests in JSON.

A request the parser cannot parse (a NUL or a bare CR in a header, raw 8-bit bytes in the
path, a Content-Length that is not a number, a header section that trickles in past its
limit) never reaches the app: uvicorn answers it itself, in plain text. Every error body
is JSON with a `message` (README, "What is in the box"), so these protocols write that
400 as JSON. On AWS, API Gateway answers such requests before Lambda is invoked.

`shortstack serve` runs `JsonErrorsHttpToolsProtocol` (uvicorn's httptools parser, the
C llhttp) when httptools is installed, which `make sync` does: it parses a request in a
fraction of h11's time (decision 0113). `JsonErrorsH11Protocol` is the pure-Python
fallback, for an install without it.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from shortstack.correlation import choose_correlation_id
from shortstack.entrypoints.http.middleware import HEADERS_TOO_LARGE, MAX_URL_BYTES, URL_TOO_LONG
from shortstack.entrypoints.redirects import Reply

# An unfinished request head larger than this is refused, as h11 does by default: the
# httptools parser has no such limit of its own. A head that arrives whole is measured
# by the app's RequestLimitsMiddleware (431 over 16 KiB of headers, 414 over 8 KiB of URL);
# one that trickles in gets the same answer from the httptools protocol, whatever TCP did.
MAX_INCOMPLETE_HEAD_BYTES = 16 * 1024


def _no_delay(transport: asyncio.Transport) -> None:
    # uvicorn writes a response's head and body separately. asyncio turns Nagle off only
    # for sockets made with IPPROTO_TCP, and uvicorn's listening socket is not: without
    # this, every keep-alive request after the first waited ~40 ms for the client's
    # delayed ACK before its body left (bench/batch_create.py met it).
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def json_400(msg: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of the JSON 400 for a request the parser refused."""
    return json_refusal(f"malformed HTTP request: {msg}")


def json_refusal(message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of a JSON error sent before the app saw the request.

    Like every response, it carries a correlation id: a fresh one, since the request's
    own header could not be read.
    """
    body = json.dumps({"message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-correlation-id", choose_correlation_id(None).encode()),
        (b"connection", b"close"),
    ]
    return headers, body


class JsonErrorsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; only the 400 it sends for unparsable requests differs."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)

    def send_400_response(self, msg: str) -> None:
        """Answer a request h11 refused with a JSON 400 and close the connection."""
        headers, body = json_400(msg)
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()


# Lower-case ASCII names of the redirect layer's replies that change nothing in how uvicorn
# frames a response (not Content-Length, Transfer-Encoding or Connection).
_FRAMING_FREE = frozenset(
    {
        "location",
        "cache-control",
        "content-length",
        "content-type",
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "x-correlation-id",
        "www-authenticate",
        "retry-after",
        "allow",
        "accept-encoding",
    }
)
# uvicorn's HEADER_VALUE_RE, on a str.
_BAD_VALUE = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


class _DefaultLines:
    """The server's default headers (a new list each second) and their lines."""

    of: list[tuple[bytes, bytes]] | None = None
    lines = b""


class _Answering:
    """A redirect's request being answered without an ASGI cycle (`_answer_redirect`).

    It stands where uvicorn keeps its RequestResponseCycle (`protocol.cycle`), with the
    fields the protocol reads and writes there: a request behind it on the connection is
    queued until it completes, a lost connection marks it, a shutdown turns keep-alive off,
    and a body sent with the GET is taken and dropped, as the redirect layer drops it.
    """

    __slots__ = ("body", "disconnected", "keep_alive", "more_body", "response_complete")

    def __init__(self, keep_alive: bool) -> None:
        self.keep_alive = keep_alive
        self.disconnected = False
        self.response_complete = False
        self.body = bytearray()
        self.more_body = True

    @property
    def message_event(self) -> _Answering:
        return self

    def set(self) -> None:
        """Nobody awaits the request's body (`message_event.set()`)."""


def httptools_protocol() -> type[asyncio.Protocol] | None:
    """JsonErrorsHttpToolsProtocol, or None when httptools is not installed."""
    try:
        import httptools
        from uvicorn.protocols.http.httptools_impl import (
            HEADER_RE,
            HEADER_VALUE_RE,
            STATUS_LINE,
            HttpToolsProtocol,
            RequestResponseCycle,
        )
    except ImportError:
        return None

    from shortstack.entrypoints.http.redirect_layer import RedirectLayer

    class JsonErrorsHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol: its 400 in JSON, a bound on an unfinished head, and
        short links answered without an ASGI cycle.

        A GET or HEAD whose path can be a short id is answered by the app's redirect layer
        straight from the parser's callback, and its reply written from the group commit's
        callback: no task, scope, receive or send per click (bench/README.md, "Local
        redirect throughput"). The bytes are those uvicorn writes for the layer's reply
        through ASGI; anything else, and any request the layer cannot take at once, takes
        uvicorn's ASGI cycle.
        """

        _head_open = False
        _head_bytes = 0
        _head_begun = False  # the unfinished head began in the chunk being read
        _layer: RedirectLayer | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)
            layer = getattr(self.app, "redirect_layer", None)
            # uvicorn's access log, a concurrency limit and a root path all need its cycle.
            plain = not self.access_log and self.limit_concurrency is None and not self.root_path
            if isinstance(layer, RedirectLayer) and plain:
                self._layer = layer

        def on_message_begin(self) -> None:
            self._head_open, self._head_bytes, self._head_begun = True, 0, True
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            # The parser refuses a URL over 64 KiB as malformed (400); cut to twice the app's
            # limit, any longer URL gets RequestLimitsMiddleware's 414, as with h11.
            super().on_url(url)
            if len(self.url) > 2 * MAX_URL_BYTES:
                self.url = self.url[: 2 * MAX_URL_BYTES]

        def on_headers_complete(self) -> None:
            self._head_open = False
            if self._layer is None or not self._answer_redirect(self._layer):
                super().on_headers_complete()

        def _answer_redirect(self, layer: RedirectLayer) -> bool:
            """Answer a short link's GET or HEAD here; False to leave it to the ASGI cycle."""
            before = self.cycle
            if (before is not None and not before.response_complete) or self.pipeline:
                return False  # behind a request still being answered: uvicorn queues it
            parser = self.parser
            method = parser.get_method()
            if method != b"GET" and method != b"HEAD":
                return False
            if self.expect_100_continue or parser.should_upgrade() or self.transport.is_closing():
                return False
            url = httptools.parse_url(self.url)
            raw_path: bytes = url.path
            if b"%" in raw_path:
                return False  # uvicorn decodes it; a short id never needs it
            short_id = layer.short_id_in(raw_path.decode("ascii"))
            if short_id is None:
                return False
            http_version = parser.get_http_version()
            head = method == b"HEAD"
            cycle = _Answering(http_version != "1.0" and parser.should_keep_alive())
            self.cycle = cycle  # type: ignore[assignment]
            try:
                reply = layer.reply_then(
                    "HEAD" if head else "GET",
                    short_id,
                    self.headers,
                    self.client,
                    url.query or b"",
                    lambda done: self._send_reply(cycle, head, done),
                )
            except Exception:
                # Nothing was handed to the writer: the ASGI cycle meets the same error and
                # answers it as uvicorn answers any app's.
                self.cycle = before
                return False
            if reply is not None:
                self._send_reply(cycle, head, reply)
            return True

        def _send_reply(self, cycle: _Answering, head: bool, reply: Reply) -> None:
            """Write `reply` as uvicorn's `send` writes it for the layer's two ASGI messages."""
            # A lost connection marks only uvicorn's latest cycle: with a pipelined request
            # queued behind this one, the closed transport is the only sign (uvloop refuses
            # a write to it).
            if cycle.disconnected or self.transport.is_closing():
                return
            data = (
                None if self.flow.write_paused else self._usual_response_bytes(cycle, head, reply)
            )
            if data is None:
                self.loop.create_task(self._send_by_uvicorn(cycle, head, reply))
                return
            self.transport.write(data)
            cycle.response_complete = True
            if not cycle.keep_alive:
                self.transport.close()
            self.on_response_complete()

        def _usual_response_bytes(
            self, cycle: _Answering, head: bool, reply: Reply
        ) -> bytes | None:
            """The bytes uvicorn's `send` writes for the usual reply, in one go, or None."""
            headers = reply.headers
            names = [name for name, _ in headers]
            values = [value for _, value in headers]
            # Names of ours that leave uvicorn's framing alone, one Content-Length that the
            # body matches, nothing its checks refuse (a value's UTF-8 has a byte under 0x80
            # only for that character itself), the server's own headers unchanged.
            if not (
                cycle.keep_alive
                and _FRAMING_FREE.issuperset(names)
                and names.count("content-length") == 1
                and _BAD_VALUE.search("\t".join(values)) is None
                and values[names.index("content-length")].isdigit()
                and (head or len(reply.body) == int(values[names.index("content-length")]))
            ):
                return None
            default = self._default_lines()
            if default is None:
                return None
            lines = "".join([f"{name}: {value}\r\n" for name, value in headers])
            return b"".join(
                (
                    STATUS_LINE[reply.status],
                    default,
                    lines.encode(),
                    b"\r\n",
                    b"" if head else reply.body,
                )
            )

        def _default_lines(self) -> bytes | None:
            """The server's own headers (its Date) as `send` writes them, new each second;
            None when uvicorn's checks would refuse one."""
            default = self.server_state.default_headers
            if _DefaultLines.of is not default:
                if any(
                    HEADER_RE.search(name) or HEADER_VALUE_RE.search(value)
                    for name, value in default
                ):
                    return None
                lines = b"".join(name.lower() + b": " + value + b"\r\n" for name, value in default)
                _DefaultLines.of, _DefaultLines.lines = default, lines
            return _DefaultLines.lines

        async def _send_by_uvicorn(self, cycle: _Answering, head: bool, reply: Reply) -> None:
            """Any other reply, or one that waits for the client to read: uvicorn's own
            `send`, through a cycle of its own made for the reply's two messages."""

            def completed() -> None:
                cycle.response_complete = True
                self.on_response_complete()

            sender = RequestResponseCycle(
                scope={"method": "HEAD" if head else "GET"},  # type: ignore[typeddict-item]
                transport=self.transport,
                flow=self.flow,
                logger=self.logger,
                access_logger=self.access_logger,
                access_log=False,  # the fast path runs only without uvicorn's access log
                default_headers=self.server_state.default_headers,
                message_event=asyncio.Event(),
                expect_100_continue=False,
                keep_alive=cycle.keep_alive,
                on_response=completed,
            )
            start = [(name.encode(), value.encode()) for name, value in reply.headers]
            try:
                await sender.send(
                    {"type": "http.response.start", "status": reply.status, "headers": start}
                )
                if cycle.disconnected or self.transport.is_closing():
                    return
                await sender.send({"type": "http.response.body", "body": reply.body})
            except Exception:
                # What uvicorn does when `send` refuses a response it has begun.
                self.logger.exception("Exception in ASGI application\n")
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            self._head_begun = False
            super().data_received(data)
            if self._head_open and not self.transport.is_closing():
                # Complete pipelined requests ahead of the unfinished head in this chunk are
                # not part of it: count from the end of the last complete head (an open head
                # holds no blank line). A body sent before it may still be counted.
                start = 0
                if self._head_begun:
                    crlf, lf = data.rfind(b"\r\n\r\n"), data.rfind(b"\n\n")
                    start = max(crlf + 4 if crlf >= 0 else 0, lf + 2 if lf >= 0 else 0)
                self._head_bytes += len(data) - start
                if self._head_bytes > MAX_INCOMPLETE_HEAD_BYTES:
                    # What the middleware answers a head that arrived whole.
                    if len(self.url) > MAX_URL_BYTES:
                        self._refuse(b"414 URI Too Long", *json_refusal(URL_TOO_LONG))
                    else:
                        fields = b"431 Request Header Fields Too Large"
                        self._refuse(fields, *json_refusal(HEADERS_TOO_LARGE))

        def send_400_response(self, msg: str) -> None:
            """Answer a request the parser refused with a JSON 400 and close the connection."""
            self._refuse(b"400 Bad Request", *json_400(msg))

        def _refuse(self, status: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
            head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
            self.transport.write(b"HTTP/1.1 " + status + b"\r\n" + head + b"\r\n" + body)
            self.transport.close()

    return JsonErrorsHttpToolsProtocol
