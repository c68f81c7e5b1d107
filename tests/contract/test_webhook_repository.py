"""WebhookRepository contract: per-owner subscriptions and their latest delivery attempts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.bootstrap import Adapters
from shortstack.domain.errors import Conflict
from shortstack.domain.webhooks import (
    DELIVERIES_SHOWN,
    Delivery,
    Webhook,
    new_webhook,
    rotated,
    switched,
    worn_out,
)
from shortstack.service_layer.ports import WebhookRepository
from tests.concurrency import race
from tests.contract.conftest import present

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def make(owner: str, minutes: int = 0, events: tuple[str, ...] = ("LinkCreated",)) -> Webhook:
    return new_webhook(
        owner,
        "https://hooks.example.com/in",
        events,
        T0 + timedelta(minutes=minutes),
        allow_http=False,
    )


def attempt(hook: Webhook, n: int, *, ok: bool = True) -> Delivery:
    return Delivery(
        webhook_id=hook.webhook_id,
        delivery_id=f"d{n:04d}",
        message_id=f"msg_e{n}_{hook.webhook_id}",
        event_type="LinkCreated",
        event_id=f"e{n}",
        attempted_at=T0 + timedelta(seconds=n),
        ok=ok,
        status_code=204 if ok else None,
        error=None if ok else "TimeoutError: no answer",
        duration_ms=12,
    )


@pytest.fixture
def repo(adapters: Adapters) -> WebhookRepository:
    return adapters.webhooks


def test_a_subscription_round_trips_with_its_secret(repo: WebhookRepository) -> None:
    hook = make("alice", events=("LinkClicked", "ImportFinished"))
    repo.add(hook)
    assert present(repo.get("alice", hook.webhook_id)) == hook
    assert repo.list("alice") == [hook]


def test_another_owner_neither_sees_nor_revokes_it(repo: WebhookRepository) -> None:
    hook = make("alice")
    repo.add(hook)
    assert repo.get("bob", hook.webhook_id) is None
    assert repo.list("bob") == []
    assert repo.revoke("bob", hook.webhook_id) is False
    assert repo.list("alice") == [hook]


def test_owner_names_cannot_forge_each_others_partition(repo: WebhookRepository) -> None:
    repo.add(make("a#WEBHOOKS"))
    assert repo.list("a") == []


def test_lists_are_oldest_first(repo: WebhookRepository) -> None:
    later, earlier = make("alice", minutes=5), make("alice", minutes=1)
    repo.add(later)
    repo.add(earlier)
    assert repo.list("alice") == [earlier, later]


def test_the_same_id_twice_is_a_conflict(repo: WebhookRepository) -> None:
    hook = make("alice")
    repo.add(hook)
    with pytest.raises(Conflict):
        repo.add(hook)


def test_revoke_deletes_once(repo: WebhookRepository) -> None:
    hook = make("alice")
    repo.add(hook)
    assert repo.revoke("alice", hook.webhook_id) is True
    assert repo.get("alice", hook.webhook_id) is None
    assert repo.revoke("alice", hook.webhook_id) is False


def test_deliveries_are_newest_first_and_bounded(repo: WebhookRepository) -> None:
    hook, other = make("alice"), make("alice", minutes=1)
    repo.add(hook)
    repo.add(other)
    repo.record_delivery(attempt(hook, 1, ok=False))
    repo.record_delivery(attempt(hook, 2))
    repo.record_delivery(attempt(other, 3))
    assert repo.deliveries(hook.webhook_id, 10) == [attempt(hook, 2), attempt(hook, 1, ok=False)]
    assert repo.deliveries(hook.webhook_id, 1) == [attempt(hook, 2)]
    assert repo.deliveries("none", 10) == []


def test_at_least_the_shown_number_of_deliveries_is_kept(repo: WebhookRepository) -> None:
    hook = make("alice")
    repo.add(hook)
    for n in range(DELIVERIES_SHOWN + 5):
        repo.record_delivery(attempt(hook, n))
    kept = repo.deliveries(hook.webhook_id, DELIVERIES_SHOWN)
    assert [d.event_id for d in kept] == [f"e{n}" for n in range(DELIVERIES_SHOWN + 4, 4, -1)]


def test_an_attempt_keeps_its_body_and_the_attempt_it_sent_again(repo: WebhookRepository) -> None:
    hook = make("alice")
    repo.add(hook)
    body = '{"type":"LinkCreated","data":{"title":"caf\u00e9 \u2603"}}' + " " * 9_000
    first = replace(attempt(hook, 1, ok=False), payload=body)
    again = replace(attempt(hook, 2), payload=body, redelivery_of=first.delivery_id)
    repo.record_delivery(first)
    repo.record_delivery(again)
    assert repo.deliveries(hook.webhook_id, 10) == [again, first]
    assert (again.redeliverable, attempt(hook, 3).redeliverable) == (True, False)


def test_failures_in_a_row_count_atomically_and_start_again_once_forgotten(
    repo: WebhookRepository,
) -> None:
    hook = make("alice")
    repo.add(hook)
    workers = 8

    def fail(n: int) -> str:
        for _ in range(5):
            present(repo.count_failure("alice", hook.webhook_id, T0 + timedelta(seconds=n)))
        return "counted"

    assert race(workers, fail) == ["counted"] * workers
    counted = present(repo.get("alice", hook.webhook_id))
    assert counted.failures == 5 * workers  # two consumers failing at once both count
    assert T0 <= present(counted.failing_since) < T0 + timedelta(seconds=workers)
    later = T0 + timedelta(days=2)
    repo.clear_failures("alice", hook.webhook_id)
    assert repo.count_failure("alice", hook.webhook_id, later) == (1, later)
    assert repo.count_failure("bob", hook.webhook_id, later) is None


def test_switching_stores_on_off_and_why_and_only_for_the_owner(repo: WebhookRepository) -> None:
    hook = make("alice")
    repo.add(hook)
    repo.count_failure("alice", hook.webhook_id, T0)
    off = present(worn_out(hook, 30, T0, T0 + timedelta(days=1), "the receiver answered 503"))
    assert repo.switch(replace(off, owner="bob")) is False
    assert repo.switch(off) is True
    assert present(repo.get("alice", hook.webhook_id)) == off
    assert repo.list("alice") == [off]
    on = switched(off, True, T0 + timedelta(days=2))
    assert repo.switch(on) is True
    assert present(repo.get("alice", hook.webhook_id)) == on == hook
    later = T0 + timedelta(days=3)  # a time forgotten by a switch is no first failure's time
    assert repo.count_failure("alice", hook.webhook_id, later) == (1, later)
    assert present(repo.get("alice", hook.webhook_id)).secret == hook.secret


def test_replacing_the_secrets_keeps_the_rest_and_only_for_the_owner(
    repo: WebhookRepository,
) -> None:
    hook = make("alice")
    repo.add(hook)
    new = rotated(hook, T0 + timedelta(hours=1))
    assert repo.replace_secrets(replace(new, owner="bob")) is False
    assert present(repo.get("alice", hook.webhook_id)) == hook
    assert repo.replace_secrets(new) is True
    assert present(repo.get("alice", hook.webhook_id)) == new
    assert repo.list("alice") == [new]
    assert (new.previous_secret, new.previous_until) == (hook.secret, T0 + timedelta(hours=25))


def test_replacing_the_secrets_of_a_revoked_subscription_changes_nothing(
    repo: WebhookRepository,
) -> None:
    hook = make("alice")
    repo.add(hook)
    repo.revoke("alice", hook.webhook_id)
    assert repo.replace_secrets(rotated(hook, T0)) is False
    assert repo.get("alice", hook.webhook_id) is None


def test_retargeting_changes_url_and_events_only_for_the_owner(repo: WebhookRepository) -> None:
    hook = make("alice")
    repo.add(hook)
    moved = replace(hook, url="https://other.example.com/in", events=("LinkClicked",))
    assert repo.retarget(replace(moved, owner="bob")) is False
    assert repo.retarget(replace(moved, secret="whsec_ignored")) is True
    assert present(repo.get("alice", hook.webhook_id)) == moved
    repo.revoke("alice", hook.webhook_id)
    assert repo.retarget(moved) is False


def test_a_sqlite_file_from_before_secret_rotation_gets_the_columns(tmp_path: Any) -> None:
    from shortstack.adapters.sqlite.db import SqliteDatabase
    from shortstack.adapters.sqlite.webhooks import SqliteWebhookRepository

    hook = make("alice")
    db = SqliteDatabase(tmp_path / "old.sqlite3")
    conn = db.connection()
    conn.execute(
        "CREATE TABLE webhooks (webhook_id TEXT PRIMARY KEY, owner TEXT NOT NULL,"
        " url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    row = (hook.webhook_id, "alice", hook.url, '["LinkCreated"]', hook.secret, T0.isoformat())
    conn.execute("INSERT INTO webhooks VALUES (?, ?, ?, ?, ?, ?)", row)
    conn.commit()
    repo = SqliteWebhookRepository(db)
    assert present(repo.get("alice", hook.webhook_id)) == hook
    new = rotated(hook, T0)
    assert repo.replace_secrets(new) is True
    assert repo.list("alice") == [new]
    db.close()


def test_a_sqlite_file_from_before_redelivery_gets_the_columns(tmp_path: Any) -> None:
    """Its attempts read back without a body (not redeliverable); new ones keep theirs."""
    from shortstack.adapters.sqlite.db import SqliteDatabase
    from shortstack.adapters.sqlite.webhooks import SqliteWebhookRepository

    hook = make("alice")
    old = attempt(hook, 1, ok=False)
    db = SqliteDatabase(tmp_path / "old.sqlite3")
    conn = db.connection()
    conn.execute(
        "CREATE TABLE webhook_deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " webhook_id TEXT NOT NULL, delivery_id TEXT NOT NULL, message_id TEXT NOT NULL,"
        " event_type TEXT NOT NULL, event_id TEXT NOT NULL, attempted_at TEXT NOT NULL,"
        " ok INTEGER NOT NULL, status_code INTEGER, error TEXT, duration_ms INTEGER NOT NULL)"
    )
    conn.execute(
        "INSERT INTO webhook_deliveries (webhook_id, delivery_id, message_id, event_type,"
        " event_id, attempted_at, ok, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 12)",
        (
            hook.webhook_id,
            old.delivery_id,
            old.message_id,
            "LinkCreated",
            "e1",
            T0.isoformat(),
            old.error,
        ),
    )
    conn.commit()
    repo = SqliteWebhookRepository(db)
    repo.add(hook)
    assert repo.deliveries(hook.webhook_id, 10) == [replace(old, attempted_at=T0)]
    new = replace(attempt(hook, 2), payload="{}", redelivery_of=old.delivery_id)
    repo.record_delivery(new)
    assert [d.redeliverable for d in repo.deliveries(hook.webhook_id, 10)] == [True, False]
    db.close()
