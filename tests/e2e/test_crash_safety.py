"""SIGKILL the real server mid-load: every acknowledged write survives, the queue resumes.

Several clients create items and links and follow redirects while the server is killed
with SIGKILL (no shutdown hook runs). Then a new server starts on the same DATA_DIR.
What the local durability promises (decision 0001, adapters/sqlite/db.py):

- a 2xx means the write was committed (WAL, synchronous=FULL: fsynced, decision 0104): it
  survives a process kill, and a power cut too (which no test here can cut);
- a link's click_count is at least the 302s the clients received and at most the
  redirects they sent (a request in flight at the kill may or may not have committed);
- the click and its stats commit in one transaction (the group commit of decision 0104,
  the click folded in place, adapters/sqlite/visit_fold.py), so after the restart each
  link's stats equal its click_count exactly, and the queue drains with nothing
  dead-lettered.
"""

from __future__ import annotations

import http.client
import os
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.server import Server, call, running_server

CLIENTS = 6
HOT_LINKS = 5
# `make stress` kills more servers, at different moments of the load.
KILLS = 8 if os.environ.get("STRESS") == "1" else 1


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged with a 2xx/302."""

    items: dict[str, str] = field(default_factory=dict)  # item_id -> name
    links: dict[str, str] = field(default_factory=dict)  # short_id -> url
    clicks_sent: Counter[str] = field(default_factory=Counter)
    clicks_acknowledged: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(
    server: Server, number: int, hot: list[str], ledger: Ledger, stop: threading.Event
) -> None:
    step = 0
    while not stop.is_set():
        step += 1
        kind = step % 3
        try:
            if kind == 0:
                name = f"client {number} item {step}"
                body = {"name": name, "price": step, "category": f"c{number}"}
                status, _, created = call(server, "POST", "/api/v1/items", body)
                if status == 201:
                    with ledger.lock:
                        ledger.items[created["item_id"]] = name
            elif kind == 1:
                url = f"https://example.com/{number}/{step}"
                body = {"url": url}
                status, _, created = call(server, "POST", "/api/v1/links", body)
                if status == 201:
                    with ledger.lock:
                        ledger.links[created["short_id"]] = url
            else:
                short_id = hot[step % len(hot)]
                with ledger.lock:
                    ledger.clicks_sent[short_id] += 1
                status = call(server, "GET", f"/{short_id}")[0]
                if status == 302:
                    with ledger.lock:
                        ledger.clicks_acknowledged[short_id] += 1
        except (OSError, http.client.HTTPException):
            return  # the server is gone


def _queue_counts(data_dir: Path) -> tuple[int, int]:
    with sqlite3.connect(data_dir / "shortstack.sqlite3", timeout=10) as connection:
        waiting = connection.execute("SELECT COUNT(*) FROM event_queue").fetchone()[0]
        dead = connection.execute("SELECT COUNT(*) FROM event_dead_letters").fetchone()[0]
    return int(waiting), int(dead)


@pytest.mark.parametrize("kill", range(KILLS))
def test_sigkill_mid_load_loses_no_acknowledged_write(tmp_path: Path, kill: int) -> None:
    ledger = Ledger()
    writes_before_kill = 150 + 60 * kill
    with running_server(tmp_path) as first:
        hot = []
        for n in range(HOT_LINKS):
            status, _, link = call(
                first, "POST", "/api/v1/links", {"url": f"https://hot.example/{n}"}
            )
            assert status == 201
            hot.append(link["short_id"])
        stop = threading.Event()
        clients = [
            threading.Thread(target=_client, args=(first, n, hot, ledger, stop))
            for n in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with ledger.lock:
                acknowledged = len(ledger.items) + len(ledger.links)
                clicked = sum(ledger.clicks_acknowledged.values())
            if acknowledged >= writes_before_kill and clicked >= 100:
                break
            time.sleep(0.02)
        first.process.kill()  # SIGKILL mid-load: no lifespan shutdown, no final commit
        first.process.wait(10)
        stop.set()
        for client in clients:
            client.join(15)
    # The kill must land mid-load, after plenty of acknowledged writes of each kind.
    assert len(ledger.items) >= 50
    assert len(ledger.links) >= 50

    with running_server(tmp_path) as second:
        for item_id, name in ledger.items.items():
            status, _, item = call(second, "GET", f"/api/v1/items/{item_id}")
            assert (status, item["name"]) == (200, name)
        for short_id, url in ledger.links.items():
            status, headers, _ = call(second, "HEAD", f"/{short_id}")
            assert (status, headers["location"]) == (302, url)
        counts = {
            short_id: call(second, "GET", f"/api/v1/links/{short_id}")[2]["click_count"]
            for short_id in hot
        }
        for short_id in hot:
            assert ledger.clicks_acknowledged[short_id] <= counts[short_id]
            assert counts[short_id] <= ledger.clicks_sent[short_id]
        # The stats equal the counts, click for click, and the queue resumes and drains.
        deadline = time.monotonic() + 60
        while True:
            folded = {
                short_id: call(second, "GET", f"/api/v1/links/{short_id}/stats")[2]["clicks"]
                for short_id in hot
            }
            if folded == counts and _queue_counts(tmp_path)[0] == 0:
                break
            assert time.monotonic() < deadline, f"stats stuck at {folded}, counts {counts}"
            time.sleep(0.2)
        assert _queue_counts(tmp_path) == (0, 0)
