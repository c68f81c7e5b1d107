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
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import Container, bootstrap
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
