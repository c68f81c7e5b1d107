"""Webhook subscriptions and their latest delivery attempts in SQLite.

`click_subscribers` answers, on every redirect, whether a click needs its LinkClicked
written (visit_fold.py): from memory, dropped whenever this process adds or revokes a
subscription and re-read at least every SUBSCRIBERS_REREAD_S, for a change another
process made to the same file.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
import time
from datetime import datetime

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict
from shortstack.domain.webhooks import DELIVERIES_SHOWN, Delivery, Webhook

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhooks (
    webhook_id TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    previous_secret TEXT,
    previous_until  TEXT,
    active          INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    disabled_at     TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    failing_since   TEXT
);
CREATE INDEX IF NOT EXISTS webhooks_by_owner ON webhooks (owner, created_at);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id   TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    ok           INTEGER NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL,
    payload      TEXT,
    redelivery_of TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);
"""
# Made by a version without secret rotation: the columns it lacks.
ROTATION_COLUMNS = (("previous_secret", "TEXT"), ("previous_until", "TEXT"))
# Made by a version that never turned subscriptions off: the columns it lacks.
SWITCH_COLUMNS = (
    ("active", "INTEGER NOT NULL DEFAULT 1"),
    ("disabled_reason", "TEXT"),
    ("disabled_at", "TEXT"),
    ("failures", "INTEGER NOT NULL DEFAULT 0"),
    ("failing_since", "TEXT"),
)
# Made by a version without redelivery: the columns it lacks (its attempts have no payload).
REDELIVERY_COLUMNS = (("payload", "TEXT"), ("redelivery_of", "TEXT"))
CLICKS = "LinkClicked"
SUBSCRIBERS_REREAD_S = 2.0


def _to_webhook(row: sqlite3.Row) -> Webhook:
    return Webhook(
        webhook_id=row["webhook_id"],
        owner=row["owner"],
        url=row["url"],
        events=tuple(json.loads(row["events"])),
        secret=row["secret"],
        created_at=from_iso(row["created_at"]),
        previous_secret=row["previous_secret"],
        previous_until=_time(row["previous_until"]),
        active=bool(row["active"]),
        disabled_reason=row["disabled_reason"],
        disabled_at=_time(row["disabled_at"]),
        failures=row["failures"],
        failing_since=_time(row["failing_since"]),
    )


def _time(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _to_delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        webhook_id=row["webhook_id"],
        delivery_id=row["delivery_id"],
        message_id=row["message_id"],
        event_type=row["event_type"],
        event_id=row["event_id"],
        attempted_at=from_iso(row["attempted_at"]),
        ok=bool(row["ok"]),
        status_code=row["status_code"],
        error=row["error"],
        duration_ms=row["duration_ms"],
        payload=row["payload"],
        redelivery_of=row["redelivery_of"],
    )


class SqliteWebhookRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("webhooks", SCHEMA)
        db.add_missing_columns("webhooks", ROTATION_COLUMNS)
        db.add_missing_columns("webhooks", SWITCH_COLUMNS)
        db.add_missing_columns("webhook_deliveries", REDELIVERY_COLUMNS)
        self._subscribers: frozenset[str] | None = None
        self._subscribers_until = 0.0
        self._changes = 0  # subscriptions added or revoked by this process
        self._changes_lock = threading.Lock()

    def click_subscribers(self) -> frozenset[str]:
        """The owners with a webhook that subscribes to LinkClicked."""
        cached, now = self._subscribers, time.monotonic()
        if cached is not None and now < self._subscribers_until:
            return cached
        changes = self._changes
        rows = self._db.connection().execute(
            "SELECT DISTINCT owner FROM webhooks WHERE events LIKE ? AND active = 1",
            (f'%"{CLICKS}"%',),
        )
        found = frozenset(row[0] for row in rows)
        with self._changes_lock:
            # A subscription changed while we read: what we read may predate it, keep nothing.
            if changes == self._changes:
                self._subscribers, self._subscribers_until = found, now + SUBSCRIBERS_REREAD_S
        return found

    def _forget_subscribers(self) -> None:
        with self._changes_lock:
            self._changes += 1
            self._subscribers = None

    def add(self, webhook: Webhook) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO webhooks (webhook_id, owner, url, events, secret, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        webhook.webhook_id,
                        webhook.owner,
                        webhook.url,
                        json.dumps(list(webhook.events)),
                        webhook.secret,
                        to_iso(webhook.created_at),
                    ),
                )
                self._db.after_commit(self._forget_subscribers)
        except sqlite3.IntegrityError as exc:
            raise Conflict("a webhook with this id already exists") from exc

    def get(self, owner: str, webhook_id: str) -> Webhook | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT * FROM webhooks WHERE owner = ? AND webhook_id = ?", (owner, webhook_id)
            )
            .fetchone()
        )
        return _to_webhook(row) if row else None

    def list(self, owner: str) -> list[Webhook]:
        rows = self._db.connection().execute(
            "SELECT * FROM webhooks WHERE owner = ? ORDER BY created_at, webhook_id", (owner,)
        )
        return [_to_webhook(row) for row in rows]

    def revoke(self, owner: str, webhook_id: str) -> bool:
        with self._db.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM webhooks WHERE owner = ? AND webhook_id = ?", (owner, webhook_id)
            ).rowcount
            if deleted:
                conn.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?", (webhook_id,))
                self._db.after_commit(self._forget_subscribers)
        return bool(deleted)

    def retarget(self, webhook: Webhook) -> bool:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE webhooks SET url = ?, events = ? WHERE owner = ? AND webhook_id = ?",
                (webhook.url, json.dumps(list(webhook.events)), webhook.owner, webhook.webhook_id),
            ).rowcount
            if changed:
                # Who subscribes to clicks may have changed.
                self._db.after_commit(self._forget_subscribers)
        return bool(changed)

    def replace_secrets(self, webhook: Webhook) -> bool:
        until = webhook.previous_until
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE webhooks SET secret = ?, previous_secret = ?, previous_until = ?"
                " WHERE owner = ? AND webhook_id = ?",
                (
                    webhook.secret,
                    webhook.previous_secret,
                    to_iso(until) if until else None,
                    webhook.owner,
                    webhook.webhook_id,
                ),
            ).rowcount
        return bool(changed)

    def switch(self, webhook: Webhook) -> bool:
        disabled_at = webhook.disabled_at
        since = webhook.failing_since
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE webhooks SET active = ?, disabled_reason = ?, disabled_at = ?,"
                " failures = ?, failing_since = ? WHERE owner = ? AND webhook_id = ?",
                (
                    int(webhook.active),
                    webhook.disabled_reason,
                    to_iso(disabled_at) if disabled_at else None,
                    webhook.failures,
                    to_iso(since) if since else None,
                    webhook.owner,
                    webhook.webhook_id,
                ),
            ).rowcount
            if changed:
                # An owner whose click receiver went off may need no LinkClicked any more.
                self._db.after_commit(self._forget_subscribers)
        return bool(changed)

    def count_failure(
        self, owner: str, webhook_id: str, at: datetime
    ) -> tuple[int, datetime] | None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "UPDATE webhooks SET failures = failures + 1,"
                " failing_since = COALESCE(failing_since, ?)"
                " WHERE owner = ? AND webhook_id = ? RETURNING failures, failing_since",
                (to_iso(at), owner, webhook_id),
            ).fetchone()
        return (row["failures"], from_iso(row["failing_since"])) if row else None

    def clear_failures(self, owner: str, webhook_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE webhooks SET failures = 0, failing_since = NULL"
                " WHERE owner = ? AND webhook_id = ? AND failures > 0",
                (owner, webhook_id),
            )

    def record_delivery(self, delivery: Delivery) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO webhook_deliveries (webhook_id, delivery_id, message_id, event_type,"
                " event_id, attempted_at, ok, status_code, error, duration_ms, payload,"
                " redelivery_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    delivery.webhook_id,
                    delivery.delivery_id,
                    delivery.message_id,
                    delivery.event_type,
                    delivery.event_id,
                    to_iso(delivery.attempted_at),
                    int(delivery.ok),
                    delivery.status_code,
                    delivery.error,
                    delivery.duration_ms,
                    delivery.payload,
                    delivery.redelivery_of,
                ),
            )
            # Only the latest attempts are ever shown: older ones go as new ones come.
            conn.execute(
                "DELETE FROM webhook_deliveries WHERE webhook_id = ? AND seq <= ("
                " SELECT seq FROM webhook_deliveries WHERE webhook_id = ?"
                " ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (delivery.webhook_id, delivery.webhook_id, DELIVERIES_SHOWN),
            )

    def deliveries(self, webhook_id: str, limit: int) -> builtins.list[Delivery]:
        rows = self._db.connection().execute(
            "SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT ?",
            (webhook_id, limit),
        )
        return [_to_delivery(row) for row in rows]
