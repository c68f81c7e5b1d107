"""Batch create against single creates: N links through `shortstack serve` (SQLite), both ways.

One client on one keep-alive connection sends N single `POST /api/v1/links`, then the
same N bodies as one `POST /api/v1/links/batch` (N <= 1,000), against a fresh store
each time, with the creates rate limit off. Both answer 201 for every link (checked).
The batch spares N - 1 HTTP round trips, N - 1 passes through the middleware stack and
N - 1 SQLite transactions; on DynamoDB both ways write N conditional PutItems (the
batch 10 at a time), so the write units are the same.

    python -m bench.batch_create [--links 1000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import child, free_port, wait_until_serving


def bodies(count: int) -> list[dict[str, Any]]:
    return [
        {"url": f"https://example.com/articles/{n}?utm_source=bench", "tags": ["bench"]}
        for n in range(count)
    ]


def _post(conn: http.client.HTTPConnection, path: str, body: Any) -> tuple[int, Any]:
    conn.request("POST", path, json.dumps(body), {"content-type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def _timed(work: Path, name: str, send: Callable[[http.client.HTTPConnection], Any]) -> Any:
    """`send` over one keep-alive connection to a fresh server: (seconds, what it returned)."""
    port = free_port()
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(work / name),
        "STORAGE": "sqlite",
        "RATE_LIMIT_CREATES_PER_MINUTE": "0",
        "MAINTENANCE_INTERVAL_S": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "shortstack.entrypoints.cli", "serve"]
    with child(command, env, work / f"{name}.log"):
        wait_until_serving(f"http://127.0.0.1:{port}/health")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _post(conn, "/api/v1/links", {"url": "https://example.com/warm-up"})
        started = time.perf_counter()
        answer = send(conn)
        seconds = time.perf_counter() - started
        conn.close()
    return seconds, answer


def measure(links: int = 1000) -> dict[str, Any]:
    """Seconds for `links` single POSTs and for one batch of them, each on a fresh store."""
    if not 1 <= links <= 1000:
        raise ValueError("a batch holds 1-1,000 links")
    entries = bodies(links)
    with tempfile.TemporaryDirectory() as tmp:
        singles, statuses = _timed(
            Path(tmp),
            "singles",
            lambda conn: [_post(conn, "/api/v1/links", entry)[0] for entry in entries],
        )
        batch, (status, answer) = _timed(
            Path(tmp), "batch", lambda conn: _post(conn, "/api/v1/links/batch", {"links": entries})
        )
    if set(statuses) != {201}:
        raise SystemExit(f"single creates answered {sorted(set(statuses))}")
    created = [result["status"] for result in answer.get("results", [])]
    if status != 200 or created != [201] * links:
        raise SystemExit(f"the batch answered {status}: {str(answer)[:300]}")
    return {
        "links": links,
        "single_posts_s": round(singles, 3),
        "batch_s": round(batch, 3),
        "single_posts_per_s": round(links / singles),
        "batch_links_per_s": round(links / batch),
        "speedup": round(singles / batch, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(measure(args.links)))


if __name__ == "__main__":
    main()
