"""The local durable queue: at-least-once delivery, backoff, dead letters, replay."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.event_queue import RetryPolicy, SqliteEventQueue
from shortstack.domain import events
from shortstack.domain.errors import DeadLetterNotFound
from shortstack.domain.events import Event
from shortstack.entrypoints.local_events import LocalEventDispatcher
from shortstack.service_layer.events import EventConsumer, NoIdempotency
from tests.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "queue.sqlite3")
    yield database
    database.close()


@pytest.fixture
def queue(db: SqliteDatabase, clock: FakeClock) -> SqliteEventQueue:
    policy = RetryPolicy(
        max_attempts=3,
        visibility_timeout=timedelta(seconds=30),
        backoff_base=timedelta(seconds=2),
    )
    return SqliteEventQueue(db, policy, clock)


def user_created(name: str, clock: FakeClock) -> Event:
    return events.user_created(name, clock())


def test_a_received_message_is_invisible_until_its_visibility_timeout(
    queue: SqliteEventQueue, clock: FakeClock
) -> None:
    queue.publish([user_created("kim", clock)])
    [message] = queue.receive()
    assert message.attempt == 1
    assert queue.receive() == []
    clock.advance(seconds=31)  # the consumer died without deleting it: delivered again
    [again] = queue.receive()
    assert again.event == message.event
    assert again.attempt == 2


def test_deleted_messages_are_gone_and_order_is_kept(
    queue: SqliteEventQueue, clock: FakeClock
) -> None:
    published = [user_created(f"user-{n}", clock) for n in range(25)]
    queue.publish(published)
    received = queue.receive(10) + queue.receive(10) + queue.receive(10)
    assert [m.event for m in received] == published
    for message in received:
        queue.delete(message)
    clock.advance(seconds=3600)
    assert queue.receive() == []
    assert queue.depth() == 0


def test_failures_back_off_exponentially_then_dead_letter_with_the_error(
    queue: SqliteEventQueue, clock: FakeClock
) -> None:
    event = user_created("kim", clock)
    queue.publish([event])
    [first] = queue.receive()
    assert queue.fail(first, "ValueError: one") is False
    clock.advance(seconds=1.9)
    assert queue.receive() == []  # backoff after attempt 1: 2 s
    clock.advance(seconds=0.2)
    [second] = queue.receive()
    assert queue.fail(second, "ValueError: two") is False
    clock.advance(seconds=3.9)
    assert queue.receive() == []  # after attempt 2: 4 s
    clock.advance(seconds=0.2)
    [third] = queue.receive()
    assert third.attempt == 3
    assert queue.fail(third, "ValueError: three") is True
    clock.advance(seconds=3600)
    assert queue.receive() == []
    [letter] = queue.dead_letters()
    assert (letter.event, letter.attempts, letter.last_error) == (event, 3, "ValueError: three")


def test_replay_returns_letters_with_fresh_attempts_and_purge_empties(
    queue: SqliteEventQueue, clock: FakeClock
) -> None:
    kept, replayed = user_created("a", clock), user_created("b", clock)
    queue.publish([kept, replayed])
    for _ in range(3):
        for message in queue.receive():
            queue.fail(message, "boom")
        clock.advance(seconds=60)
    assert {letter.event.id for letter in queue.dead_letters()} == {kept.id, replayed.id}
    assert queue.replay(replayed.id) == 1
    [message] = queue.receive()
    assert (message.event, message.attempt) == (replayed, 1)
    with pytest.raises(DeadLetterNotFound):
        queue.replay("no-such-id")
    assert queue.purge_dead_letters() == 1
    assert queue.dead_letters() == []


def test_the_dispatcher_retries_and_dead_letters_a_poison_event_after_exactly_max_attempts(
    queue: SqliteEventQueue, clock: FakeClock
) -> None:
    calls: list[str] = []

    def handler(event: Event) -> None:
        calls.append(event.id)
        if event.detail["user_id"] == "poison":
            raise RuntimeError("cannot handle poison")

    consumer = EventConsumer(NoIdempotency())
    consumer.register("UserCreated", handler)
    dispatcher = LocalEventDispatcher(queue, consumer)
    poison, good = user_created("poison", clock), user_created("good", clock)
    queue.publish([poison, good])
    for _ in range(10):
        dispatcher.drain()
        clock.advance(seconds=600)
    assert calls.count(poison.id) == 3
    assert calls.count(good.id) == 1
    [letter] = queue.dead_letters()
    assert letter.event == poison
    assert letter.attempts == 3
    assert letter.last_error == "RuntimeError: cannot handle poison"


def test_a_replayed_letter_that_fails_again_goes_back_to_the_dead_letters(
    queue: SqliteEventQueue, clock: FakeClock
) -> None:
    consumer = EventConsumer(NoIdempotency())
    consumer.register("UserCreated", lambda event: (_ for _ in ()).throw(KeyError("still")))
    dispatcher = LocalEventDispatcher(queue, consumer)
    queue.publish([user_created("kim", clock)])
    for _ in range(2):  # first life, then the replayed one
        for _ in range(4):
            dispatcher.drain()
            clock.advance(seconds=600)
        [letter] = queue.dead_letters()
        assert letter.attempts == 3
        assert letter.last_error == "KeyError: 'still'"
        assert queue.replay() == 1
    assert queue.depth() == 1


def test_runs_of_batchable_events_are_handled_at_once_in_order_and_a_failure_isolates(
    queue: SqliteEventQueue, clock: FakeClock
) -> None:
    seen: list[list[str]] = []

    def one(event: Event) -> None:
        seen.append([event.detail["user_id"]])
        if event.detail["user_id"] == "poison":
            raise RuntimeError("cannot handle poison")

    def many(batch: Sequence[Event]) -> None:
        names = [event.detail["user_id"] for event in batch]
        seen.append(names)
        if "poison" in names:
            raise RuntimeError("cannot handle poison")

    consumer = EventConsumer(NoIdempotency())
    consumer.register("UserCreated", one, self_idempotent=True, batch=many)
    consumer.register("UserDeleted", lambda event: seen.append(["deleted"]))
    dispatcher = LocalEventDispatcher(queue, consumer)
    a, b = user_created("a", clock), user_created("b", clock)
    gone = events.user_deleted("a", clock())
    c, poison, d = user_created("c", clock), user_created("poison", clock), user_created("d", clock)
    queue.publish([a, b, gone, c, poison, d])
    dispatcher.run_once()
    # Runs of one batchable type at once, other events between them in their place; the run
    # holding the poison falls back to one by one, so only the poison is retried.
    assert seen == [["a", "b"], ["deleted"], ["c", "poison", "d"], ["c"], ["poison"], ["d"]]
    clock.advance(seconds=600)
    [left] = queue.receive()
    assert left.event == poison


def test_a_batch_handler_must_be_idempotent_by_itself() -> None:
    consumer = EventConsumer(NoIdempotency())
    with pytest.raises(ValueError, match="idempotent"):
        consumer.register("UserCreated", lambda event: None, batch=lambda batch: None)
