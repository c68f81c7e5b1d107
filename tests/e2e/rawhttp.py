"""HTTP/1.1 over a bare socket: for requests no well-behaved client library would send.

A hostile client sends what it likes (NUL bytes in headers, 10 MB bodies, bare CRs) and
keeps sending while the server has already answered. `exchange` sends the head, then the
body in chunks while watching for the answer, and stops sending once the server spoke or
hung up, as curl does: the test then sees the server's answer, not a reset.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

READ_TIMEOUT_S = 10.0


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    body_bytes_sent: int

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)


def _parse(raw: bytes, sent: int) -> RawResponse:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
    return RawResponse(status, headers, body, sent)


def _complete(raw: bytes) -> bool:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False  # read until the server closes


def exchange(base_url: str, head: bytes, body: Iterable[bytes] = ()) -> RawResponse:
    """Send `head` (request line and headers, CRLF-terminated) and `body`; read the answer."""
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=READ_TIMEOUT_S)
    raw, sent = b"", 0
    try:
        sock.sendall(head)
        for chunk in body:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the server answered (or hung up) before reading all of it
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        while not _complete(raw):
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            raw += data
    finally:
        sock.close()
    if not raw:
        raise ConnectionError(f"no answer after {sent} body bytes")
    return _parse(raw, sent)
