"""Two minimal SQLite redirect apps that bound what any design can reach on this machine.

- `sync`: one autocommit `UPDATE ... RETURNING` per redirect on the event loop (what
  shortstack does, without its layers: no events, no extra headers, no service code).
- `group`: the same UPDATE, but a writer thread runs all waiting redirects in one
  transaction and commits once for the batch (group commit): still durable before
  the response, one commit per batch instead of per click.

Selected with FLOOR=sync|group; DB names the seeded SQLite file; FLOOR_SYNCHRONOUS
(NORMAL unless set) the durability, FULL for shortstack's default.
"""

from __future__ import annotations

import asyncio
import os
import queue
import sqlite3
import threading
from typing import Any

from shortstack.adapters.sqlite.links import _COUNT_CLICK
from shortstack.domain.clock import to_iso, utc_now

DB = os.environ["DB"]
_SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}[
    os.environ.get("FLOOR_SYNCHRONOUS", "normal").lower()
]
_NOT_FOUND = [(b"content-length", b"0")]


def _connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA synchronous={_SYNCHRONOUS}")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


async def _reply(send: Any, rows: list[Any]) -> None:
    if rows:
        headers = [(b"location", rows[0][0].encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 302, "headers": headers})
    else:
        await send({"type": "http.response.start", "status": 404, "headers": _NOT_FOUND})
    await send({"type": "http.response.body", "body": b""})


_sync_conn = _connect()


async def sync_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        now = to_iso(utc_now())
        params = (scope["path"][1:], now, now, None)  # id, start and expiry checks, no password
        await _reply(send, _sync_conn.execute(_COUNT_CLICK, params).fetchall())


_pending: queue.SimpleQueue[tuple[str, asyncio.Future[list[Any]]]] = queue.SimpleQueue()


def _writer(loop: asyncio.AbstractEventLoop) -> None:
    conn = _connect()
    while True:
        batch = [_pending.get()]
        while len(batch) < 256:
            try:
                batch.append(_pending.get_nowait())
            except queue.Empty:
                break
        now = to_iso(utc_now())
        conn.execute("BEGIN IMMEDIATE")
        results = [
            conn.execute(_COUNT_CLICK, (short_id, now, now, None)).fetchall()
            for short_id, _ in batch
        ]
        conn.execute("COMMIT")

        def resolve(batch: list[Any] = batch, results: list[Any] = results) -> None:
            for (_, future), rows in zip(batch, results, strict=True):
                future.set_result(rows)

        loop.call_soon_threadsafe(resolve)  # one wake-up of the loop per batch


_writer_started = threading.Lock()
_writer_thread: threading.Thread | None = None


async def group_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _writer_thread
    if scope["type"] != "http":
        return
    loop = asyncio.get_running_loop()
    with _writer_started:
        if _writer_thread is None:
            _writer_thread = threading.Thread(target=_writer, args=(loop,), daemon=True)
            _writer_thread.start()
    future: asyncio.Future[list[Any]] = loop.create_future()
    _pending.put((scope["path"][1:], future))
    await _reply(send, await future)


if __name__ == "__main__":
    from bench.common import serve_like_shortstack

    serve_like_shortstack(sync_app if os.environ["FLOOR"] == "sync" else group_app)
