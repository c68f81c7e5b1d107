"""Starting an import on Step Functions (moto): once while it runs, again once it closed.

An execution named after the import runs at most once at a time. An execution that
ended without marking its job (a timeout, an abort) leaves the job `running`; the
maintenance task `stalled_imports` then starts it again, under a new name, because
Step Functions keeps the closed execution's name for 90 days.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shortstack.adapters.workflow.starters import StepFunctionsStarter
from shortstack.bootstrap import bootstrap
from tests.conftest import settings_for

DEFINITION = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}


@pytest.fixture
def machine(moto_dynamodb: Any) -> tuple[Any, str]:
    import boto3

    client = boto3.client("stepfunctions", region_name="us-east-1")
    arn = client.create_state_machine(
        name="bulk-import",
        definition=json.dumps(DEFINITION),
        roleArn="arn:aws:iam::123456789012:role/imports",
    )["stateMachineArn"]
    return client, arn


def executions(client: Any, arn: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.list_executions(stateMachineArn=arn)["executions"]
    return found


def test_a_running_import_is_not_started_twice(machine: tuple[Any, str]) -> None:
    client, arn = machine
    starter = StepFunctionsStarter(client, arn)
    starter.start("abc123")
    starter.start("abc123")
    [execution] = executions(client, arn)
    assert execution["name"] == "abc123"


def test_an_import_whose_execution_closed_starts_again_under_a_new_name(
    machine: tuple[Any, str],
) -> None:
    client, arn = machine
    starter = StepFunctionsStarter(client, arn)
    starter.start("abc123")
    [first] = executions(client, arn)
    client.stop_execution(executionArn=first["executionArn"])  # ended without marking the job
    starter.start("abc123")
    names = sorted(e["name"] for e in executions(client, arn))
    assert names[0] == "abc123"
    assert names[1].startswith("abc123-r")
    assert len(names[1]) <= 80  # Step Functions' limit on names
    inputs = {
        json.loads(client.describe_execution(executionArn=e["executionArn"])["input"])["import_id"]
        for e in executions(client, arn)
    }
    assert inputs == {"abc123"}


def test_maintenance_restarts_imports_where_step_functions_runs_them(
    machine: tuple[Any, str], tmp_path: Path
) -> None:
    _, arn = machine
    container = bootstrap(settings_for("dynamodb", tmp_path, import_state_machine_arn=arn))
    assert container.maintenance.restart_import is not None
    assert container.maintenance.imports is container.imports.imports
