"""A LinkClicked whose link does not exist (any more) adds to no stats.

The README's own `shortstack events put --detail-type LinkClicked` names an id that no
link has, and `shortstack dlq replay` may hand back a click of a link deleted since.
Folded, such a click made a day for a link that is not there, and a link made later
under that alias showed it in its stats, a click its click_count never had (decision
0110: a removed link's stats go with it, and come back for no one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.events import Event, link_clicked
from shortstack.domain.visits import Click
from shortstack.entrypoints.cli import main
from shortstack.entrypoints.http.app import create_app
from tests.conftest import dispatcher_for, settings_for
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def container(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    built = bootstrap(settings_for("sqlite", tmp_path), clock=FakeClock(NOW))
    yield built
    built.close()


PUT_CLICK = ["events", "put", "--source", "shortstack.links", "--detail-type", "LinkClicked"]


def put_click(short_id: str, event_id: str) -> None:
    detail = {"short_id": short_id, "occurred_at": "2026-11-24T09:00:00Z"}
    assert main([*PUT_CLICK, "--detail", json.dumps(detail), "--id", event_id]) == 0


def stats_clicks(api: TestClient, short_id: str) -> int:
    clicks: int = api.get(f"/api/v1/links/{short_id}/stats").json()["clicks"]
    return clicks


def test_a_click_of_an_id_no_link_has_is_not_kept_for_a_later_link(
    container: Container,
) -> None:
    put_click("abc1234", "evt-no-link")
    dispatcher_for(container).drain()
    api = TestClient(create_app(container), follow_redirects=False)
    link = {"url": "https://example.com/", "alias": "abc1234"}
    assert api.post("/api/v1/links", json=link).status_code == 201
    assert stats_clicks(api, "abc1234") == 0


def test_a_click_event_after_its_links_deletion_is_not_kept(container: Container) -> None:
    api = TestClient(create_app(container), follow_redirects=False)
    link = {"url": "https://example.com/old", "alias": "made-again"}
    assert api.post("/api/v1/links", json=link).status_code == 201
    dispatcher = dispatcher_for(container)
    put_click("made-again", "evt-while-there")
    dispatcher.drain()
    assert stats_clicks(api, "made-again") == 1  # a link's own click event still counts
    assert api.delete("/api/v1/links/made-again").status_code == 204
    dispatcher.drain()
    put_click("made-again", "evt-late")  # e.g. a dead letter replayed after the deletion
    dispatcher.drain()
    assert (
        api.post("/api/v1/links", json={**link, "url": "https://example.com/new"}).status_code
        == 201
    )
    assert stats_clicks(api, "made-again") == 0


def made_again_after_a_click(api: TestClient, clock: FakeClock) -> Event:
    """A link clicked, deleted, and its alias made again by its owner: the click's event."""
    link = {"url": "https://example.com/old", "alias": "made-again"}
    assert api.post("/api/v1/links", json=link).status_code == 201
    clock.advance(minutes=1)
    clicked = link_clicked("made-again", Click(at=clock(), user_agent="Mozilla/5.0"))
    clock.advance(minutes=1)
    assert api.delete("/api/v1/links/made-again").status_code == 204
    clock.advance(minutes=1)
    again = {**link, "url": "https://example.com/new"}
    assert api.post("/api/v1/links", json=again).status_code == 201
    return clicked


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
@pytest.mark.parametrize("batch", [False, True], ids=["one", "batch"])
def test_a_click_made_before_the_alias_was_made_again_is_not_the_new_links(
    tmp_path: Path, storage: str, batch: bool
) -> None:
    # The event of a click of the deleted link, delivered late (a dead letter replayed),
    # finds the alias taken again by the same owner: it is not this link's click.
    clock = FakeClock(NOW)
    container = bootstrap(settings_for(storage, tmp_path), clock=clock)
    try:
        api = TestClient(create_app(container), follow_redirects=False)
        late = made_again_after_a_click(api, clock)
        clock.advance(minutes=1)
        own = link_clicked("made-again", Click(at=clock(), user_agent="Mozilla/5.0"))
        fold_many = container.events.batch_handler("LinkClicked")
        if batch:
            assert fold_many is not None
            fold_many([late, own])
        else:
            container.events.handle(late)
            container.events.handle(own)
        assert stats_clicks(api, "made-again") == 1  # its own click, not the old link's
        assert api.get("/api/v1/stats").json()["clicks"] == 1
    finally:
        container.close()


@dataclass
class Local:
    """The local server's store, with a LinkClicked receiver that is down until `down` is
    False: a click's event ends as a dead letter (the redirect folded the click itself)."""

    container: Container
    api: TestClient
    clock: FakeClock
    down: bool = True

    def receiver(self, event: Event) -> None:
        if self.down:
            raise RuntimeError("the receiver is down")

    def click_into_dead_letters(self, short_id: str) -> None:
        headers = {"user-agent": "Mozilla/5.0"}
        assert self.api.get(f"/{short_id}", headers=headers).status_code == 302
        for _ in range(3):
            dispatcher_for(self.container).drain()
        assert self.container.event_queue is not None
        assert len(self.container.event_queue.dead_letters()) == 1

    def replay(self) -> None:
        self.down = False
        assert main(["dlq", "replay", "--all"]) == 0
        dispatcher_for(self.container).drain()
        assert self.container.event_queue is not None
        assert self.container.event_queue.dead_letters() == []


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Local]:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    clock = FakeClock(NOW)
    settings = settings_for("sqlite", tmp_path, events_backoff_base_s=0, click_events_on_bus=True)
    container = bootstrap(settings, clock=clock)
    built = Local(container, TestClient(create_app(container), follow_redirects=False), clock)
    container.events.register("LinkClicked", built.receiver)
    yield built
    container.close()


def test_a_dead_letter_replayed_after_the_alias_was_made_again_counts_nothing(
    local: Local,
) -> None:
    api = local.api
    link = {"url": "https://example.com/old", "alias": "made-again"}
    assert api.post("/api/v1/links", json=link).status_code == 201
    local.clock.advance(minutes=1)
    local.click_into_dead_letters("made-again")
    assert stats_clicks(api, "made-again") == 1
    assert api.delete("/api/v1/links/made-again").status_code == 204
    local.clock.advance(days=16)
    # The event's fold record removed (maintenance keeps it while a dead letter holds the
    # event): what is left to refuse the click is the fold's own look at the link.
    forget = local.container.analytics.stats.forget_folds_before  # type: ignore[attr-defined]
    assert forget(local.clock()) == 1
    again = {**link, "url": "https://example.com/new"}
    assert api.post("/api/v1/links", json=again).status_code == 201
    local.replay()
    assert stats_clicks(api, "made-again") == 0
    # The owner's day kept the click when it was folded, once.
    assert api.get("/api/v1/stats").json()["clicks"] == 1


def test_a_dead_letter_of_a_link_still_there_replayed_after_the_fold_retention_counts_once(
    local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Maintenance forgets fold records older than CLICK_FOLD_RETENTION, but not one whose
    # event a dead letter still holds: replayed later, the click would be folded again.
    link = {"url": "https://example.com/kept", "alias": "still-here"}
    assert local.api.post("/api/v1/links", json=link).status_code == 201
    local.click_into_dead_letters("still-here")
    # A record's age is on the wall clock (folded_at), not the container's.
    later = datetime.now(UTC) + timedelta(days=16)
    monkeypatch.setattr("shortstack.bootstrap.sqlite.utc_now", lambda: later)
    assert local.container.maintenance.record_expiry["click_folds"]() == 0
    local.replay()
    assert stats_clicks(local.api, "still-here") == 1
