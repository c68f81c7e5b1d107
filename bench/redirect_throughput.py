"""Local redirect throughput: `shortstack serve` next to a raw ASGI dict app on granian.

Both serve `GET /{id}` for the same N links on 127.0.0.1; wrk (1 thread, bounded
duration) asks for random ids among them, each request with a User-Agent, a referrer
and a language drawn from a realistic mix (bench/traffic.py), after an unmeasured 2 s
run that warms each server up. shortstack counts every click in
SQLite (one UPDATE per redirect, committed before the 302, the click folded into
its link's daily stats in the same transaction); the baseline app
(bench/bare_redirect_app.py) only looks the id up in a dict, served by granian, a
Rust HTTP server. After each shortstack run the clicks
stored are compared with the redirects wrk saw, and the clicks the daily stats hold
with the clicks stored, so a fast but uncounted run cannot pass unnoticed.

    python -m bench.redirect_throughput [--links 10000] [--seconds 10] [--connections 32]
                                        [--rounds 1] [--floors] [--servers]

--floors adds bench/floor_apps.py's two minimal SQLite apps (one UPDATE per
redirect; the same UPDATE through shortstack's group committer, fsynced as shortstack
fsyncs), which show what any design could reach here. --servers
serves both the dict app and shortstack's app on each server bench/serve_with.py knows
(uvicorn with h11, uvicorn with httptools and uvloop, granian): how the local server's
HTTP server was chosen (decision 0113).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench.common import REPO, WrkResult, child, free_port, run_wrk, wait_until_serving
from bench.serve_with import SERVERS
from bench.traffic import wrk_script
from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.links import SqliteLinkRepository
from shortstack.domain.target_urls import OwnHosts
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.links import LinksService

# The baseline of the throughput target (README, "Performance"): the dict app on granian.
BASELINE_SERVER = "granian"
# Each server's unmeasured run first: the measured one finds it warm, as a server that has
# been up a while is (its caches of the mix's User-Agents, crawler checks and referrers
# filled, its pages read: parsing a User-Agent the first time costs ~1.2 ms).
WARM_UP_S = 2


def seed(data_dir: Path, count: int) -> dict[str, str]:
    """`count` links in DATA_DIR's database, as the server will find them: {id: url}."""
    # Set-up, not measured: no fsync per link.
    db = SqliteDatabase(data_dir / "shortstack.sqlite3", synchronous="normal")
    links = LinksService(
        SqliteLinkRepository(db), PublishingUnitOfWork(MemoryEventPublisher()), OwnHosts()
    )
    created = {}
    for n in range(count):
        link = links.create("bench", url=f"https://example.com/articles/{n}?ref=bench")
        created[link.short_id] = link.url
    db.close()
    return created


def _count(data_dir: Path, query: str) -> int:
    # Closed here, not left to the garbage collector: a connection this process keeps open
    # loses its locks when any other descriptor of the file is closed (copying it), and the
    # server's last close then deletes the WAL it still reads ("database disk image is
    # malformed" on the next read).
    with closing(sqlite3.connect(data_dir / "shortstack.sqlite3")) as conn:
        return int(conn.execute(query).fetchone()[0])


def stored_clicks(data_dir: Path) -> int:
    """The visits the links count: people's clicks and crawlers' visits (counted apart)."""
    return _count(data_dir, "SELECT coalesce(sum(click_count + bot_count), 0) FROM links")


def folded_clicks(data_dir: Path) -> int:
    """The visits the links' daily stats hold (folded in each click's own transaction)."""
    return _count(data_dir, "SELECT coalesce(sum(clicks + bots), 0) FROM click_days")


def warm_up(url: str, script: Path, args: argparse.Namespace) -> None:
    """An unmeasured wrk run, and time for the requests it left in flight to be answered."""
    run_wrk(url, script, min(WARM_UP_S, args.seconds), args.connections)
    time.sleep(0.5)


def measure_bare(
    work: Path,
    links_file: Path,
    script: Path,
    args: argparse.Namespace,
    server: str = BASELINE_SERVER,
) -> WrkResult:
    """The dict app on `server` (the baseline: granian)."""
    port = free_port()
    env = {"BENCH_LINKS": str(links_file), "PORT": str(port)}
    command = [sys.executable, "-m", "bench.serve_with", server, "bare"]
    with child(command, env, work / f"bare-{server}.log"):
        wait_until_serving(f"http://127.0.0.1:{port}/-")
        warm_up(f"http://127.0.0.1:{port}", script, args)
        return run_wrk(f"http://127.0.0.1:{port}", script, args.seconds, args.connections)


