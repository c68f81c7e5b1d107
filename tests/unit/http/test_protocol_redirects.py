"""The server's protocol answers short links itself, byte for byte as through ASGI.

`JsonErrorsHttpToolsProtocol` answers a short link's GET or HEAD without uvicorn's ASGI
cycle (entrypoints/http/protocol.py). The same requests, sent raw to the same app served
by uvicorn's own httptools protocol (every request through ASGI and the redirect front),
get the same bytes back, count the same clicks, and keep a connection alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvloop
from fastapi import FastAPI
from fastapi.testclient import TestClient
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.http.protocol import httptools_protocol
from tests.concurrency import run_on_own_loop
from tests.conftest import settings_for
from tests.fakes import FakeClock
from tests.unit.http.test_redirect_front import BOT, BROWSER, clicks, links

FAST = httptools_protocol()
DATE = [(b"date", b"Mon, 01 Jun 2026 09:00:00 GMT")]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[FastAPI, FakeClock]]:
    """The app as `shortstack serve` builds it on SQLite, and the clock its links live by."""
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    settings = settings_for("sqlite", tmp_path, public_base_url="https://sho.rt/")
    built = bootstrap(settings, clock=clock)
    yield create_app(built), clock
    built.close()


async def _exchange(protocol: Any, app: FastAPI, data: bytes) -> bytes:
    """Send `data` on one connection to `app` served by `protocol`; all it answers."""
    config = Config(
        app=app, http=protocol, log_config=None, access_log=False, proxy_headers=False, port=0
    )
    config.load()
    listener = config.bind_socket()
    state = ServerState()
    state.default_headers = DATE
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: protocol(config=config, server_state=state, app_state={}), sock=listener
    )
    host, port = listener.getsockname()[:2]
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(data)
    await writer.drain()
    answer = b""
    with contextlib.suppress(TimeoutError):
        while chunk := await asyncio.wait_for(reader.read(65536), 2):
            answer += chunk
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    for connection in list(state.connections):
        connection.transport.close()
    server.close()
    await server.wait_closed()
    return answer


def both(app: FastAPI, data: bytes) -> tuple[bytes, bytes]:
    """(through ASGI, answered by the protocol) for the same bytes sent."""
    assert FAST is not None
    return run_on_own_loop(_exchange(HttpToolsProtocol, app, data)), run_on_own_loop(
        _exchange(FAST, app, data)
    )


def request(method: str, target: str, headers: dict[str, str], last: bool = True) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: sho.rt", "X-Correlation-Id: same-id"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if last:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("who", "headers"),
    [("an API client", {}), ("a browser on an iPhone", BROWSER), ("a crawler", BOT)],
)
def test_every_kind_of_answer_is_the_bytes_asgi_gets(
    served: tuple[FastAPI, FakeClock], method: str, who: str, headers: dict[str, str]
) -> None:
    app, clock = served
    api = TestClient(app, follow_redirects=False)
    for name, short_id in links(api, clock).items():
        query = "?utm=x&b=2" if name == "forwards its query" else ""
        before = clicks(api, short_id) if name != "unknown" else 0
        # Two requests on one connection: the second is read while the first is answered.
        data = request(method, f"/{short_id}{query}", headers, last=False)
        data += request(method, f"/{short_id}{query}", headers)
        through_asgi, answered = both(app, data)
        after = clicks(api, short_id) if name != "unknown" else 0
        assert answered == through_asgi, (name, who)
        assert answered.count(b"HTTP/1.1 ") == 2, (name, who)
        assert (after - before) % 2 == 0, (name, who)  # each server counted the same


def test_a_counted_click_is_answered_only_once_stored(served: tuple[FastAPI, FakeClock]) -> None:
    app, clock = served
    api = TestClient(app, follow_redirects=False)
    short_id = links(api, clock)["plain"]
    stored_when_sent: list[int] = []

    class Watched(FAST):  # type: ignore[misc, valid-type]
        def _send_reply(self, *args: Any) -> None:
            stored_when_sent.append(clicks(api, short_id))
            super()._send_reply(*args)

    answered = run_on_own_loop(_exchange(Watched, app, request("GET", f"/{short_id}", {})))
    assert answered.startswith(b"HTTP/1.1 302 Found\r\n")
    assert stored_when_sent == [1]  # answered by the protocol, the click already stored


@pytest.mark.parametrize(
    "data",
    [
        # HTTP/1.0: the answer closes the connection.
        b"GET /{id} HTTP/1.0\r\nX-Correlation-Id: same-id\r\n\r\n",
        # A GET with a body: the body is dropped, the next request still read.
        b"GET /{id} HTTP/1.1\r\nX-Correlation-Id: same-id\r\nContent-Length: 5\r\n\r\nhello"
        b"HEAD /{id} HTTP/1.1\r\nX-Correlation-Id: same-id\r\nConnection: close\r\n\r\n",
        # A percent-encoded path, an app route and an unknown id between short links.
        b"GET /%{hex}{rest} HTTP/1.1\r\nX-Correlation-Id: same-id\r\n\r\n"
        b"GET /health HTTP/1.1\r\nX-Correlation-Id: same-id\r\n\r\n"
        b"GET /nosuchlink1 HTTP/1.1\r\nX-Correlation-Id: same-id\r\n\r\n"
        b"GET /{id}?a=1 HTTP/1.1\r\nX-Correlation-Id: same-id\r\nConnection: close\r\n\r\n",
        # A prefetch, then the click it announced.
        b"GET /{id} HTTP/1.1\r\nX-Correlation-Id: same-id\r\nSec-Purpose: prefetch\r\n\r\n"
        b"GET /{id} HTTP/1.1\r\nX-Correlation-Id: same-id\r\nConnection: close\r\n\r\n",
    ],
    ids=["http/1.0", "a body", "other paths", "prefetch"],
)
def test_connections_read_and_close_alike(served: tuple[FastAPI, FakeClock], data: bytes) -> None:
    app, clock = served
    api = TestClient(app, follow_redirects=False)
    short_id = links(api, clock)["plain"]
    sent = data.replace(b"{id}", short_id.encode())
    sent = sent.replace(b"{hex}", b"%02x" % ord(short_id[0])).replace(
        b"{rest}", short_id[1:].encode()
    )
    through_asgi, answered = both(app, sent)
    health = b'"status"'
    assert answered.split(health)[0] == through_asgi.split(health)[0]
    assert answered.count(b"HTTP/1.") == through_asgi.count(b"HTTP/1.") >= 1


def test_a_fresh_correlation_id_is_sent_when_none_is_offered(
    served: tuple[FastAPI, FakeClock],
) -> None:
    app, _ = served
    _, answered = both(app, b"GET /nosuchlink1 HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert answered.startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert b"\r\nx-correlation-id: " in answered
    assert answered.count(b"connection: close") == 1


def test_a_click_answered_after_the_server_closed_its_connection_is_not_an_error(
    served: tuple[FastAPI, FakeClock], caplog: pytest.LogCaptureFixture
) -> None:
    # A malformed request pipelined behind two clicks closes the connection (a JSON 400)
    # while the first click waits for its fsync; the loss marks the request behind it
    # (uvicorn's cycle), not the click: its answer must not go to the closed transport,
    # which uvloop refuses with an error logged for every such connection.
    app, clock = served
    short_id = links(TestClient(app, follow_redirects=False), clock)["plain"]

    class Late(FAST):  # type: ignore[misc, valid-type]
        def _send_reply(self, *args: Any) -> None:
            send = super()._send_reply
            self.loop.call_later(0.2, lambda: send(*args))  # a slow fsync

    data = request("GET", f"/{short_id}", {}, last=False) * 2 + b"BAD\x00\r\n\r\n"
    loop = uvloop.new_event_loop()
    try:
        answered = loop.run_until_complete(_exchange(Late, app, data))
        loop.run_until_complete(asyncio.sleep(0.5))  # the click answered meanwhile
    finally:
        loop.close()
    assert answered.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
