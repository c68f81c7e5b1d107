"""Start the real `shortstack serve` in a subprocess on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_S = 30.0


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


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
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
