"""The maintenance Lambda: EventBridge Scheduler invokes it with the schedule's Input.

Scheduler delivers the target's configured Input JSON as the event: `{}` runs
every task, `{"tasks": ["expired_links", ...]}` a selection; other keys (say
`"scheduled_time": "<aws.scheduler.scheduled-time>"`) are only logged. It runs
the same `MaintenanceService.run` as `shortstack maintenance run`, logs the
reports, and publishes CloudWatch metrics as EMF log lines through Powertools
(no API call): the dead-letter depth per queue and the failed-task count. A
failed task fails the invocation after the others ran, so Scheduler's retry
policy and the function's error alarm see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.domain.errors import InvalidInput
from shortstack.observability import configure_logging, logger
from shortstack.service_layer.maintenance import DeadLettersReport, TaskOutcome, select_tasks

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
container = bootstrap(settings)
metrics = Metrics(namespace=settings.service_name, service=settings.service_name)


class MaintenanceFailed(RuntimeError):
    """One or more tasks failed; the message names them and the log has the reports."""


def requested_tasks(event: object) -> tuple[str, ...]:
    """The tasks an invocation asks for; InvalidInput for a malformed or unknown selection."""
    if not isinstance(event, dict):
        raise InvalidInput('the event must be a JSON object like {} or {"tasks": [...]}')
    tasks = event.get("tasks")
    if tasks is None:
        return select_tasks(None)
    if not isinstance(tasks, list) or not all(isinstance(name, str) for name in tasks):
        raise InvalidInput("tasks must be a list of task names", field="tasks")
    return select_tasks(tasks)


def publish_metrics(outcomes: Sequence[TaskOutcome]) -> None:
    """EMF lines: dead letters per queue, and how many tasks failed (0 keeps the series)."""
    for outcome in outcomes:
        if isinstance(outcome.report, DeadLettersReport):
            for queue, depth in outcome.report.depths.items():
                # One EMF line per queue (written when the block ends), so each has its own
                # `queue` dimension next to the function's `service`.
                with single_metric(
                    name="DeadLetterMessages",
                    unit=MetricUnit.Count,
                    value=depth,
                    namespace=settings.service_name,
                    default_dimensions={"service": settings.service_name},
                ) as metric:
                    metric.add_dimension(name="queue", value=queue)
    failed = sum(1 for outcome in outcomes if outcome.error)
    metrics.add_metric(name="MaintenanceTasksFailed", unit=MetricUnit.Count, value=failed)
    metrics.flush_metrics()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the selected tasks; their reports, or MaintenanceFailed naming the failed ones."""
    tasks = requested_tasks(event)
    extra = {key: value for key, value in event.items() if key != "tasks"}
    outcomes = container.maintenance.run(tasks)
    body = {"tasks": [outcome.as_dict() for outcome in outcomes]}
    logger.info("maintenance run", extra={"maintenance": body["tasks"], "schedule": extra})
    publish_metrics(outcomes)
    failed = [outcome.task for outcome in outcomes if outcome.error]
    if failed:
        raise MaintenanceFailed(f"maintenance task(s) failed: {', '.join(failed)}")
    return body
