"""Scheduled maintenance: the housekeeping a running deployment needs, as four tasks.

- `expired_links`: delete links that expired more than the grace period ago, and their
  click stats (nobody can read them once the link is gone).
- `idempotency`: delete expired idempotency and click-fold records, and orphan-visit
  counters past their retention, where the store does not expire them itself (SQLite);
  DynamoDB's TTL does it on AWS.
- `click_rollup`: roll the daily click stats of whole months older than 90 days into one
  record per month, so a link's stats stay small however old it gets.
- `stalled_imports`: start again the imports left pending or running, untouched for an
  hour (on AWS: a StartExecution that failed, an execution that ended without marking
  its job); locally the server's import runner resumes them when it starts.
- `dead_letters`: report how many events wait in the dead-letter queues.

The CLI, the local server's scheduler and the maintenance Lambda all call `run`;
every task is safe to repeat and to interrupt (docs/decisions/0900-scheduled-maintenance.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shortstack.domain import events
from shortstack.domain.analytics import roll_up_boundary
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import InvalidInput
from shortstack.service_layer.ports import (
    ClickStatsRepository,
    ClickStatsRollUp,
    DeadLetterGauge,
    ExpiredLinkStore,
    ImportRepository,
    UnitOfWork,
)

_log = logging.getLogger("shortstack.maintenance")

EXPIRED_LINKS = "expired_links"
IDEMPOTENCY = "idempotency"
CLICK_ROLLUP = "click_rollup"
STALLED_IMPORTS = "stalled_imports"
DEAD_LETTERS = "dead_letters"
TASK_NAMES = (EXPIRED_LINKS, IDEMPOTENCY, CLICK_ROLLUP, STALLED_IMPORTS, DEAD_LETTERS)
# Unfinished imports looked at per run, oldest first; the next run takes the rest.
STALLED_IMPORTS_PER_RUN = 100


@dataclass(frozen=True, slots=True)
class ExpiredLinksReport:
    expired_before: datetime
    links_deleted: int
    links_kept: int  # their expiry moved between finding and deleting them


@dataclass(frozen=True, slots=True)
class ExpiredRecordsReport:
    deleted: dict[str, int]
    left_to_ttl: bool  # the store expires records itself (DynamoDB TTL): nothing to do here


@dataclass(frozen=True, slots=True)
class RollUpReport:
    boundary: date  # days before it were rolled into months
    links: int
    days_rolled: int
    days_left: int  # changed by a late click while rolling; the next run takes them


@dataclass(frozen=True, slots=True)
class StalledImportsReport:
    untouched_since: datetime
    restarted: list[str]
    waiting: int  # unfinished, but touched recently: still running, presumably
    left_to_local_runner: bool  # no workflow service: `shortstack serve` resumes them


@dataclass(frozen=True, slots=True)
class DeadLettersReport:
    depths: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.depths.values())


TaskReport = (
    ExpiredLinksReport
    | ExpiredRecordsReport
    | RollUpReport
    | StalledImportsReport
    | DeadLettersReport
)


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """One task of a run: its report, or the error that stopped it."""

    task: str
    seconds: float
    report: TaskReport | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (dates and datetimes as ISO text)."""
        body: dict[str, Any] = {"task": self.task, "seconds": round(self.seconds, 3)}
        if self.report is not None:
            body.update(
                {
                    key: value.isoformat() if isinstance(value, date) else value
                    for key, value in asdict(self.report).items()
                }
            )
            if isinstance(self.report, DeadLettersReport):
                body["total"] = self.report.total
        if self.error is not None:
            body["error"] = self.error
        return body


def select_tasks(names: Sequence[str] | None) -> tuple[str, ...]:
    """The tasks to run, in their fixed order; all when `names` is None."""
    if names is None:
        return TASK_NAMES
    if not names:
        raise InvalidInput("name at least one maintenance task, or leave tasks out", field="tasks")
    unknown = sorted(set(names) - set(TASK_NAMES))
    if unknown:
        raise InvalidInput(
            f"unknown maintenance task(s) {', '.join(unknown)}; known: {', '.join(TASK_NAMES)}",
            field="tasks",
        )
    return tuple(name for name in TASK_NAMES if name in names)


