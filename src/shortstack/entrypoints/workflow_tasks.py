"""The bulk-import workflow's task functions, by name: one dispatch for Lambda and local.

Step Functions invokes `lambda_workflow.handler` with the state's Payload; the
local runner calls `run_task` with the same Payload. Both end here, so a task
behaves the same in both places. Errors keep their class name, which is what
the definition's Retry/Catch match (`errorType` on Lambda).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shortstack.service_layer.imports import ImportsService

DEFINITION = (
    Path(__file__).resolve().parents[3] / "infra" / "statemachines" / "bulk_import.asl.json"
)
TASK_FUNCTION = "arn:aws:lambda:local:000000000000:function:shortstack-import-tasks"


class UnknownTask(ValueError):
    """A Payload whose `task` names no step of the workflow."""


def run_task(imports: ImportsService, payload: dict[str, Any]) -> dict[str, Any]:
    """Run the step `payload["task"]` names with the payload's arguments."""
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
        failure = payload.get("failure") or {}
        reason = f"{failure.get('Error', 'Error')}: {failure.get('Cause', '')}".strip(": ")
        return imports.fail(import_id, reason)
    raise UnknownTask(f"unknown workflow task {task!r}")
