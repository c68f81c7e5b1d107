"""The maintenance Lambda on moto, fed the payloads EventBridge Scheduler delivers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest

from shortstack.domain.clock import utc_now
from shortstack.domain.errors import InvalidInput
from shortstack.domain.links import create_link
from tests.conftest import TABLE_NAME
from tests.fakes import FakeDeadLetterGauge
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event


@pytest.fixture
def maintenance_lambda(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    sqs = boto3.client("sqs", region_name="us-east-1")
    events_dlq = sqs.create_queue(QueueName="shortstack-events-dlq")["QueueUrl"]
    imports_dlq = sqs.create_queue(QueueName="shortstack-imports-dlq")["QueueUrl"]
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=events_dlq, MessageBody=body)
    sqs.send_message(QueueUrl=imports_dlq, MessageBody="c")
    for name, value in {
        "STORAGE": "dynamodb",
        "STAGE": "aws",
        "TABLE_NAME": TABLE_NAME,
        "EVENTS_DLQ_URL": events_dlq,
        "MAINTENANCE_EXTRA_DLQ_URLS": f" {imports_dlq}, {events_dlq} ,",
    }.items():
        monkeypatch.setenv(name, value)
    module = fresh_import("shortstack.entrypoints.lambda_maintenance")
    now = utc_now()
    link = create_link(
        short_id="stale01", owner="alice", url="https://example.com/", now=now, expires_at=now
    )
    module.container.links.links.add(replace(link, expires_at=now - timedelta(days=31)))
    return module


def emf_metrics(stdout: str) -> dict[tuple[str, str], list[float]]:
    """(metric name, queue dimension or "") -> values, from the EMF lines Powertools printed."""
    found: dict[tuple[str, str], list[float]] = {}
    for line in stdout.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        record = json.loads(line)
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = record[metric["Name"]]
                found[(metric["Name"], record.get("queue", ""))] = (
                    value if isinstance(value, list) else [value]
                )
    return found


def test_an_empty_input_runs_every_task(
    maintenance_lambda: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    body = maintenance_lambda.handler(
        load_event("scheduler_maintenance_all.json"), FakeLambdaContext()
    )
    tasks = {report["task"]: report for report in body["tasks"]}
    assert list(tasks) == [
        "expired_links",
        "idempotency",
        "click_rollup",
        "stalled_imports",
        "dead_letters",
    ]
    assert tasks["expired_links"]["links_deleted"] == 1
    assert tasks["idempotency"] == {**tasks["idempotency"], "deleted": {}, "left_to_ttl": True}
    assert tasks["dead_letters"]["depths"] == {
        "shortstack-events-dlq": 2,
        "shortstack-imports-dlq": 1,
    }
    assert maintenance_lambda.container.links.links.get("stale01") is None
    metrics = emf_metrics(capsys.readouterr().out)
    assert metrics[("DeadLetterMessages", "shortstack-events-dlq")] == [2]
    assert metrics[("DeadLetterMessages", "shortstack-imports-dlq")] == [1]
    assert metrics[("MaintenanceTasksFailed", "")] == [0]


def test_a_selection_runs_only_those_tasks(maintenance_lambda: Any) -> None:
    event = load_event("scheduler_maintenance_selected.json")
    body = maintenance_lambda.handler(event, FakeLambdaContext())
    assert [report["task"] for report in body["tasks"]] == ["expired_links", "dead_letters"]


def test_unknown_task_names_fail_the_invocation_clearly(maintenance_lambda: Any) -> None:
    event = load_event("scheduler_maintenance_unknown_task.json")
    with pytest.raises(InvalidInput, match=r"unknown maintenance task.*vacuum_everything"):
        maintenance_lambda.handler(event, FakeLambdaContext())
    assert maintenance_lambda.container.links.links.get("stale01") is not None


@pytest.mark.parametrize("event", [[], {"tasks": "expired_links"}, {"tasks": [1]}, {"tasks": []}])
def test_a_malformed_input_is_refused(maintenance_lambda: Any, event: Any) -> None:
    with pytest.raises(InvalidInput):
        maintenance_lambda.handler(event, FakeLambdaContext())


def test_a_failed_task_fails_the_invocation_after_the_others_ran(
    maintenance_lambda: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    maintenance_lambda.container.maintenance.dead_letters = FakeDeadLetterGauge(
        error=ConnectionError("sqs unreachable")
    )
    with pytest.raises(maintenance_lambda.MaintenanceFailed, match="dead_letters"):
        maintenance_lambda.handler({}, FakeLambdaContext())
    assert maintenance_lambda.container.links.links.get("stale01") is None
    assert emf_metrics(capsys.readouterr().out)[("MaintenanceTasksFailed", "")] == [1]
