"""What counting orphan visits costs a 404: the local server's and the redirect Lambda's.

Local: GETs of unknown ids through the redirect's `answer` and the SQLite group commit,
as the local server runs them (32 in flight), with orphan visits counted (the default
cap) and not counted (ORPHAN_VISITS_DAILY_KEYS=0), alternately in the same minutes.
The ids repeat over 200 paths, so most visits add to a counter and some create one.

AWS: the DynamoDB calls of one 404 on the redirect Lambda's service (moto): the first
visit of a (path, referrer host, browser) key of the day, and a repeat; and how many
counters a day can hold, so the storage bound is a number.

    python -m bench.orphan_404 [--requests 4000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import offline_aws_credentials
from shortstack.bootstrap import Container, bootstrap
from shortstack.config import Settings
from shortstack.domain.auth import Principal
from shortstack.entrypoints.redirects import Reply, answer

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
HEADERS = {"accept": "application/json", "user-agent": CHROME, "referer": "https://t.co/x"}
IN_FLIGHT = 32
OPERATOR = Principal("local", "none")
PATHS = [f"missing-{n}" for n in range(200)]


async def _burst(container: Container, count: int) -> float:
    """Seconds for `count` 404s, IN_FLIGHT at a time, through the group commit."""
    writer = container.group_commit
    assert writer is not None

    def work(path: str) -> Reply:
        return answer(container.redirects, "GET", path, HEADERS, "bench")

    started = time.perf_counter()
    for offset in range(0, count, IN_FLIGHT):
        batch = [PATHS[(offset + n) % len(PATHS)] for n in range(IN_FLIGHT)]
        replies = await asyncio.gather(*(writer.run(lambda p=p: work(p)) for p in batch))
        assert all(reply.status == 404 for reply in replies)
    return time.perf_counter() - started


def local(requests: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="orphan-404-") as work:
        containers = {
            name: bootstrap(
                Settings(storage="sqlite", data_dir=Path(work) / name, orphan_visits_daily_keys=cap)
            )
            for name, cap in (("off", 0), ("on", 1000))
        }
        try:
            for container in containers.values():
                asyncio.run(_burst(container, IN_FLIGHT * 4))  # warm up
            runs: dict[str, list[float]] = {"off": [], "on": []}
            for _ in range(rounds):
                for name, container in containers.items():
                    seconds = asyncio.run(_burst(container, requests))
                    runs[name].append(seconds / requests * 1e6)
            listed = containers["on"].orphan_visits.list(OPERATOR, limit=100, cursor=None)
            counters_listed = len(listed.items)
        finally:
            for container in containers.values():
                container.close()
    off, on = statistics.median(runs["off"]), statistics.median(runs["on"])
    return {
        "us_per_404_not_counted": round(off, 1),
        "us_per_404_counted": round(on, 1),
        "ratio": round(on / off, 3),
        "runs_us": runs,
        "counters_on_first_page": counters_listed,
    }


def aws() -> dict[str, Any]:
    """DynamoDB calls of one 404 on the redirect Lambda's service, on moto."""
    offline_aws_credentials()
    from moto import mock_aws

    with mock_aws():
        import boto3

        from shortstack.adapters.crawlers import crawler_kind
        from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
        from shortstack.adapters.dynamodb.orphan_visits import DynamoDBOrphanVisitRepository
        from shortstack.adapters.dynamodb.outbox import StreamUnitOfWork
        from shortstack.adapters.dynamodb.password_attempts import DynamoDBPasswordAttempts
        from shortstack.adapters.dynamodb.table import create_table
        from shortstack.service_layer.redirects import RedirectService

        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "bench")
        calls: list[str] = []
        client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
        )

        def service(daily_keys: int) -> RedirectService:
            return RedirectService(
                DynamoDBLinkRepository(client, "bench"),
                StreamUnitOfWork(),
                DynamoDBPasswordAttempts(client, "bench"),
                crawler_kind,
                orphans=DynamoDBOrphanVisitRepository(client, "bench"),
                orphan_daily_keys=daily_keys,
            )

        def calls_of(redirects: RedirectService, path: str) -> list[str]:
            calls.clear()
            assert answer(redirects, "GET", path, HEADERS, "bench").status == 404
            return list(calls)

        off, on = service(0), service(1000)
        return {
            "calls_404_not_counted": calls_of(off, "missing-a"),
            "calls_404_new_key": calls_of(on, "missing-b"),
            "calls_404_known_key": calls_of(on, "missing-b"),
        }


def storage(attempts: int = 5000, daily_keys: int = 1000) -> dict[str, Any]:
    """What a script inventing `attempts` paths in one day leaves in SQLite."""
    from datetime import UTC, datetime

    from shortstack.adapters.sqlite.db import SqliteDatabase
    from shortstack.adapters.sqlite.orphan_visits import SqliteOrphanVisitRepository
    from shortstack.domain.orphan_visits import forget_after, orphan_visit_key

    with tempfile.TemporaryDirectory(prefix="orphan-store-") as work:
        db = SqliteDatabase(Path(work) / "db.sqlite3")
        repo = SqliteOrphanVisitRepository(db)
        now = datetime.now(UTC)
        keep = forget_after(now.date(), 30)
        kept = 0
        for n in range(attempts):
            # The longest parts a key may hold: a 64-character path, a long referrer host.
            key = orphan_visit_key(
                f"{n:08d}" + "x" * 56, now, f"https://{n:08d}.{'r' * 50}.example/", f"Bot{n}/1"
            )
            kept += repo.record(key, now, daily_keys=daily_keys, forget_after=keep)
        pages = (
            db.connection()
            .execute("SELECT count(*) FROM dbstat WHERE name LIKE '%orphan_visits%'")
            .fetchone()[0]
        )
        page_size = db.connection().execute("PRAGMA page_size").fetchone()[0]
        db.close()
    per_day = pages * page_size
    return {
        "new_keys_tried": attempts,
        "counters_kept": kept,
        "bytes_for_the_day": per_day,
        "bound_bytes_31_days": per_day * 31,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures = {"local": local(args.requests, args.rounds), "aws": aws(), "storage": storage()}
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
