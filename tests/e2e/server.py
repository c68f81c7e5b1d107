"""Start the real `shortstack serve` in a subprocess on a free 127.0.0.1 port, and call it.

`call` is the one way the end-to-end tests speak HTTP to that server. Tests about the
bytes on the wire themselves (malformed heads, 10 MB bodies) use `rawhttp.exchange`.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STARTUP_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_once_it_has(self, text: str, timeout_s: float = 5.0) -> str:
        """The log after `text` appeared in it: access lines are written after the response."""
        deadline = time.monotonic() + timeout_s
        while text not in (log := self.log()) and time.monotonic() < deadline:
            time.sleep(0.01)
        return log


def call(
    server: Server,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = CALL_TIMEOUT_S,
) -> tuple[int, dict[str, str], Any]:
    """One request on a fresh connection: (status, lower-cased headers, body).

    A body of bytes is sent as it is, anything else as JSON. The answer's body is parsed
    when it is JSON, text otherwise, None when empty. Redirects are returned, not followed.
    """
    address = urlsplit(server.base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=timeout_s)
    sent = dict(headers or {})
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        sent.setdefault("content-type", "application/json")
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        answered = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    if not raw:
        return response.status, answered, None
    if answered.get("content-type", "").startswith("application/json"):
        return response.status, answered, json.loads(raw)
    return response.status, answered, raw.decode(errors="replace")


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if call(server, "GET", "/health", timeout_s=1)[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    raise RuntimeError(f"server not healthy after {STARTUP_TIMEOUT_S}s:\n{server.log()}")


@contextmanager
def running_server(data_dir: Path, port: int | None = None, **env: str) -> Iterator[Server]:
    """A live server on DATA_DIR=data_dir; stopped with SIGTERM (SIGKILL if it hangs) on exit."""
    port = port or free_port()
    log_path = data_dir / f"server-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(data_dir),
        "STORAGE": "sqlite",
        # Load and race tests post hundreds of creates from one address; opt in per test.
        "RATE_LIMIT_CREATES_PER_MINUTE": "0",
        **env,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shortstack.entrypoints.cli", "serve"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        stop(server)


def stop(server: Server, sig: int = signal.SIGTERM) -> None:
    """Stop the server with `sig`, escalating to SIGKILL after 10 s."""
    if server.process.poll() is None:
        server.process.send_signal(sig)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
