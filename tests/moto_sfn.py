"""Run state machines on moto's Step Functions interpreter (execute_state_machine mode).

moto 5 can really execute a definition (Pass, Choice, Map, Wait, Succeed, Fail;
Task states would need real Lambda containers). Tests use it as a second,
independent interpreter: the local runner must agree with it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

ROLE_ARN = "arn:aws:iam::123456789012:role/shortstack-workflow"
EXECUTE = {"stepfunctions": {"execute_state_machine": True}}


@dataclass
class MotoExecution:
    status: str
    output: Any
    error: str | None
    cause: str | None
    states_entered: list[str]


@contextmanager
def executing_stepfunctions() -> Iterator[Any]:
    """A moto Step Functions client that executes what it is given."""
    import boto3
    from moto import mock_aws

    with mock_aws(config=EXECUTE):  # type: ignore[arg-type]
        yield boto3.client("stepfunctions", region_name="us-east-1")


def execute_on_moto(client: Any, definition: dict[str, Any], data: Any) -> MotoExecution:
    """Create the machine, run one execution to its end, and read its outcome and path."""
    name = f"m{time.monotonic_ns()}"
    arn = client.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE_ARN
    )["stateMachineArn"]
    execution = client.start_execution(stateMachineArn=arn, input=json.dumps(data))["executionArn"]
    deadline = time.monotonic() + 30
    while True:
        described = client.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    history = client.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    entered = [
        event["stateEnteredEventDetails"]["name"]
        for event in history
        if "stateEnteredEventDetails" in event
    ]
    return MotoExecution(
        status=described["status"],
        output=_json_or_text(described.get("output")),
        error=described.get("error"),
        cause=described.get("cause"),
        states_entered=entered,
    )


def _json_or_text(text: str | None) -> Any:
    # moto stores a bare string result unquoted ("big", not "\"big\"").
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