def measure_app_on(
    server: str, work: Path, data_dir: Path, script: Path, args: argparse.Namespace
) -> tuple[WrkResult, int]:
    """shortstack's app, built as `shortstack serve` builds it, on `server`."""
    port = free_port()
    env = {"HOST": "127.0.0.1", "PORT": str(port), "DATA_DIR": str(data_dir), "STORAGE": "sqlite"}
    command = [sys.executable, "-m", "bench.serve_with", server, "shortstack"]
    with child(command, env, work / f"shortstack-{server}.log"):
        wait_until_serving(f"http://127.0.0.1:{port}/health")
        warm_up(f"http://127.0.0.1:{port}", script, args)
        before = stored_clicks(data_dir)
        result = run_wrk(f"http://127.0.0.1:{port}", script, args.seconds, args.connections)
    return result, stored_clicks(data_dir) - before


def measure_floor(
    floor: str, work: Path, seeded: Path, script: Path, args: argparse.Namespace
) -> WrkResult:
    """One of bench/floor_apps.py, on its own copy of the freshly seeded database `seeded`
    (copied before any server opened it: the links, no stats yet)."""
    copy = work / f"floor-{floor}.sqlite3"
    for stale in (copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        stale.unlink(missing_ok=True)  # an earlier round's WAL would not match the new copy
    shutil.copyfile(seeded, copy)
    port = free_port()
    env = {"DB": str(copy), "FLOOR": floor, "PORT": str(port)}
    with child([sys.executable, "-m", "bench.floor_apps"], env, work / f"floor-{floor}.log"):
        wait_until_serving(f"http://127.0.0.1:{port}/-")
        warm_up(f"http://127.0.0.1:{port}", script, args)
        return run_wrk(f"http://127.0.0.1:{port}", script, args.seconds, args.connections)


def measure_shortstack(
    work: Path, data_dir: Path, script: Path, args: argparse.Namespace, synchronous: str = "full"
) -> tuple[WrkResult, int]:
    """`shortstack serve` as `make run` starts it; SQLITE_SYNCHRONOUS=`synchronous`."""
    port = free_port()
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(data_dir),
        "STORAGE": "sqlite",
        "SQLITE_SYNCHRONOUS": synchronous,
    }
    command = [sys.executable, "-m", "shortstack.entrypoints.cli", "serve"]
    with child(command, env, work / "shortstack.log"):
        wait_until_serving(f"http://127.0.0.1:{port}/health")
        warm_up(f"http://127.0.0.1:{port}", script, args)
        before = stored_clicks(data_dir)
        result = run_wrk(f"http://127.0.0.1:{port}", script, args.seconds, args.connections)
    return result, stored_clicks(data_dir) - before


def stats_match_clicks(data_dir: Path) -> bool:
    """Every stored click is in its link's daily stats (no event waits to be folded)."""
    return folded_clicks(data_dir) == stored_clicks(data_dir)


@dataclass(frozen=True)
class StatsCheck:
    """After every run on one database: the clicks stored, and those its stats hold."""

    stored: int
    folded: int

    @property
    def exact(self) -> bool:
        return self.stored == self.folded


@dataclass(frozen=True)
class Throughput:
    bare: WrkResult
    shortstack: WrkResult  # SQLITE_SYNCHRONOUS=full, the default
    clicks_stored: int
    connections: int
    normal: WrkResult | None = None  # the same server with SQLITE_SYNCHRONOUS=normal
    # The clicks stored and those the links' daily stats hold, once the servers stopped.
    stats: StatsCheck | None = None
    # bench/floor_apps.py's group app on the same links: one UPDATE a click, the same group
    # commit and fsync, nothing else; what any design durable per click reaches here.
    floor: WrkResult | None = None

    @property
    def floor_ratio(self) -> float | None:
        """The floor app's requests/s as a fraction of the dict app's."""
        return None if self.floor is None else self.floor.requests_per_s / self.bare.requests_per_s

    @property
    def of_floor(self) -> float | None:
        """shortstack's requests/s as a fraction of the floor app's."""
        if self.floor is None:
            return None
        return self.shortstack.requests_per_s / self.floor.requests_per_s

    @property
    def full_cost(self) -> float | None:
        """synchronous=FULL's requests/s as a fraction of NORMAL's, in the same run."""
        if self.normal is None:
            return None
        return self.shortstack.requests_per_s / self.normal.requests_per_s

    @property
    def ratio(self) -> float:
        return self.shortstack.requests_per_s / self.bare.requests_per_s

    @property
    def p99_ratio(self) -> float:
        return self.shortstack.p99_ms / self.bare.p99_ms

    @property
    def every_click_recorded(self) -> bool:
        """Each redirect wrk saw answered was stored first.

        wrk stops with up to one request per connection in flight: those may be
        stored though wrk never counts their answers, hence the small allowance.
        """
        stored, answered = self.clicks_stored, self.shortstack.requests
        in_flight = answered <= stored <= answered + self.connections
        return self.shortstack.bad_responses == 0 and in_flight


