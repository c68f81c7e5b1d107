"""Powertools idempotency on each of our persistence layers: an event's effect happens once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from shortstack.adapters.idempotency import (
    MemoryPersistence,
    PowertoolsIdempotency,
    SingleTableDynamoDBPersistence,
    SqlitePersistence,
)
from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.events import Event
from shortstack.service_layer.events import EventConsumer
from tests.conftest import TABLE_NAME

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def persistence(storage: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if storage == "memory":
        yield MemoryPersistence()
    elif storage == "sqlite":
        db = SqliteDatabase(tmp_path / "idempotency.sqlite3")
        yield SqlitePersistence(db)
        db.close()
    else:
        client = request.getfixturevalue(
            "moto_dynamodb" if storage == "dynamodb" else "dynamodb_local"
        )
        yield SingleTableDynamoDBPersistence(TABLE_NAME, client)


def consumer_counting(persistence: Any, budget_ms: int = 30_000) -> tuple[EventConsumer, list[str]]:
    effects: list[str] = []
    consumer = EventConsumer(PowertoolsIdempotency(persistence, in_progress_budget_ms=budget_ms))
    consumer.register("ItemDeleted", lambda event: effects.append(event.id))
    return consumer, effects


def deleted(event_id: str, item_id: str = "i-1") -> Event:
    return Event("shortstack.items", "ItemDeleted", {"item_id": item_id}, NOW, id=event_id)


def test_the_same_event_twice_has_the_effect_of_once(persistence: Any) -> None:
    consumer, effects = consumer_counting(persistence)
    consumer.handle(deleted("e-1"))
    consumer.handle(deleted("e-1"))
    consumer.handle(deleted("e-2"))
    assert effects == ["e-1", "e-2"]


def test_a_reused_id_with_another_detail_is_refused(persistence: Any) -> None:
    consumer, effects = consumer_counting(persistence)
    consumer.handle(deleted("e-1", item_id="i-1"))
    with pytest.raises(IdempotencyValidationError):
        consumer.handle(deleted("e-1", item_id="i-2"))
    assert effects == ["e-1"]


def test_a_failed_handler_leaves_no_record_so_the_retry_runs(persistence: Any) -> None:
    attempts: list[str] = []

    def flaky(event: Event) -> None:
        attempts.append(event.id)
        if len(attempts) == 1:
            raise ConnectionError("downstream timeout")

    consumer = EventConsumer(PowertoolsIdempotency(persistence))
    consumer.register("ItemDeleted", flaky)
    with pytest.raises(ConnectionError):
        consumer.handle(deleted("e-1"))
    consumer.handle(deleted("e-1"))
    consumer.handle(deleted("e-1"))
    assert attempts == ["e-1", "e-1"]


def test_an_in_progress_record_blocks_until_it_expires(persistence: Any) -> None:
    # A consumer that died mid-handler leaves INPROGRESS behind: a redelivery is refused
    # while the record's budget runs, then taken over once it has expired.
    blocked, effects = consumer_counting(persistence, budget_ms=300)
    store: Any = persistence
    store.configure(blocked.idempotency._config, key_prefix="shortstack-events")  # type: ignore[attr-defined]
    store.save_inprogress(deleted("e-1").to_dict(), remaining_time_in_millis=300)
    with pytest.raises(IdempotencyAlreadyInProgressError):
        blocked.handle(deleted("e-1"))
    time.sleep(0.35)
    blocked.handle(deleted("e-1"))
    assert effects == ["e-1"]
