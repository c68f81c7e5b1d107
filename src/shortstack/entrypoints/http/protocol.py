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
import socket

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from shortstack.correlation import choose_correlation_id
from shortstack.entrypoints.http.middleware import HEADERS_TOO_LARGE, MAX_URL_BYTES, URL_TOO_LONG

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


def httptools_protocol() -> type[asyncio.Protocol] | None:
    """JsonErrorsHttpToolsProtocol, or None when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return None

    class JsonErrorsHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol: its 400 in JSON, and a bound on an unfinished head."""

        _head_open = False
        _head_bytes = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)

        def on_message_begin(self) -> None:
            self._head_open, self._head_bytes = True, 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            # The parser refuses a URL over 64 KiB as malformed (400); cut to twice the app's
            # limit, any longer URL gets RequestLimitsMiddleware's 414, as with h11.
            super().on_url(url)
            if len(self.url) > 2 * MAX_URL_BYTES:
                self.url = self.url[: 2 * MAX_URL_BYTES]

        def on_headers_complete(self) -> None:
            self._head_open = False
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._head_open and not self.transport.is_closing():
                self._head_bytes += len(data)
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
