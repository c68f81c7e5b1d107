"""CPU a click of the local redirect path without HTTP, before and after a change.

On a shared machine wrk's requests/s move by tens of percent from one minute to the
next; the work a click costs moves much less. This runs shortstack's redirect layer and
group commit as `shortstack serve` builds them (SQLite, FULL), with 32 concurrent
clients asking for random ids among 10,000 links, in a fresh process per run, and prints
per click: the process's CPU time (and the group-commit writer thread's), the bytes and
the write and read system calls it made (WAL frames, pages read back). The `--before`
git revision runs from a temporary worktree (its `shortstack` package first on the
path), alternated with this tree's.

The clicks carry the throughput benchmark's mix of headers (bench/traffic.py: browsers,
crawlers, referrers, languages, drawn from a seeded generator, the same on every run);
`--fixed-headers` sends one User-Agent and nothing else, as wrk once did. Before the
measured clicks, every User-Agent of the mix is seen once and `--clicks` more are run, so
the caches hold what a server that has been up a while holds.

`--lockstep` sends the clicks as `--instructions` does (below): the same groups on every
run, so the writer's CPU a click moves with the machine only.

`--instructions` counts machine instructions instead (valgrind's cachegrind, which the
neighbours do not move): a run of `--clicks` measured clicks minus one of a fifth as
many, after the same warm-up, divided by the difference. The clicks then go to the
writer in groups of 32, each once the last is answered (as the server's protocol hands a
loop turn's requests over), so that every run makes the same groups: with 32 clients
racing the writer, the groups' sizes, and so the count, moved by ~3% from run to run.
It leaves out the kernel's work.

    python -m bench.redirect_cpu --before origin/main [--rounds 4] [--clicks 10000]
    python -m bench.redirect_cpu --before origin/main --instructions [--clicks 2500]
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

from bench import traffic
from bench.common import REPO
from bench.redirect_ab import checkout, counted
from bench.redirect_throughput import seed

CLIENTS = 32


def _io() -> dict[str, int]:
    return {
        name: int(value)
        for name, value in (
            line.split(": ") for line in Path("/proc/self/io").read_text().splitlines()
        )
    }


Headers = list[tuple[bytes, bytes]]
_ACCEPT = b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _drawn(table: list[tuple[str, float]], draw: random.Random, count: int) -> list[bytes]:
    values, shares = zip(*table, strict=True)
    return [value.encode() for value in draw.choices(values, weights=shares, k=count)]


def mixed_headers(count: int, draw: random.Random) -> list[Headers]:
    """`count` requests' headers drawn from the throughput benchmark's mix."""
    agents = _drawn(traffic.user_agents(), draw, count)
    referrers = _drawn(traffic.referrers(), draw, count)
    languages = _drawn(traffic.languages(), draw, count)
    found = []
    for agent, referrer, language in zip(agents, referrers, languages, strict=True):
        headers = [(b"host", b"127.0.0.1"), (b"accept", _ACCEPT)]
        headers += [(b"accept-encoding", b"gzip, deflate, br"), (b"user-agent", agent)]
        if referrer:
            headers.append((b"referer", referrer))
        if language:
            headers.append((b"accept-language", language))
        found.append(headers)
    return found


def child(clicks: int, warm_up: int, fixed_headers: bool, lockstep: bool = False) -> None:
    """One run on DATA_DIR: a warm-up (every User-Agent once, then `warm_up` clicks), then
    `clicks` measured. `lockstep`: the clicks go to the writer CLIENTS at a time, as the
    server's protocol hands them over (`reply_then`), each group once the last is answered:
    the same groups on every run, so that instruction counts repeat."""
    from shortstack.bootstrap import bootstrap
    from shortstack.config import Settings
    from shortstack.entrypoints.http.app import create_app

    layer = create_app(bootstrap(Settings())).redirect_layer
    assert layer is not None
    with sqlite3.connect(Path(os.environ["DATA_DIR"]) / "shortstack.sqlite3") as conn:
        ids = [row[0] for row in conn.execute("SELECT short_id FROM links")]
    picks = random.Random(42)
    if fixed_headers:
        one: Headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]
        requests = [one] * (warm_up + clicks)
        first: list[Headers] = []
    else:
        requests = mixed_headers(warm_up + clicks, random.Random(traffic.SEED))
        first = [
            [(b"host", b"127.0.0.1"), (b"user-agent", agent.encode())]
            for agent, _ in traffic.user_agents()
        ]
    sent = iter(first + requests)
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
                "headers": next(sent),
                "client": ("127.0.0.1", 50000),
                "query_string": b"",
            }
            reply = await layer.reply_to(scope, short_id, receive)
            assert reply.status == 302, reply

    async def one_group(size: int) -> None:
        done = asyncio.get_running_loop().create_future()
        waiting = size

        def then(reply: Any) -> None:
            nonlocal waiting
            assert reply.status == 302, reply
            waiting -= 1
            if not waiting:
                done.set_result(None)

        for _ in range(size):
            short_id = picks.choice(ids)
            found = layer.reply_then("GET", short_id, next(sent), ("127.0.0.1", 1), b"", then)
            assert found is None, found
        await done

    async def in_groups() -> None:
        nonlocal left
        while left > 0:
            size = min(CLIENTS, left)
            left -= size
            await one_group(size)

    async def run() -> None:
        if lockstep:
            await in_groups()
        else:
            await asyncio.gather(*(client() for _ in range(CLIENTS)))

    left = len(first) + warm_up
    asyncio.run(run())
    left = clicks
    writer = _writer_thread(layer)
    before, cpu, wall = _io(), time.process_time(), time.perf_counter()
    writer_cpu = _thread_cpu(writer)
    asyncio.run(run())
    writer_cpu = _thread_cpu(writer) - writer_cpu
    after = _io()
    print(
        f"{(time.process_time() - cpu) / clicks * 1e6:.1f} us CPU "
        f"(writer {writer_cpu / clicks * 1e6:.1f}), "
        f"{(time.perf_counter() - wall) / clicks * 1e6:.1f} us wall, "
        f"{(after['wchar'] - before['wchar']) / clicks / 1024:.1f} KiB written, "
        f"{(after['syscw'] - before['syscw']) / clicks:.1f} writes, "
        f"{(after['syscr'] - before['syscr']) / clicks:.1f} reads a click",
        flush=True,
    )
    os._exit(0)  # the writer and checkpoint threads need no orderly stop here


def _writer_thread(layer: Any) -> int:
    """The group-commit writer's thread id (it has run the warm-up)."""
    thread = layer.writer._thread
    assert thread is not None
    assert thread.native_id is not None
    return int(thread.native_id)


