"""The local server's maintenance schedule: it runs, survives a failing run, and stops."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.local_background import local_background
from shortstack.entrypoints.local_maintenance import MaintenanceScheduler
from shortstack.service_layer.maintenance import TaskOutcome
from tests.conftest import settings_for


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_it_runs_on_its_interval_and_stops_promptly() -> None:
    calls: list[float] = []

    def run() -> list[TaskOutcome]:
        calls.append(time.monotonic())
        return []

    scheduler = MaintenanceScheduler(run, interval_s=0.05, first_run_after_s=0.01)
    scheduler.start()
    wait_for(lambda: len(calls) >= 3)
    started = time.monotonic()
    scheduler.stop()
    assert time.monotonic() - started < 1.0
    assert not scheduler.running
    runs = len(calls)
    time.sleep(0.15)
    assert len(calls) == runs


def test_a_failing_run_is_logged_and_the_next_one_still_comes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts = threading.Semaphore(0)

    def run() -> list[TaskOutcome]:
        attempts.release()
        raise RuntimeError("table is locked")

    scheduler = MaintenanceScheduler(run, interval_s=0.02, first_run_after_s=0.0)
    with caplog.at_level(logging.ERROR, logger="shortstack.maintenance"):
        scheduler.start()
        assert attempts.acquire(timeout=5)
        assert attempts.acquire(timeout=5)
        scheduler.stop()
    assert any("maintenance run failed" in r.getMessage() for r in caplog.records)


def test_the_first_run_waits_a_little_after_start() -> None:
    ran = threading.Event()
    scheduler = MaintenanceScheduler(lambda: ran.set() or [], interval_s=3600.0)
    assert scheduler.first_run_after_s == 60.0
    scheduler.start()
    assert not ran.wait(0.2)
    scheduler.stop()
    with pytest.raises(ValueError, match="positive"):
        MaintenanceScheduler(lambda: [], interval_s=0)


def schedulers(work: Sequence[object]) -> list[MaintenanceScheduler]:
    return [each for each in work if isinstance(each, MaintenanceScheduler)]


def test_the_server_starts_it_with_the_app_and_stops_it_on_shutdown(tmp_path: Path) -> None:
    container = bootstrap(settings_for("sqlite", tmp_path, maintenance_interval_s=0.05))
    background = local_background(container)
    [scheduler] = schedulers(background)
    assert scheduler.first_run_after_s == 0.05  # never later than the interval itself
    with TestClient(create_app(container, background=background)) as client:
        assert client.get("/health").status_code == 200
        assert scheduler.running
        wait_for(lambda: scheduler.runs >= 2)
    assert not scheduler.running  # the app's shutdown stopped it


def test_an_interval_of_zero_schedules_nothing(tmp_path: Path) -> None:
    container = bootstrap(settings_for("sqlite", tmp_path, maintenance_interval_s=0))
    assert schedulers(local_background(container)) == []
    container.close()
