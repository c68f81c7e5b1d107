"""The local server's protocols: Nagle off, malformed requests answered in JSON, heads bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from shortstack.entrypoints.http.middleware import HEADERS_TOO_LARGE, URL_TOO_LONG
from shortstack.entrypoints.http.protocol import (
    MAX_INCOMPLETE_HEAD_BYTES,
    JsonErrorsH11Protocol,
    httptools_protocol,
)
from tests.concurrency import run_on_own_loop

HTTPTOOLS = httptools_protocol()
PROTOCOLS = [JsonErrorsH11Protocol, HTTPTOOLS]


async def _echo_path(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app answering 200 with the length of the path and query it was given."""
    body = json.dumps({"url": len(scope["path"]) + len(scope["query_string"])}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _serve(protocol: Any, chunks: list[bytes]) -> tuple[bytes, list[int]]:
    """Serve one connection with `protocol`; send `chunks` apart; (the answer, NODELAY seen)."""
    config = Config(app=_echo_path, http=protocol, log_config=None, port=0)
    config.load()
    listener = config.bind_socket()  # as `shortstack serve` binds it: no IPPROTO_TCP given
    options: list[int] = []
    accepted: list[asyncio.Transport] = []
    state = ServerState()

    class Recording(protocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            accepted.append(transport)
            sock = transport.get_extra_info("socket")
            options.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Recording(config=config, server_state=state, app_state={}), sock=listener
    )
    host, port = listener.getsockname()[:2]
    reader, writer = await asyncio.open_connection(host, port)
    # Reading from the start: the server may answer and close before the client is through.
    reading = asyncio.ensure_future(reader.read(65536))
    for chunk in chunks:
        try:
            writer.write(chunk)
            await writer.drain()
        except ConnectionError:  # refused before the client was through: the answer waits
            break
        await asyncio.sleep(0.01)
    answer = b""
    if chunks:
        answer = await asyncio.wait_for(reading, 5)
    else:
        reading.cancel()
        for _ in range(100):
            if options:
                break
            await asyncio.sleep(0.01)
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    for transport in accepted:  # a closing server leaves its connections open (3.11)
        transport.close()
    server.close()
    await server.wait_closed()
    return answer, options


def _status_and_json(answer: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, json.loads(body)


def test_httptools_is_what_the_server_runs() -> None:
    assert HTTPTOOLS is not None  # make sync installs the `serve` extra


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_keep_alive_responses_never_wait_for_a_delayed_ack(protocol: Any) -> None:
    # The head and body of a response are written apart: with Nagle on, the body waited for
    # the client's delayed ACK, about 40 ms per keep-alive request.
    config = Config(app=_echo_path, port=0)
    config.load()
    probe = config.bind_socket()
    made_without_tcp_proto = probe.proto != socket.IPPROTO_TCP
    probe.close()
    assert made_without_tcp_proto  # why asyncio leaves Nagle on by itself
    assert run_on_own_loop(_serve(protocol, []))[1][0] != 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_request_the_parser_refuses_gets_a_json_400_with_a_correlation_id(
    protocol: Any,
) -> None:
    answer, _ = run_on_own_loop(_serve(protocol, [b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"]))
    status, headers, body = _status_and_json(answer)
    assert status == 400
    assert body["message"].startswith("malformed HTTP request")
    assert headers["content-type"] == "application/json"
    assert len(headers["x-correlation-id"]) == 32
    assert headers["connection"] == "close"


def _trickled(head: bytes) -> list[bytes]:
    return [head[n : n + 4096] for n in range(0, len(head), 4096)]


def test_h11_refuses_a_head_that_trickles_in_past_the_limit() -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (2 * MAX_INCOMPLETE_HEAD_BYTES)
    answer, _ = run_on_own_loop(_serve(JsonErrorsH11Protocol, _trickled(head)))
    status, _, body = _status_and_json(answer)
    assert status == 400
    assert "message" in body


@pytest.mark.parametrize(
    ("head", "status", "message"),
    [
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (2 * MAX_INCOMPLETE_HEAD_BYTES),
            431,
            HEADERS_TOO_LARGE,
        ),
        (b"GET /items?q=" + b"a" * (2 * MAX_INCOMPLETE_HEAD_BYTES), 414, URL_TOO_LONG),
    ],
    ids=["headers", "url"],
)
def test_a_head_that_trickles_in_gets_what_the_app_answers_one_that_arrived_whole(
    head: bytes, status: int, message: str
) -> None:
    # Whole, the middleware measures it; in pieces, the protocol must say the same (a 100 KB
    # URL was a 414 or a 400 depending on how TCP cut it).
    answer, _ = run_on_own_loop(_serve(HTTPTOOLS, _trickled(head)))
    assert _status_and_json(answer)[0::2] == (status, {"message": message})


def test_a_url_over_the_parsers_limit_reaches_the_app_cut_but_over_the_apps() -> None:
    # httptools refuses URLs over 64 KiB as malformed; the app's middleware answers any URL
    # over 8 KiB with a 414, so the protocol hands it a cut one, still over that limit.
    url = b"/items?category=" + b"a" * 100_000
    request = b"GET " + url + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    status, _, body = _status_and_json(run_on_own_loop(_serve(HTTPTOOLS, [request]))[0])
    assert status == 200
    assert 8 * 1024 < body["url"] < len(url)


def test_pipelined_requests_before_an_unfinished_head_do_not_count_towards_its_bound() -> None:
    # A client that pipelines sends complete requests and, where TCP cuts the stream, the
    # start of the next: only that start is the unfinished head, not the whole chunk.
    request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 1024 + b"\r\n\r\n"
    pipelined = request * (2 * MAX_INCOMPLETE_HEAD_BYTES // len(request)) + request
    cut = len(pipelined) - len(request) // 2
    answer, _ = run_on_own_loop(_serve(HTTPTOOLS, [pipelined[:cut], pipelined[cut:]]))
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer[:200]
