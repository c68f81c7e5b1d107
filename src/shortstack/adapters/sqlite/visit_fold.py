"""Clicks folded into their stats in the click's own transaction (the local store).

On AWS the stream consumer folds clicks straight from the table's stream, and a
LinkClicked reaches the bus only when CLICK_EVENTS_ON_BUS says so (decision 0105).
Locally the same holds: a redirect adds its click to the link's and its owner's day
(the totals, each dimension, the visitor sketch) in the transaction that counts it.
On the server that is a group commit's transaction, and the group's clicks are summed
per link and day and written once, with a statement per table, just before its COMMIT
(`SqliteDatabase.stage`). A click and its stats commit together or not at all, and the
stats are exact when the 302 goes out.

The click's event is written to the queue only when something reads it:
CLICK_EVENTS_ON_BUS (every visit, crawlers' too), or a webhook of the link's owner that
subscribes to LinkClicked. Such a click is marked folded under its event's id, so the
dispatcher, which still folds the LinkClicked rows a queue holds, adds it only once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.stats import SketchMemo, ensure_click_schema, write_sums
from shortstack.adapters.sqlite.webhooks import SqliteWebhookRepository
from shortstack.domain.analytics import ClickFacts, UserAgentFamily, visit_facts
from shortstack.domain.link_routing import Destination
from shortstack.domain.visits import Click

_OWNERS = "SELECT short_id, owner FROM links WHERE short_id IN (SELECT value FROM json_each(?))"


class SqliteVisitFold:
    def __init__(
        self,
        db: SqliteDatabase,
        classify: Callable[[str | None], UserAgentFamily],
        webhooks: SqliteWebhookRepository,
        *,
        events_always: bool = False,
    ) -> None:
        self._db = db
        self._classify = classify
        self._webhooks = webhooks
        self.events_always = events_always
        # The large visitor sketches this store's flushes wrote last, decoded: flushes run
        # one at a time, under the database's write lock.
        self._memo = SketchMemo()
        ensure_click_schema(db)

    def wants_event(self, short_id: str, bot: bool) -> bool:
        if self.events_always:
            return True
        if bot:  # no webhook subscribes to crawlers' visits
            return False
        subscribers = self._webhooks.click_subscribers()
        return bool(subscribers) and self._owner_of(short_id) in subscribers

    def add(
        self, short_id: str, click: Click, destination: Destination | None, event_id: str | None
    ) -> None:
        facts = visit_facts(
            short_id,
            click,
            self._classify(click.user_agent),
            rule=destination.rule if destination else None,
            variant=destination.variant if destination else None,
            event_id=event_id or "",
        )
        self._db.stage(self._write, facts)

    def _write(self, conn: sqlite3.Connection, batch: list[ClickFacts]) -> None:
        """A transaction's clicks, summed per link and day, with their links' owners."""
        # The ids as one JSON array: the same statement (prepared once) for every group.
        ids = json.dumps(list({facts.short_id for facts in batch}))
        owners = {row[0]: row[1] for row in conn.execute(_OWNERS, (ids,))}
        write_sums(conn, batch, owners, self._memo)

    def _owner_of(self, short_id: str) -> str | None:
        row = (
            self._db.connection()
            .execute("SELECT owner FROM links WHERE short_id = ?", (short_id,))
            .fetchone()
        )
        return str(row[0]) if row else None
