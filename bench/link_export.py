"""CSV export in bounded memory: the server's peak RSS while it streams 10,000 and 100,000 links.

For each size, a fresh DATA_DIR is seeded with that many links of the local owner, then
`shortstack serve` (SQLite) answers `GET /api/v1/links?format=csv` to a client that reads
and drops 64 KiB at a time. Before the export the server has already answered a JSON
page and a small export (so their code is loaded), its peak RSS is reset
(/proc/<pid>/clear_refs), and after it the peak is read again (VmHWM). A streamed export
grows the peak by about the same few MiB for both sizes; one built in memory would grow
it tenfold from the first to the second. The rows received are counted and checked.

With `--s3`, the AWS side instead: `S3ExportStore` writes a CSV of `--megabytes` to S3
through a real boto3 client whose requests are answered in-process (an https endpoint,
so botocore frames each part as on Lambda, its checksum trailer included), and
tracemalloc reports the Python heap's peak over what a part holds (PART_SIZE).

    python -m bench.link_export [--sizes 10000,100000]
    python -m bench.link_export --s3 [--megabytes 40]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import REPO, free_port, offline_aws_credentials, wait_until_serving

SEED_CHUNK = 5_000


def seed(data_dir: Path, count: int) -> None:
    """`count` links of the local owner in DATA_DIR's database, written in large batches."""
    from shortstack.bootstrap import adapters_for
    from shortstack.config import Settings
    from shortstack.domain.links import create_link

    adapters = adapters_for(Settings(storage="sqlite", data_dir=data_dir))
    now = datetime.now(UTC)
    try:
        for start in range(0, count, SEED_CHUNK):
            links = [
                create_link(
                    short_id=f"x{n:07d}",
                    owner="local",
                    url=f"https://example.com/articles/{n}?utm_source=bench&utm_medium=csv",
                    now=now - timedelta(seconds=n),
                    expires_at=now + timedelta(days=30),
                    title=f"Article number {n}, with a comma",
                    tags=("bench", "export"),
                )
                for n in range(start, min(start + SEED_CHUNK, count))
            ]
            taken = [r for r in adapters.links.add_many(links) if r is not None]
            if taken:
                raise SystemExit(f"seeding failed: {taken[0]}")
    finally:
        adapters.close()


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def _get(port: int, path: str) -> tuple[int, int, int]:
    """Status, bytes and lines of a GET whose body is read and dropped as it arrives."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path)
    response = conn.getresponse()
    size = lines = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        lines += chunk.count(b"\n")
    conn.close()
    return response.status, size, lines


def export_once(count: int, work: Path) -> dict[str, Any]:
    """Seed `count` links, then stream their export once; peak RSS growth, time, bytes."""
    data_dir = work / f"links-{count}"
    seed(data_dir, count)
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(data_dir),
        "STORAGE": "sqlite",
        "MAINTENANCE_INTERVAL_S": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "shortstack.entrypoints.cli", "serve"]
    with (work / f"server-{count}.log").open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/health")
        _get(port, "/api/v1/links?limit=100")
        _get(port, "/api/v1/links?format=csv&tag=no-such-tag")
        before = _kib(server.pid, "VmRSS")
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # peak RSS := current RSS
        started = time.perf_counter()
        status, size, lines = _get(port, "/api/v1/links?format=csv")
        seconds = time.perf_counter() - started
        peak = _kib(server.pid, "VmHWM")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if status != 200 or lines != count + 1:
        raise SystemExit(f"export of {count:,} links: status {status}, {lines:,} lines")
    return {
        "links": count,
        "seconds": round(seconds, 2),
        "links_per_second": round(count / seconds),
        "megabytes": round(size / 1e6, 1),
        "rss_before_mib": round(before / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_growth_mib": round((peak - before) / 1024, 1),
    }


def measure(sizes: tuple[int, ...] = (10_000, 100_000)) -> dict[str, Any]:
    """One export per size, each on its own store and server; the growth ratio of the last two."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = [export_once(count, Path(tmp)) for count in sizes]
    small, large = runs[0], runs[-1]
    growth_ratio = large["peak_growth_mib"] / max(small["peak_growth_mib"], 0.1)
    return {"runs": runs, "growth_ratio": round(growth_ratio, 2)}


class _Answer:
    """What botocore reads of an HTTP response: a status, headers and a body stream."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def _answer_in_process(request: Any, **_: Any) -> Any:
    """S3's answer to the export's requests, after reading the body as a socket would."""
    from botocore.awsrequest import AWSResponse

    body = request.body
    if hasattr(body, "read"):
        while body.read(64 * 1024):
            pass
    xml = b""
    if request.method == "POST" and "uploads" in request.url:
        xml = (
            b"<InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>"
        )
    elif request.method == "POST":
        xml = b"<CompleteMultipartUploadResult><ETag>e</ETag></CompleteMultipartUploadResult>"
    return AWSResponse(request.url, 200, {"ETag": '"e"'}, _Answer(xml))


def s3_part_peak(megabytes: int = 40, part_size: int | None = None) -> dict[str, Any]:
    """The heap's peak while `megabytes` of CSV go to S3 in parts, over one part's size."""
    import tracemalloc

    import boto3

    from shortstack.adapters.s3.exports import PART_SIZE, S3ExportStore

    offline_aws_credentials()
    client = boto3.client("s3", region_name="eu-west-1")
    client.meta.events.register("before-send.s3", _answer_in_process)
    line = b"x0000001,https://example.com/articles/1?utm_source=bench,Article,bench,0\n"
    chunk = line * (64 * 1024 // len(line))
    chunks = megabytes * 1024 * 1024 // len(chunk)
    part_size = part_size or PART_SIZE
    store = S3ExportStore(client, client, "bucket", part_size=part_size)
    store.publish("warm-up", "links.csv", [chunk])  # botocore's models loaded before measuring
    tracemalloc.start()
    tracemalloc.reset_peak()
    store.publish("local", "links.csv", (chunk for _ in range(chunks)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "megabytes": round(chunks * len(chunk) / 2**20, 1),
        "part_mib": part_size / 2**20,
        "peak_heap_mib": round(peak / 2**20, 1),
        "peak_over_part": round(peak / part_size, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--s3", action="store_true", help="measure the S3 writer's heap peak")
    parser.add_argument("--megabytes", type=int, default=40)
    args = parser.parse_args()
    if args.s3:
        print(json.dumps(s3_part_peak(args.megabytes)))
        return
    sizes = tuple(int(size) for size in args.sizes.split(","))
    print(json.dumps(measure(sizes)))


if __name__ == "__main__":
    main()
