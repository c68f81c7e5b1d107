"""`shortstack maintenance run` on a local SQLite deployment."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from shortstack.bootstrap import bootstrap
from shortstack.domain.analytics import ClickFacts
from shortstack.domain.clock import utc_now
from shortstack.domain.events import Event
from shortstack.domain.orphan_visits import orphan_visit_key
from shortstack.entrypoints.cli import main
from tests.conftest import settings_for
from tests.maintenance_support import add_link


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    return tmp_path


def seed(data_dir: Path) -> None:
    """An expired link, a long-expired one with old clicks, and one dead letter."""
    now = utc_now()
    container = bootstrap(settings_for("sqlite", data_dir, events_max_attempts=1))
    for short_id, expired_days_ago in (("stale01", 45), ("fresh01", 5)):
        expires_at = now - timedelta(days=expired_days_ago)
        add_link(container.links.links, short_id, expires_at, created_at=now)
    old_day = (now - timedelta(days=200)).date()
    for n, short_id in enumerate(("stale01", "fresh01")):
        container.analytics.stats.fold(
            ClickFacts(f"e{n}", short_id, old_day, "(direct)", "curl", "bot", True, "DE")
        )
    for days_ago in (31, 30):  # past the 30 days orphan visits are kept, and just within
        day = now - timedelta(days=days_ago)
        key = orphan_visit_key("typo", day, None, "curl/8")
        container.orphan_visits.visits.record(key, day, daily_keys=10, forget_after=day)
    queue = container.event_queue
    queue.publish([Event("shortstack.items", "ItemDeleted", {"item_id": "i-1"}, now)])
    [message] = queue.receive(1)
    assert queue.fail(message, "RuntimeError: down")
    container.close()


def test_run_prints_every_report_as_json(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(local_env)
    assert main(["maintenance", "run", "--json"]) == 0
    reports = {report["task"]: report for report in json.loads(capsys.readouterr().out)["tasks"]}
    assert list(reports) == [
        "expired_links",
        "idempotency",
        "click_rollup",
        "stalled_imports",
        "dead_letters",
    ]
    assert reports["stalled_imports"]["left_to_local_runner"] is True
    assert reports["expired_links"]["links_deleted"] == 1
    assert reports["idempotency"]["deleted"] == {
        "idempotency_records": 0,
        "click_folds": 0,
        "orphan_visits": 1,
    }
    assert reports["idempotency"]["left_to_ttl"] is False
    # stale01's days went with it; fresh01's old day became a month.
    assert reports["click_rollup"]["links"] == 1
    assert reports["click_rollup"]["days_rolled"] == 1
    assert reports["dead_letters"]["depths"] == {"local": 1}
    assert reports["dead_letters"]["total"] == 1
    assert all(report["seconds"] >= 0 for report in reports.values())


def test_run_one_task_as_text_lines(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(local_env)
    assert main(["maintenance", "run", "--task", "dead_letters"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("dead_letters")
    assert 'depths={"local": 1}' in line
    assert "total=1" in line


def test_an_unknown_task_is_refused_with_the_known_ones(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["maintenance", "run", "--task", "vacuum"])
    assert exited.value.code == 2
    assert "expired_links" in capsys.readouterr().err


def test_a_failed_task_is_said_on_stderr_as_every_command_says_errors(
    local_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortstack.service_layer.maintenance import MaintenanceService

    def broken(self: MaintenanceService) -> None:
        raise RuntimeError("the table is gone")

    monkeypatch.setattr(MaintenanceService, "purge_expired_links", broken)
    assert main(["maintenance", "run", "--task", "expired_links"]) == 1
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == "shortstack: maintenance failed: expired_links"
