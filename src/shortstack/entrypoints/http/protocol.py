"""The local server's HTTP/1.1 protocol: uvicorn's h11 one, answering bad requests in JSON.

A request h11 cannot parse (a NUL or a bare CR in a header, raw 8-bit bytes in the path,
a Content-Length that is not a number, a header section that trickles in past 16 KiB)
never reaches the app: uvicorn answers it itself, in plain text. Every error body is JSON
with a `message` (README, "What is in the box"), so this protocol writes that 400 as JSON. On AWS,
API Gateway answers such requests before Lambda is invoked.
"""

from __future__ import annotations

import asyncio
import json
import socket

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class JsonErrorsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; only the 400 it sends for unparsable requests differs."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # h11 writes a response's head and body separately. asyncio turns Nagle off only
        # for sockets made with IPPROTO_TCP, and uvicorn's listening socket is not: without
        # this, every keep-alive request after the first waited ~40 ms for the client's
        # delayed ACK before its body left (bench/batch_create.py met it).
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

    def send_400_response(self, msg: str) -> None:
        """Answer a request h11 refused with a JSON 400 and close the connection."""
        body = json.dumps({"message": f"malformed HTTP request: {msg}"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()
