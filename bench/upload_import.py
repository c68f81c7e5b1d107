"""A large import through the local upload flow, end to end over HTTP.

`shortstack serve` runs on a fresh DATA_DIR; the client asks for an upload URL
(`POST /api/v1/imports/uploads`), PUTs the file there and polls the import until it
is final, as `shortstack import --url` does. Rows are padded to a chosen width to
reach a file size: the default is 50 MB in 100,000 rows (500-byte campaign URLs),
the most rows an import takes. `--rows 500000 --row-bytes 100` measures 50 MB of
short rows (the server then runs with IMPORT_MAX_ROWS raised to fit).

    python -m bench.upload_import [--rows 100000] [--row-bytes 500]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import child, free_port, wait_until_serving

FINAL = ("succeeded", "partially_succeeded", "failed")


def make_csv(rows: int, row_bytes: int) -> bytes:
    """`rows` distinct URLs, each line `row_bytes` long (newline included)."""
    lines = []
    for n in range(rows):
        head = f"https://example.com/campaign/{n:07d}?utm_source=newsletter&pad="
        lines.append(head + "x" * max(0, row_bytes - len(head) - 1))
    return ("\n".join(lines) + "\n").encode()


def _call(url: str, method: str = "GET", body: bytes | None = None, **headers: str) -> Any:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def measure(rows: int, row_bytes: int) -> dict[str, Any]:
    """Upload and import one file on a fresh server; the phases' times and the outcome."""
    data = make_csv(rows, row_bytes)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as work:
        env = {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATA_DIR": str(Path(work) / "data"),
            "STORAGE": "sqlite",
            "IMPORT_MAX_ROWS": str(max(rows, 100_000)),
            "IMPORT_UPLOAD_MAX_BYTES": str(max(len(data), 100 * 1024 * 1024)),
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "shortstack.entrypoints.cli", "serve"]
        with child(command, env, Path(work) / "server.log"):
            wait_until_serving(f"{base}/health")
            started = time.perf_counter()
            upload = _call(
                f"{base}/api/v1/imports/uploads",
                "POST",
                json.dumps({"filename": "bench.csv", "size": len(data)}).encode(),
                **{"content-type": "application/json"},
            )
            _call(upload["upload_url"], upload["method"], data, **upload["headers"])
            uploaded = time.perf_counter()
            while True:
                status = _call(f"{base}/api/v1/imports/{upload['import_id']}")
                if status["status"] in FINAL:
                    break
                time.sleep(0.1)
            done = time.perf_counter()
    if status["status"] != "succeeded" or status["counts"]["loaded"] != rows:
        raise SystemExit(f"wrong outcome: {status}")
    return {
        "rows": rows,
        "megabytes": round(len(data) / 1e6, 1),
        "upload_seconds": round(uploaded - started, 2),
        "import_seconds": round(done - uploaded, 2),
        "seconds": round(done - started, 2),
        "rows_per_second": round(rows / (done - started)),
        "status": status["status"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--row-bytes", type=int, default=500)
    args = parser.parse_args()
    print(json.dumps(measure(args.rows, args.row_bytes)))


if __name__ == "__main__":
    main()