def measure(
    links: int, seconds: int, connections: int, normal: bool = True, floor: bool = True
) -> Throughput:
    """The baseline's run and `shortstack serve`'s over the same freshly seeded links, then
    (`normal`) `shortstack serve` with SQLITE_SYNCHRONOUS=normal on the same data, then
    (`floor`) the minimal group-commit app on a copy of the links as seeded."""
    args = argparse.Namespace(seconds=seconds, connections=connections)
    (REPO / "bench" / ".work").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=REPO / "bench" / ".work") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        created = seed(data_dir, links)
        pristine = work / "seeded.sqlite3"
        shutil.copyfile(data_dir / "shortstack.sqlite3", pristine)
        links_file = work / "links.json"
        links_file.write_text(json.dumps(created))
        script = wrk_script(list(created), work / "clicks.lua")
        bare = measure_bare(work, links_file, script, args)
        mine, counted = measure_shortstack(work, data_dir, script, args)
        relaxed = measure_shortstack(work, data_dir, script, args, "normal")[0] if normal else None
        stats = StatsCheck(stored_clicks(data_dir), folded_clicks(data_dir))
        least = measure_floor("group", work, pristine, script, args) if floor else None
    return Throughput(bare, mine, counted, connections, relaxed, stats, least)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--floors", action="store_true", help="also run the minimal SQLite apps of floor_apps.py"
    )
    parser.add_argument(
        "--servers",
        action="store_true",
        help="also serve the dict app and shortstack's app on every server serve_with.py knows",
    )
    args = parser.parse_args()
    # Said before seeding 10,000 links, rather than as a traceback after.
    if shutil.which("wrk") is None:
        print(
            "wrk is missing: apt-get install -y wrk (make bench does so as root)", file=sys.stderr
        )
        return 2
    (REPO / "bench" / ".work").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=REPO / "bench" / ".work") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        links = seed(data_dir, args.links)
        seeded = work / "seeded.sqlite3"
        shutil.copyfile(data_dir / "shortstack.sqlite3", seeded)
        links_file = work / "links.json"
        links_file.write_text(json.dumps(links))
        script = wrk_script(list(links), work / "clicks.lua")
        print(
            f"{args.links} links, wrk -t1 -c{args.connections} -d{args.seconds}s, random ids\n\n"
            "| server | requests/s | p50 ms | p99 ms | requests | errors |\n"
            "|---|---|---|---|---|---|"
        )
        for _ in range(args.rounds):
            bare = measure_bare(work, links_file, script, args)
            print(bare.row(f"raw ASGI dict app on {BASELINE_SERVER}"), flush=True)
            mine, counted = measure_shortstack(work, data_dir, script, args)
            print(mine.row("shortstack serve (SQLite, counted, synchronous=FULL)"), flush=True)
            normal, _ = measure_shortstack(work, data_dir, script, args, "normal")
            print(normal.row("shortstack serve, synchronous=NORMAL"), flush=True)
            if args.servers:
                for server in SERVERS:
                    on = measure_bare(work, links_file, script, args, server)
                    print(on.row(f"dict app on {server}"), flush=True)
                    app, _ = measure_app_on(server, work, data_dir, script, args)
                    print(app.row(f"shortstack's app on {server}"), flush=True)
            if args.floors:
                for floor, label in (
                    ("sync", "minimal: 1 UPDATE per redirect"),
                    ("group", "minimal: group commit"),
                ):
                    print(measure_floor(floor, work, seeded, script, args).row(label), flush=True)
            print(
                f"\nratio {mine.requests_per_s / bare.requests_per_s:.2f}x throughput, "
                f"p99 {mine.p99_ms / bare.p99_ms:.2f}x; clicks stored {counted:,} "
                f"for {mine.requests:,} redirects wrk completed; stats hold every stored "
                f"click: {stats_match_clicks(data_dir)}\n",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
