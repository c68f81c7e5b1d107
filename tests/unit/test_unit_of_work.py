"""A change and its event commit together on SQLite, or neither does (the local outbox)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.errors import AliasTaken
from shortstack.domain.events import Event
from shortstack.domain.visits import Visit
from tests.conftest import settings_for


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


LAMP: dict[str, Any] = {"name": "Lamp", "description": None, "price": Decimal(9), "category": "x"}


def test_each_write_and_its_event_are_queued_together(local: Container) -> None:
    item = local.items.create("alice", **LAMP)
    link = local.links.create("alice", url="https://example.com/", alias="lamp")
    local.redirects.follow(link.short_id, Visit())
    local.users.register(user_id="u1", name="Ann", email="ann@example.com")
    local.items.delete("alice", item.item_id)
    assert [event["detail-type"] for event in queued(local)] == [
        "ItemCreated",
        "LinkCreated",
        "LinkClicked",
        "UserCreated",
        "ItemDeleted",
    ]


def test_a_failing_outbox_undoes_the_write(
    local: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = local.links.create("alice", url="https://example.com/", alias="kept")
    break_the_outbox(local, monkeypatch)
    with pytest.raises(OutboxDown):
        local.items.create("alice", **LAMP)
    with pytest.raises(OutboxDown):
        local.links.create("alice", url="https://example.com/", alias="gone")
    with pytest.raises(OutboxDown):
        local.redirects.follow(link.short_id, Visit())
    with pytest.raises(OutboxDown):
        local.users.register(user_id="u1", name="Ann", email="ann@example.com")
    assert local.items.list("alice").items == []
    assert local.links.links.get("gone") is None
    assert local.links.get("alice", "kept").click_count == 0
    assert local.users.users.get("u1") is None
    assert [event["detail-type"] for event in queued(local)] == ["LinkCreated"]


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
