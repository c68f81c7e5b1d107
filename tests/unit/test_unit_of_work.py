"""A change and its event commit together on SQLite, or neither does (the local outbox)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.analytics import DailyStats
from shortstack.domain.errors import AliasTaken
from shortstack.domain.events import Event
from shortstack.domain.visits import Visit
from shortstack.domain.webhooks import new_webhook
from tests.conftest import dispatcher_for, settings_for


class OutboxDown(RuntimeError):
    pass


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(settings_for("sqlite", tmp_path))
    yield built
    built.close()


def queued(container: Container) -> list[dict[str, Any]]:
    """The events waiting in the SQLite queue, oldest first."""
    conn = container.event_queue._db.connection()
    rows = conn.execute("SELECT body FROM event_queue ORDER BY seq").fetchall()
    return [json.loads(row["body"]) for row in rows]


def break_the_outbox(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    def enqueue(conn: Any, events: Sequence[Event]) -> None:
        raise OutboxDown("disk full")

    monkeypatch.setattr(container.event_queue, "enqueue", enqueue)


def stats_of(container: Container, short_id: str) -> DailyStats:
    total = DailyStats(day=date(2026, 1, 1))
    for day in container.analytics.stats.days(short_id, date(2000, 1, 1), date(2100, 1, 1)):
        total.absorb(day)
    return total


LAMP: dict[str, Any] = {"name": "Lamp", "description": None, "price": Decimal(9), "category": "x"}


def test_each_write_and_its_event_are_queued_together(local: Container) -> None:
    item = local.items.create("alice", **LAMP)
    link = local.links.create("alice", url="https://example.com/", alias="lamp")
    local.redirects.follow(link.short_id, Visit())
    local.users.register(user_id="u1", name="Ann", email="ann@example.com")
    local.items.delete("alice", item.item_id)
    # The click is folded into its stats in its own transaction: no subscriber, no event.
    assert [event["detail-type"] for event in queued(local)] == [
        "ItemCreated",
        "LinkCreated",
        "UserCreated",
        "ItemDeleted",
    ]
    assert local.links.get("alice", "lamp").click_count == 1
    assert stats_of(local, "lamp").clicks == 1


def test_a_click_is_queued_with_its_stats_when_clicks_are_announced(tmp_path: Path) -> None:
    local = bootstrap(settings_for("sqlite", tmp_path, click_events_on_bus=True))
    try:
        link = local.links.create("alice", url="https://example.com/", alias="lamp")
        local.redirects.follow(link.short_id, Visit())
        assert [event["detail-type"] for event in queued(local)] == ["LinkCreated", "LinkClicked"]
        assert stats_of(local, "lamp").clicks == 1
        # The dispatcher hands the event on but does not add the click a second time.
        dispatcher_for(local).drain()
        assert stats_of(local, "lamp").clicks == 1
    finally:
        local.close()


def test_a_failing_outbox_undoes_the_write(
    local: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    local.links.create("alice", url="https://example.com/", alias="kept")
    break_the_outbox(local, monkeypatch)
    with pytest.raises(OutboxDown):
        local.items.create("alice", **LAMP)
    with pytest.raises(OutboxDown):
        local.links.create("alice", url="https://example.com/", alias="gone")
    with pytest.raises(OutboxDown):
        local.users.register(user_id="u1", name="Ann", email="ann@example.com")
    assert local.items.list("alice").items == []
    assert local.links.links.get("gone") is None
    assert local.users.users.get("u1") is None
    assert [event["detail-type"] for event in queued(local)] == ["LinkCreated"]


def test_a_click_whose_stats_fail_is_not_counted(
    local: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = local.links.create("alice", url="https://example.com/", alias="kept")

    def classify(user_agent: str | None) -> Any:
        raise OutboxDown("no classifier")

    fold = local.redirects.fold
    assert fold is not None
    monkeypatch.setattr(fold, "_classify", classify)
    with pytest.raises(OutboxDown):
        local.redirects.follow(link.short_id, Visit())
    assert local.links.get("alice", "kept").click_count == 0
    assert stats_of(local, "kept").clicks == 0


def test_a_refused_write_announces_nothing(local: Container) -> None:
    local.links.create("alice", url="https://example.com/", alias="taken")
    with pytest.raises(AliasTaken):
        local.links.create("bob", url="https://example.org/", alias="taken")
    assert [event["detail"]["owner"] for event in queued(local)] == ["alice"]


def test_an_import_announces_itself_and_each_link_it_stores(local: Container) -> None:
    local.imports.submit("alice", b"url\nhttps://a.example/\nhttps://b.example/\nnope\n")
    assert [event["detail-type"] for event in queued(local)] == [
        "ImportRequested",
        "LinkCreated",
        "LinkCreated",
        "ImportFinished",
    ]


def test_a_click_is_queued_only_for_an_owner_whose_webhook_subscribes_to_clicks(
    local: Container,
) -> None:
    hooks = local.webhooks.webhooks
    now = datetime.now(UTC)
    mine = local.links.create("alice", url="https://example.com/", alias="mine")
    theirs = local.links.create("bob", url="https://example.com/", alias="theirs")

    def clicks_queued() -> list[str]:
        for short_id in ("mine", "theirs"):
            local.redirects.follow(short_id, Visit())
        return [e["detail"]["short_id"] for e in queued(local) if e["detail-type"] == "LinkClicked"]

    assert clicks_queued() == []
    hooks.add(new_webhook("bob", "https://hooks.example/", ("LinkCreated",), now, allow_http=False))
    assert clicks_queued() == []  # bob's webhook wants no clicks
    webhook = new_webhook(
        "alice", "https://hooks.example/", ("LinkClicked",), now, allow_http=False
    )
    hooks.add(webhook)
    assert clicks_queued() == ["mine"]  # seen at once: adding drops the cached answer
    assert hooks.revoke("alice", webhook.webhook_id)
    assert clicks_queued() == ["mine"]  # and revoking too: no new one
    assert local.links.get("alice", mine.short_id).click_count == 4
    assert stats_of(local, "mine").clicks == 4
    assert stats_of(local, "theirs").clicks == local.links.get("bob", theirs.short_id).click_count
