"""Helpers the benchmarks share: ports, child processes, wrk runs and small statistics."""

from __future__ import annotations

import os
import platform
import re
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def offline_aws_credentials() -> None:
    """Fake credentials and region for moto, unless the environment has its own."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        # botocore's account-based endpoints would hide the streams API from moto.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }.items():
        os.environ.setdefault(name, value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, timeout_s: float = 30.0) -> None:
    """Poll `url` until the server answers anything at all."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"nothing serving at {url} after {timeout_s}s")


@contextmanager
def child(command: Sequence[str], env: dict[str, str], log: Path) -> Iterator[None]:
    """Run `command` for the duration of the block; SIGTERM (then SIGKILL) afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command), env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, cwd=REPO
        )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int

    def row(self, name: str) -> str:
        return (
            f"| {name} | {self.requests_per_s:,.0f} | {self.p50_ms:.2f} | {self.p99_ms:.2f} "
            f"| {self.requests:,} | {self.bad_responses} |"
        )


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> WrkResult:
    """One bounded wrk run (1 thread: the other core is the server's) with latency percentiles."""
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
        "-s", str(script), url,
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, flags=re.MULTILINE))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),  # type: ignore[union-attr]
        bad_responses=(int(bad.group(1)) if bad else 0)
        + (sum(int(n) for n in errors.groups()) if errors else 0),
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def serve_like_shortstack(app: Any) -> None:
    """uvicorn with the options `shortstack serve` uses (entrypoints/cli.py), on PORT."""
    import uvicorn

    from shortstack.entrypoints.http.protocol import JsonErrorsH11Protocol, httptools_protocol

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        http=httptools_protocol() or JsonErrorsH11Protocol,
        loop="auto",
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