@dataclass
class MaintenanceService:
    links: ExpiredLinkStore
    stats: ClickStatsRepository
    rollup: ClickStatsRollUp
    uow: UnitOfWork
    dead_letters: DeadLetterGauge | None = None
    # Name -> "delete what expired, return how many", where the store does not do it itself.
    record_expiry: Mapping[str, Callable[[], int]] = field(default_factory=dict)
    records_expire_in_store: bool = False  # DynamoDB: the table's TTL deletes them
    link_grace: timedelta = timedelta(days=30)
    # Imports left unfinished, and how to start one again (None: the local runner does it).
    imports: ImportRepository | None = None
    restart_import: Callable[[str], None] | None = None
    # Far longer than any import runs (100,000 rows take seconds per chunk of 2,000).
    import_stall: timedelta = timedelta(hours=1)
    clock: Clock = utc_now

    def purge_expired_links(self) -> ExpiredLinksReport:
        """Delete links expired more than the grace period ago, with their click stats."""
        now = self.clock()
        cutoff = now - self.link_grace
        deleted = kept = 0
        for short_id in self.links.expired_before(cutoff):
            # LinkDeleted as for any other removal (on DynamoDB the stream derives it).
            with self.uow.begin() as outbox:
                owner = self.links.delete_expired(short_id, cutoff)
                if owner is not None:
                    outbox.add([events.link_deleted(short_id, owner, now)])
            if owner is not None:
                self.stats.delete_link(short_id)
                deleted += 1
            else:
                kept += 1
        return ExpiredLinksReport(expired_before=cutoff, links_deleted=deleted, links_kept=kept)

    def forget_expired_records(self) -> ExpiredRecordsReport:
        """Delete expired idempotency and click-fold records where no TTL does it."""
        deleted = {name: forget() for name, forget in self.record_expiry.items()}
        return ExpiredRecordsReport(deleted=deleted, left_to_ttl=self.records_expire_in_store)

    def roll_up_clicks(self) -> RollUpReport:
        """Roll the days of whole months older than 90 days into monthly stats."""
        boundary = roll_up_boundary(self.clock().date())
        links = rolled = left = 0
        for short_id in self.rollup.links_with_days_before(boundary):
            days = self.stats.days(short_id, date.min, boundary - timedelta(days=1))
            done = self.rollup.roll_up_days(short_id, days)
            links += 1
            rolled += done
            left += len(days) - done
        return RollUpReport(boundary=boundary, links=links, days_rolled=rolled, days_left=left)

    def restart_stalled_imports(self) -> StalledImportsReport:
        """Start again every unfinished import untouched for `import_stall` (idempotent: 0301)."""
        since = self.clock() - self.import_stall
        unfinished = self.imports.list_unfinished(STALLED_IMPORTS_PER_RUN) if self.imports else []
        stalled = [job.import_id for job in unfinished if job.updated_at < since]
        if self.restart_import is None:
            return StalledImportsReport(since, [], len(unfinished), left_to_local_runner=True)
        for import_id in stalled:
            _log.warning("restarting stalled import", extra={"import_id": import_id})
            self.restart_import(import_id)
        return StalledImportsReport(
            since, stalled, len(unfinished) - len(stalled), left_to_local_runner=False
        )

    def count_dead_letters(self) -> DeadLettersReport:
        """How many events wait in each dead-letter queue (logged as a warning if any)."""
        depths = self.dead_letters.dead_letter_depths() if self.dead_letters else {}
        report = DeadLettersReport(depths=depths)
        log = _log.warning if report.total else _log.info
        log("dead-letter depth %d", report.total, extra={"dead_letter_depths": depths})
        return report

    def run(self, tasks: Sequence[str] | None = None) -> list[TaskOutcome]:
        """Run the named tasks (all by default); a failing task does not stop the others."""
        steps: dict[str, Callable[[], TaskReport]] = {
            EXPIRED_LINKS: self.purge_expired_links,
            IDEMPOTENCY: self.forget_expired_records,
            CLICK_ROLLUP: self.roll_up_clicks,
            STALLED_IMPORTS: self.restart_stalled_imports,
            DEAD_LETTERS: self.count_dead_letters,
        }
        outcomes = []
        for name in select_tasks(tasks):
            started = time.perf_counter()
            try:
                report = steps[name]()
            except Exception as exc:  # report it with the others; the caller decides
                _log.exception("maintenance task %s failed", name)
                outcome = TaskOutcome(
                    name, time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}"
                )
            else:
                outcome = TaskOutcome(name, time.perf_counter() - started, report=report)
            outcomes.append(outcome)
        return outcomes
