"""The local server's protocol turns Nagle off, on the socket uvicorn's listener accepts."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState

from shortstack.entrypoints.http.protocol import JsonErrorsH11Protocol
from tests.concurrency import run_on_own_loop


async def _accepted_socket_has_nodelay() -> int:
    config = Config(app=lambda scope, receive, send: None, http=JsonErrorsH11Protocol)
    config.load()
    listener = config.bind_socket()  # as `shortstack serve` binds it: no IPPROTO_TCP given
    options: list[int] = []
    accepted: list[asyncio.Transport] = []
    state = ServerState()

    class Recording(JsonErrorsH11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            accepted.append(transport)
            sock = transport.get_extra_info("socket")
            options.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Recording(config=config, server_state=state, app_state={}), sock=listener
    )
    host, port = listener.getsockname()[:2]
    _, writer = await asyncio.open_connection(host, port)
    for _ in range(100):
        if options:
            break
        await asyncio.sleep(0.01)
    writer.close()
    await writer.wait_closed()
    for transport in accepted:  # a closing server leaves its connections open (3.11)
        transport.close()
    server.close()
    await server.wait_closed()
    return options[0]


def test_keep_alive_responses_never_wait_for_a_delayed_ack() -> None:
    # h11 writes a response's head and body apart: with Nagle on, the body waited for the
    # client's delayed ACK, about 40 ms per keep-alive request.
    config = Config(app=lambda scope, receive, send: None)
    config.load()
    probe = config.bind_socket()
    made_without_tcp_proto = probe.proto != socket.IPPROTO_TCP
    probe.close()
    assert made_without_tcp_proto  # why asyncio leaves Nagle on by itself
    assert run_on_own_loop(_accepted_socket_has_nodelay()) != 0
