"""CPU a click of the local redirect path without HTTP, before and after a change.

On a shared machine wrk's requests/s move by tens of percent from one minute to the
next; the work a click costs moves much less. This runs shortstack's redirect layer and
group commit as `shortstack serve` builds them (SQLite, FULL), with 32 concurrent
clients asking for random ids among 10,000 links, in a fresh process per run, and prints
per click: the process's CPU time, the bytes and the write and read system calls it
made (WAL frames, pages read back). The `--before` git revision runs from a temporary
worktree (its `shortstack` package first on the path), alternated with this tree's.

    python -m bench.redirect_cpu --before origin/main [--rounds 4] [--clicks 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO
from bench.redirect_ab import checkout
from bench.redirect_throughput import seed

CLIENTS = 32


def _io() -> dict[str, int]:
    return {
        name: int(value)
        for name, value in (
            line.split(": ") for line in Path("/proc/self/io").read_text().splitlines()
        )
    }


def child(clicks: int) -> None:
    """One run on DATA_DIR: a warm-up of `clicks`, then `clicks` measured."""
    from shortstack.bootstrap import bootstrap
    from shortstack.config import Settings
    from shortstack.entrypoints.http.app import create_app

    layer = create_app(bootstrap(Settings())).redirect_layer
    assert layer is not None
    with sqlite3.connect(Path(os.environ["DATA_DIR"]) / "shortstack.sqlite3") as conn:
        ids = [row[0] for row in conn.execute("SELECT short_id FROM links")]
    headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]
    picks = random.Random(42)
    left = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            short_id = picks.choice(ids)
            scope = {
                "type": "http",
                "method": "GET",
                "path": f"/{short_id}",
                "headers": headers,
                "client": ("127.0.0.1", 50000),
                "query_string": b"",
            }
            reply = await layer.reply_to(scope, short_id, receive)
            assert reply.status == 302, reply

    async def run() -> None:
        await asyncio.gather(*(client() for _ in range(CLIENTS)))

    left = clicks
    asyncio.run(run())
    left = clicks
    before, cpu, wall = _io(), time.process_time(), time.perf_counter()
    asyncio.run(run())
    after = _io()
    print(
        f"{(time.process_time() - cpu) / clicks * 1e6:.1f} us CPU, "
        f"{(time.perf_counter() - wall) / clicks * 1e6:.1f} us wall, "
        f"{(after['wchar'] - before['wchar']) / clicks / 1024:.1f} KiB written, "
        f"{(after['syscw'] - before['syscw']) / clicks:.1f} writes, "
        f"{(after['syscr'] - before['syscr']) / clicks:.1f} reads a click",
        flush=True,
    )
    os._exit(0)  # the writer and checkpoint threads need no orderly stop here


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="origin/main", help="the git revision to compare")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--clicks", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.clicks)
        return 0
    (REPO / "bench" / ".work").mkdir(exist_ok=True)
    with (
        checkout(args.before) as before,
        tempfile.TemporaryDirectory(dir=REPO / "bench" / ".work") as tmp,
    ):
        work = Path(tmp)
        seed(work / "seed", args.links)
        for round_ in range(args.rounds):
            for name, source in (("before", before / "src"), ("after", REPO / "src")):
                data = work / f"{name}-{round_}"
                shutil.copytree(work / "seed", data)
                env = {
                    **os.environ,
                    "DATA_DIR": str(data),
                    "STORAGE": "sqlite",
                    "SQLITE_SYNCHRONOUS": "full",
                    "PYTHONPATH": f"{source}{os.pathsep}{REPO}",
                }
                command = [sys.executable, "-m", "bench.redirect_cpu", "--child"]
                command += ["--clicks", str(args.clicks)]
                found = subprocess.run(
                    command, env=env, cwd=REPO, capture_output=True, text=True, check=True
                )
                print(f"round {round_} {name:6s} {found.stdout.strip()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
