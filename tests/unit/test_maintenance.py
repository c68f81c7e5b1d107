"""Scheduled maintenance at the service layer, on the in-memory adapters."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.analytics import roll_up_boundary
from shortstack.domain.errors import InvalidInput, LinkNotFound
from shortstack.domain.imports import new_import
from shortstack.service_layer.maintenance import (
    TASK_NAMES,
    DeadLettersReport,
    ExpiredLinksReport,
    ExpiredRecordsReport,
    RollUpReport,
    select_tasks,
)
from tests import maintenance_support
from tests.conftest import settings_for
from tests.fakes import FakeClock, FakeDeadLetterGauge

NOW = maintenance_support.NOW


@pytest.fixture
def memory_container_with_clock(tmp_path: Path) -> Iterator[Container]:
    """The in-memory stores on a clock stopped at NOW."""
    built = bootstrap(settings_for("memory", tmp_path), clock=FakeClock(NOW))
    yield built
    built.close()


def add_link(container: Container, short_id: str, expires_at: datetime | None) -> None:
    maintenance_support.add_link(container.links.links, short_id, expires_at)


def click(container: Container, n: int, short_id: str, day: date, **dims: Any) -> None:
    maintenance_support.click(container.analytics.stats, f"{short_id}-{n}", short_id, day, **dims)


def test_roll_up_boundary_keeps_the_month_holding_the_90th_day_daily() -> None:
    assert roll_up_boundary(date(2026, 11, 30)) == date(2026, 9, 1)  # day 90 is 2026-09-01
    assert roll_up_boundary(date(2026, 11, 29)) == date(2026, 8, 1)  # day 90 is 2026-08-31
    assert roll_up_boundary(date(2026, 3, 15)) == date(2025, 12, 1)


def test_links_expired_beyond_the_grace_go_with_their_stats(
    memory_container_with_clock: Container,
) -> None:
    add_link(memory_container_with_clock, "oldgone", NOW - timedelta(days=31))
    add_link(
        memory_container_with_clock, "recent1", NOW - timedelta(days=29)
    )  # expired, still within grace
    add_link(memory_container_with_clock, "future1", NOW + timedelta(days=5))
    add_link(memory_container_with_clock, "forever", None)
    click(memory_container_with_clock, 1, "oldgone", date(2026, 10, 1))
    click(memory_container_with_clock, 1, "recent1", date(2026, 10, 1))

    report = memory_container_with_clock.maintenance.purge_expired_links()

    assert report == ExpiredLinksReport(NOW - timedelta(days=30), links_deleted=1, links_kept=0)
    repository = memory_container_with_clock.links.links
    assert repository.get("oldgone") is None
    assert all(repository.get(s) for s in ("recent1", "future1", "forever"))
    stats = memory_container_with_clock.analytics.stats
    assert stats.days("oldgone", date.min, date.max) == []
    assert len(stats.days("recent1", date.min, date.max)) == 1
    assert memory_container_with_clock.maintenance.purge_expired_links().links_deleted == 0


def test_a_link_whose_expiry_moved_meanwhile_is_kept(
    memory_container_with_clock: Container,
) -> None:
    """The store refuses to delete a link no longer past the cutoff; the report counts it."""
    add_link(memory_container_with_clock, "renewed", NOW - timedelta(days=60))
    store = memory_container_with_clock.maintenance.links
    found = list(store.expired_before(NOW - timedelta(days=30)))
    assert found == ["renewed"]
    assert store.delete_expired("renewed", NOW - timedelta(days=90)) is None
    assert memory_container_with_clock.links.links.get("renewed") is not None


def test_old_days_roll_into_months_and_the_stats_answer_keeps_its_totals(
    memory_container_with_clock: Container,
) -> None:
    add_link(memory_container_with_clock, "busy001", None)
    old_days = [date(2026, 6, 3), date(2026, 6, 20), date(2026, 7, 31), date(2026, 8, 15)]
    kept_days = [date(2026, 9, 2), date(2026, 11, 29)]  # in or after the boundary month
    for n, day in enumerate(old_days + kept_days):
        click(
            memory_container_with_clock,
            n,
            "busy001",
            day,
            is_bot=n == 0,
            referrer=f"site{n % 2}.example",
        )
    first, last = date(2026, 5, 1), date(2026, 11, 30)
    before = memory_container_with_clock.analytics.report("alice", "busy001", first, last)

    report = memory_container_with_clock.maintenance.roll_up_clicks()

    assert report == RollUpReport(date(2026, 9, 1), links=1, days_rolled=4, days_left=0)
    after = memory_container_with_clock.analytics.report("alice", "busy001", first, last)
    assert (after.totals.clicks, after.totals.bots) == (before.totals.clicks, before.totals.bots)
    assert after.totals.counts == before.totals.counts
    assert [(m.day, m.clicks, m.bots) for m in after.months] == [
        (date(2026, 6, 1), 1, 1),  # a bot's visit is no click
        (date(2026, 7, 1), 1, 0),
        (date(2026, 8, 1), 1, 0),
    ]
    # Rolled-up months answer for their days: the daily series starts at the boundary.
    assert after.days[0].day == date(2026, 5, 1)  # May had no clicks: zeros, day by day
    assert date(2026, 6, 3) not in {d.day for d in after.days}
    assert {d.day for d in after.days if d.clicks} == set(kept_days)
    assert memory_container_with_clock.maintenance.roll_up_clicks().days_rolled == 0


def test_a_late_click_in_a_rolled_month_is_counted_and_rolled_next_time(
    memory_container_with_clock: Container,
) -> None:
    add_link(memory_container_with_clock, "late001", None)
    click(memory_container_with_clock, 1, "late001", date(2026, 6, 3))
    memory_container_with_clock.maintenance.roll_up_clicks()
    click(
        memory_container_with_clock, 2, "late001", date(2026, 6, 4), country="JP"
    )  # a redelivery, months late
    june = memory_container_with_clock.analytics.report(
        "alice", "late001", date(2026, 6, 1), date(2026, 6, 30)
    )
    assert june.totals.clicks == 2
    assert [(d.day, d.clicks) for d in june.days] == [(date(2026, 6, 4), 1)]

    assert memory_container_with_clock.maintenance.roll_up_clicks().days_rolled == 1
    june = memory_container_with_clock.analytics.report(
        "alice", "late001", date(2026, 6, 1), date(2026, 6, 30)
    )
    assert [(m.day, m.clicks) for m in june.months] == [(date(2026, 6, 1), 2)]
    assert june.totals.counts["countries"] == {"FR": 1, "JP": 1}
    assert june.days == []


def test_a_partial_range_counts_an_overlapping_month_whole(
    memory_container_with_clock: Container,
) -> None:
    add_link(memory_container_with_clock, "part001", None)
    click(memory_container_with_clock, 1, "part001", date(2026, 6, 3))
    click(memory_container_with_clock, 2, "part001", date(2026, 6, 25))
    memory_container_with_clock.maintenance.roll_up_clicks()
    report = memory_container_with_clock.analytics.report(
        "alice", "part001", date(2026, 6, 20), date(2026, 7, 5)
    )
    assert report.totals.clicks == 2
    assert [m.day for m in report.months] == [date(2026, 6, 1)]


def test_deleting_a_link_forgets_its_months(memory_container_with_clock: Container) -> None:
    add_link(memory_container_with_clock, "gone001", None)
    click(memory_container_with_clock, 1, "gone001", date(2026, 6, 3))
    memory_container_with_clock.maintenance.roll_up_clicks()
    memory_container_with_clock.analytics.stats.delete_link("gone001")
    assert memory_container_with_clock.analytics.stats.months("gone001", date.min, date.max) == []


def test_record_expiry_runs_each_local_sweeper_or_defers_to_the_store(tmp_path: Path) -> None:
    memory = bootstrap(settings_for("memory", tmp_path))
    assert memory.maintenance.forget_expired_records() == ExpiredRecordsReport({}, False)
    memory.maintenance.record_expiry = {"idempotency_records": lambda: 3, "click_folds": lambda: 0}
    report = memory.maintenance.forget_expired_records()
    memory.close()
    assert report == ExpiredRecordsReport({"idempotency_records": 3, "click_folds": 0}, False)


def test_dead_letters_are_reported_and_logged_as_a_warning_when_any_wait(
    memory_container_with_clock: Container, caplog: pytest.LogCaptureFixture
) -> None:
    assert memory_container_with_clock.maintenance.count_dead_letters() == DeadLettersReport({})
    memory_container_with_clock.maintenance.dead_letters = FakeDeadLetterGauge(
        {"events-dlq": 2, "imports-dlq": 1}
    )
    with caplog.at_level(logging.INFO, logger="shortstack.maintenance"):
        report = memory_container_with_clock.maintenance.count_dead_letters()
    assert report.total == 3
    # (Once the Lambda module set up Powertools' logger, pytest may see each record twice.)
    records = [r for r in caplog.records if r.getMessage() == "dead-letter depth 3"]
    assert records
    assert {r.levelno for r in records} == {logging.WARNING}
    assert records[0].dead_letter_depths == {"events-dlq": 2, "imports-dlq": 1}  # type: ignore[attr-defined]


def test_run_reports_every_task_in_order_and_a_failure_does_not_stop_the_rest(
    memory_container_with_clock: Container,
) -> None:
    memory_container_with_clock.maintenance.dead_letters = FakeDeadLetterGauge(
        error=ConnectionError("sqs unreachable")
    )
    outcomes = memory_container_with_clock.maintenance.run(["dead_letters", "expired_links"])
    assert [o.task for o in outcomes] == ["expired_links", "dead_letters"]
    assert outcomes[0].error is None
    assert outcomes[0].report is not None
    assert outcomes[1].error == "ConnectionError: sqs unreachable"
    as_json = outcomes[0].as_dict()
    assert as_json["task"] == "expired_links"
    assert as_json["links_deleted"] == 0
    assert as_json["expired_before"] == (NOW - timedelta(days=30)).isoformat()
    assert [o.task for o in memory_container_with_clock.maintenance.run()] == list(TASK_NAMES)


def test_unknown_task_names_are_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="vacuum") as raised:
        select_tasks(["expired_links", "vacuum"])
    assert "known: expired_links, idempotency, click_rollup, stalled_imports, dead_letters" in str(
        raised.value
    )
    assert select_tasks(None) == TASK_NAMES
    with pytest.raises(InvalidInput, match="at least one"):
        select_tasks([])


def test_stats_of_a_purged_link_are_not_found(memory_container_with_clock: Container) -> None:
    add_link(memory_container_with_clock, "purged1", NOW - timedelta(days=90))
    memory_container_with_clock.maintenance.run(["expired_links"])
    with pytest.raises(LinkNotFound):
        memory_container_with_clock.analytics.report("alice", "purged1")


def test_stalled_imports_start_again_through_a_workflow_service_only(
    memory_container_with_clock: Container,
) -> None:
    stalled = new_import("someone", NOW - timedelta(hours=2))
    running = new_import("someone", NOW - timedelta(minutes=5))
    for job in (stalled, running):
        memory_container_with_clock.imports.imports.add(job)

    # No workflow service (the local runner): `shortstack serve` resumes them at start.
    report = memory_container_with_clock.maintenance.restart_stalled_imports()
    assert report.left_to_local_runner
    assert (report.restarted, report.waiting) == ([], 2)

    started: list[str] = []
    memory_container_with_clock.maintenance.restart_import = started.append
    report = memory_container_with_clock.maintenance.restart_stalled_imports()
    assert started == [stalled.import_id]
    assert (report.restarted, report.waiting) == ([stalled.import_id], 1)
    assert report.untouched_since == NOW - timedelta(hours=1)
