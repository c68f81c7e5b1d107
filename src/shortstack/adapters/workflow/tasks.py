"""The bulk-import workflow's task functions, by name: one dispatch for Lambda and local.

Step Functions invokes `lambda_workflow.handler` with the state's Payload; the
local runner (`bulk_import_machine`) calls `run_task` with the same Payload.
Both end here, so a task behaves the same in both places. Errors keep their
class name, which is what the definition's Retry/Catch match (`errorType` on
Lambda), except failures a retry may fix (throttling, a dropped connection, a
locked database): those become `StorageUnavailable`, the one transient name the
definition retries.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, HTTPClientError

from shortstack.domain.errors import ServiceUnavailable
from shortstack.service_layer.imports import ImportsService

if TYPE_CHECKING:  # the task Lambda runs a task, never the local runner
    from shortstack.adapters.workflow.runner import LocalStateMachine

DEFINITION = (
    Path(__file__).resolve().parents[4] / "infra" / "statemachines" / "bulk_import.asl.json"
)
TASK_FUNCTION = "arn:aws:lambda:local:000000000000:function:shortstack-import-tasks"

# AWS error codes that mean "not now" rather than "never" (DynamoDB, S3, STS).
_TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
    }
)


class UnknownTask(ValueError):
    """A Payload whose `task` names no step of the workflow."""


class StorageUnavailable(Exception):
    """A store failed in a way that retrying later may fix; the definition retries it."""


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` is a store saying "not now": throttled, unreachable, busy or locked."""
    if isinstance(exc, HTTPClientError):  # connection refused, reset, read or connect timeout
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in _TRANSIENT_CODES or status >= 500
    if isinstance(exc, ServiceUnavailable):  # an adapter's own "not now" (throttled too long)
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    return False


def run_task(imports: ImportsService, payload: dict[str, Any]) -> dict[str, Any]:
    """Run the step `payload["task"]` names; transient store failures raise StorageUnavailable."""
    try:
        return _dispatch(imports, payload)
    except Exception as exc:
        if is_transient(exc):
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc
        raise


def bulk_import_machine(imports: ImportsService) -> LocalStateMachine:
    """The definition Step Functions runs, loaded for the in-process runner (tasks on `imports`)."""
    from shortstack.adapters.workflow.runner import LocalStateMachine

    return LocalStateMachine.from_text(
        DEFINITION.read_text(),
        {TASK_FUNCTION: lambda payload: run_task(imports, payload)},
        {"ImportTaskFunctionArn": TASK_FUNCTION},
    )


def _dispatch(imports: ImportsService, payload: dict[str, Any]) -> dict[str, Any]:
    task = payload.get("task")
    import_id = str(payload.get("import_id", ""))
    if task == "validate":
        return imports.validate(import_id)
    if task == "transform":
        return imports.transform(import_id, int(payload["chunk"]))
    if task == "load":
        return imports.load(import_id, int(payload["chunk"]))
    if task == "finish":
        return imports.finish(import_id)
    if task == "fail":
        return imports.fail(import_id, failure_reason(payload.get("failure")))
    raise UnknownTask(f"unknown workflow task {task!r}")


def failure_reason(failure: Any) -> str:
    """What a Catch put in `$.failure`, for people: the error and Lambda's errorMessage.

    A Lambda error's Cause is a JSON document with the stack trace: the owner of the
    import sees the message, never the trace.
    """
    if not isinstance(failure, dict):
        return "the workflow failed"
    error = str(failure.get("Error") or "Error")
    cause = failure.get("Cause") or ""
    try:
        parsed = json.loads(cause) if isinstance(cause, str) else cause
    except ValueError:
        parsed = cause
    message = parsed.get("errorMessage", "") if isinstance(parsed, dict) else str(parsed)
    return f"{error}: {message}" if message else error
