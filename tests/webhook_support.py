"""A webhook receiver on 127.0.0.1 (a real HTTP server in a thread) and a scripted transport."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from shortstack.domain.webhook_failures import HostNotFound
from shortstack.domain.webhooks import IPAddress


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 204
    delay_s: float = 0.0


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """A server that records each POST and answers `receiver.status` after `delay_s`."""
    receiver = Receiver(url="")
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            receiver.requests.append(Received(self.path, headers, body))
            if receiver.delay_s:
                stop.wait(receiver.delay_s)
            self.send_response(receiver.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/in"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class ScriptedTransport:
    """Resolves names from a table and answers every POST with `status` (records them)."""

    names: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200
    posts: list[tuple[str, IPAddress, dict[str, str], bytes]] = field(default_factory=list)
    fails_with: OSError | None = None  # raised by every POST after it is recorded

    def resolve(self, host: str, port: int, timeout_s: float) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        if host not in self.names:
            raise HostNotFound(f"cannot resolve {host!r}")
        return [ipaddress.ip_address(value) for value in self.names[host]]

    def post(
        self, url: str, address: IPAddress, headers: dict[str, str], body: bytes, timeout_s: float
    ) -> int:
        self.posts.append((url, address, headers, body))
        if self.fails_with is not None:
            raise self.fails_with
        return self.status
