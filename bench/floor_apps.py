"""Two minimal SQLite redirect apps that bound what any design can reach on this machine.

- `sync`: one autocommit `UPDATE ... RETURNING` per redirect on the event loop (what
  shortstack does, without its layers: no stats, no extra headers, no service code).
- `group`: the same UPDATE, run by shortstack's own group committer
  (adapters/sqlite/group_commit.py) on shortstack's own database settings: a writer
  thread runs every waiting redirect in one transaction and commits once for the group;
  at FULL a second thread fdatasyncs the WAL while the writer runs the next group, and a
  redirect is answered only once its group is on disk (decision 0104). The durability
  scheme, the checkpoints and the handoff are shortstack's; what this app leaves out is
  what a click costs on top of them.

Selected with FLOOR=sync|group; DB names the seeded SQLite file; FLOOR_SYNCHRONOUS
(`full` unless set, shortstack's default; `normal`: no fsync at all) the durability.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any, Literal

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.group_commit import GroupCommitter
from shortstack.adapters.sqlite.links import _COUNT_CLICK
from shortstack.domain.clock import to_iso, utc_now

DB = os.environ["DB"]
_SYNCHRONOUS: Literal["full", "normal"] = (
    "normal" if os.environ.get("FLOOR_SYNCHRONOUS", "full").lower() == "normal" else "full"
)
_NOT_FOUND = [(b"content-length", b"0")]


async def _reply(send: Any, rows: list[Any]) -> None:
    if rows:
        headers = [(b"location", rows[0][0].encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 302, "headers": headers})
    else:
        await send({"type": "http.response.start", "status": 404, "headers": _NOT_FOUND})
    await send({"type": "http.response.body", "body": b""})


def _count(conn: sqlite3.Connection, short_id: str) -> list[Any]:
    now = to_iso(utc_now())
    # The link's id, its start and expiry checks, no password.
    return conn.execute(_COUNT_CLICK, (short_id, now, now, None)).fetchall()


_sync_conn = sqlite3.connect(DB, isolation_level=None, check_same_thread=False)
_sync_conn.execute(f"PRAGMA synchronous={_SYNCHRONOUS}")
_sync_conn.execute("PRAGMA busy_timeout=10000")


async def sync_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await _reply(send, _count(_sync_conn, scope["path"][1:]))


_db = SqliteDatabase(DB, synchronous=_SYNCHRONOUS)
_committer = GroupCommitter(_db)


async def group_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    short_id = scope["path"][1:]

    def work() -> list[Any]:
        return _count(_db.connection(), short_id)

    # Self-contained: one UPDATE, nothing to undo, so no savepoint (as a redirect runs).
    await _reply(send, await _committer.run(work, self_contained=True))


if __name__ == "__main__":
    from bench.common import serve_like_shortstack

    serve_like_shortstack(sync_app if os.environ["FLOOR"] == "sync" else group_app)
