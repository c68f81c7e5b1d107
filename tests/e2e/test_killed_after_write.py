"""A process killed right after its write still yields the write's event, on both runtimes.

A child process runs a use case and is SIGKILLed at one of two moments: just after
the repository's write returned (inside the unit of work), or just after the use case
returned (before any answer could be sent). Then the parent looks at what survived:

- an item, a link or a click that exists has its event: the SQLite queue row shares
  the write's transaction, and on DynamoDB the stream carries the committed write;
- an event exists only for a write that exists.

A local click writes no event unless something subscribes to it: its stats, folded in
the click's transaction, are what must exist if and only if the click does.

Before the outbox, each use case wrote and then published in a second step, and a
kill between the two kept the write and lost its event: this test would have failed.
The DynamoDB case needs the official engine (DynamoDB Local), shared across processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DYNAMODB_LOCAL, TABLE_NAME

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, signal, sys
from decimal import Decimal
from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.domain.visits import Visit

storage, data_dir, endpoint, table, moment, action = sys.argv[1:7]
extra = {"aws_endpoint_url": endpoint} if endpoint else {}
app = bootstrap(Settings(storage=storage, data_dir=data_dir, table_name=table, **extra))

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def after_write(repository, name):
    real = getattr(repository, name)
    def write(*args, **kwargs):
        result = real(*args, **kwargs)
        die()
        return result
    setattr(repository, name, write)

if action == "click":
    app.links.create("alice", url="https://example.com/", alias="killed")
    if moment == "write":
        after_write(app.redirects.links, "record_click")
    app.redirects.follow("killed", Visit())
elif action == "link":
    if moment == "write":
        after_write(app.links.links, "add")
    app.links.create("alice", url="https://example.com/", alias="killed")
else:
    if moment == "write":
        after_write(app.items.items, "add")
    app.items.create("alice", name="Lamp", description=None, price=Decimal(9), category="x")
die()
"""

KIND = {"item": "ItemCreated", "link": "LinkCreated", "click": "LinkClicked"}


def run_child(storage: str, data_dir: Path, endpoint: str, moment: str, action: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, storage, str(data_dir), endpoint, TABLE_NAME, moment, action],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr


def survivors_sqlite(data_dir: Path, action: str) -> tuple[int, int]:
    """(writes, events) of `action` found in the SQLite file after the kill."""
    import sqlite3

    conn = sqlite3.connect(data_dir / "shortstack.sqlite3")
    events = [json.loads(row[0]) for row in conn.execute("SELECT body FROM event_queue")]
    if action == "item":
        writes = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    elif action == "link":
        writes = conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
    else:
        row = conn.execute("SELECT click_count FROM links WHERE short_id = 'killed'").fetchone()
        writes = row[0] if row else 0
        folded = conn.execute(
            "SELECT COALESCE(SUM(clicks), 0) FROM click_days WHERE short_id = 'killed'"
        ).fetchone()[0]
        conn.close()
        return writes, int(folded)
    conn.close()
    return writes, sum(1 for event in events if event["detail-type"] == KIND[action])


def survivors_dynamodb(client: Any, tail: Any, action: str) -> tuple[int, int]:
    events = tail.events(KIND[action])
    items = client.scan(TableName=TABLE_NAME)["Items"]
    if action == "item":
        writes = sum(1 for item in items if item.get("entity", {}).get("S") == "item")
    elif action == "link":
        writes = sum(1 for item in items if item.get("entity", {}).get("S") == "link")
    else:
        [link] = [item for item in items if item["PK"]["S"] == "LINK#killed"]
        writes = int(link["click_count"]["N"])
    return writes, len(events)


@pytest.mark.slow
@pytest.mark.parametrize("action", ["item", "link", "click"])
@pytest.mark.parametrize("moment", ["write", "return"])
@pytest.mark.parametrize("runtime", ["sqlite", DYNAMODB_LOCAL])
def test_a_write_exists_if_and_only_if_its_event_does(
    runtime: str, moment: str, action: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if runtime == "sqlite":
        run_child("sqlite", tmp_path, "", moment, action)
        writes, events = survivors_sqlite(tmp_path, action)
    else:
        import boto3

        from tests.stream_esm import StreamTail

        client = request.getfixturevalue("dynamodb_local")
        endpoint = request.getfixturevalue("dynamodb_local_endpoint")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1", endpoint_url=endpoint)
        tail = StreamTail(client, TABLE_NAME, streams)
        run_child("dynamodb", tmp_path, endpoint, moment, action)
        writes, events = survivors_dynamodb(client, tail, action)
    assert writes == events
    if moment == "return" or runtime != "sqlite":
        assert writes == 1  # it committed before the kill: its event is there too