def _thread_cpu(tid: int) -> float:
    """Seconds of CPU (user and system) thread `tid` of this process has used."""
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="origin/main", help="the git revision to compare")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--clicks", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument(
        "--warm-up", type=int, help="clicks before the measured ones (default: --clicks)"
    )
    parser.add_argument(
        "--fixed-headers", action="store_true", help="one User-Agent, no referrer (not the mix)"
    )
    parser.add_argument(
        "--instructions", action="store_true", help="machine instructions a click (cachegrind)"
    )
    parser.add_argument(
        "--lockstep", action="store_true", help="clicks in groups of 32 (as --instructions)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warm_up = args.clicks if args.warm_up is None else args.warm_up
    if args.child:
        child(args.clicks, warm_up, args.fixed_headers, lockstep=args.instructions or args.lockstep)
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
                command += ["--warm-up", str(warm_up)]
                command += ["--fixed-headers"] if args.fixed_headers else []
                command += ["--instructions"] if args.instructions else []
                command += ["--lockstep"] if args.lockstep else []
                if args.instructions:
                    few = max(1, args.clicks // 5)
                    runs = []
                    for clicks in (few, args.clicks):
                        shutil.rmtree(data)
                        shutil.copytree(work / "seed", data)
                        runs.append(counted([*command, "--clicks", str(clicks)], env))
                    each = (runs[1] - runs[0]) / (args.clicks - few)
                    print(f"round {round_} {name:6s} {each:,.0f} instructions a click", flush=True)
                    continue
                command += ["--clicks", str(args.clicks)]
                found = subprocess.run(
                    command, env=env, cwd=REPO, capture_output=True, text=True, check=True
                )
                print(f"round {round_} {name:6s} {found.stdout.strip()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
