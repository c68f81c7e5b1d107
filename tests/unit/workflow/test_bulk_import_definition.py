"""The real bulk-import definition: accepted by Step Functions (moto), loaded by our parser,
and, with its Task states stubbed, walked the same way by moto's interpreter and ours.

The Task-less skeleton keeps every other state as written (Pass, Choice, Map with its
ItemSelector, Succeed, Fail, the Map's Catch): only each Task becomes a Pass whose
Parameters are what the task's ResultSelector would produce. So the data flow between the
real states is checked by two independent interpreters, not just by our reading of ASL.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from shortstack.adapters.workflow.runner import LocalStateMachine
from shortstack.adapters.workflow.tasks import DEFINITION, TASK_FUNCTION, UnknownTask, run_task
from tests.moto_sfn import ROLE_ARN, execute_on_moto, executing_stepfunctions

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:shortstack-import-tasks"


def definition() -> dict[str, Any]:
    text = DEFINITION.read_text().replace("${ImportTaskFunctionArn}", FUNCTION_ARN)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def all_states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in machine["States"].items():
        yield name, state
        if state["Type"] == "Map":
            yield from all_states(state["ItemProcessor"])


@pytest.fixture(scope="module")
def stepfunctions() -> Iterator[Any]:
    with executing_stepfunctions() as client:
        yield client


def test_step_functions_accepts_the_definition(stepfunctions: Any) -> None:
    arn = stepfunctions.create_state_machine(
        name="bulk-import", definition=json.dumps(definition()), roleArn=ROLE_ARN
    )["stateMachineArn"]
    described = stepfunctions.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"]) == definition()


def test_it_uses_every_construct_the_workflow_promises() -> None:
    states = dict(all_states(definition()))
    assert {state["Type"] for state in states.values()} == {
        "Task",
        "Choice",
        "Map",
        "Pass",
        "Succeed",
        "Fail",
    }
    tasks = {name: state for name, state in states.items() if state["Type"] == "Task"}
    assert all("Retry" in state for state in tasks.values())
    # Every top-level Task but the last resort ends in MarkFailed when its retries run out.
    top = definition()["States"]
    assert {
        name for name, state in top.items() if state["Type"] in ("Task", "Map") and "Catch" in state
    } == {"Validate", "TransformAndLoad", "Finish"}
    assert all(
        state["Resource"] == "arn:aws:states:::lambda:invoke"
        and state["Parameters"]["FunctionName"] == FUNCTION_ARN
        for state in tasks.values()
    )


def test_every_task_the_definition_names_is_one_the_handler_runs() -> None:
    names = {
        state["Parameters"]["Payload"]["task"]
        for _, state in all_states(definition())
        if state["Type"] == "Task"
    }
    assert names == {"validate", "transform", "load", "finish", "fail"}

    class Recorder:
        """Stands in for ImportsService: records which step ran with which arguments."""

        def __init__(self) -> None:
            self.calls: list[tuple[str, tuple[Any, ...]]] = []

        def __getattr__(self, step: str) -> Any:
            def record(*args: Any) -> dict[str, Any]:
                self.calls.append((step, args))
                return {}

            return record

    recorder = Recorder()
    for name in sorted(names):
        run_task(recorder, {"task": name, "import_id": "i1", "chunk": 0})  # type: ignore[arg-type]
    assert [step for step, _ in recorder.calls] == sorted(names)
    with pytest.raises(UnknownTask):
        run_task(recorder, {"task": "explode", "import_id": "i1"})  # type: ignore[arg-type]


def test_our_parser_loads_it_with_the_local_task_function() -> None:
    text = DEFINITION.read_text()
    machine = LocalStateMachine.from_text(
        text, {TASK_FUNCTION: lambda payload: payload}, {"ImportTaskFunctionArn": TASK_FUNCTION}
    )
    assert machine.machine.start_at == "Prepare"


def stubbed(results: dict[str, Any], failing: str | None = None) -> dict[str, Any]:
    """The definition with each Task replaced by a Pass producing `results[name]`.

    `failing` names a Task that becomes a Fail state instead (inside the Map, so the
    Map's Catch is exercised by both interpreters).
    """
    machine = copy.deepcopy(definition())

    def replace_tasks(states: dict[str, Any]) -> None:
        for name, state in list(states.items()):
            if state["Type"] == "Map":
                replace_tasks(state["ItemProcessor"]["States"])
            if state["Type"] != "Task":
                continue
            if name == failing:
                states[name] = {"Type": "Fail", "Error": "StorageUnavailable", "Cause": "stub"}
                continue
            stub: dict[str, Any] = {"Type": "Pass", "Parameters": results.get(name, {})}
            for field in ("ResultPath", "Next", "End"):
                if field in state:
                    stub[field] = state[field]
            states[name] = stub

    replace_tasks(machine["States"])
    return machine


VALIDATED = {"valid": 3, "chunks": [0, 1, 2]}
CASES = {
    "rows to load": stubbed({"Validate": VALIDATED, "Finish": {"status": "succeeded"}}),
    "no valid row": stubbed(
        {"Validate": {"valid": 0, "chunks": []}, "Finish": {"status": "failed"}}
    ),
    "a load fails": stubbed({"Validate": VALIDATED}, failing="Load"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_skeleton_runs_alike_on_moto_and_locally(stepfunctions: Any, case: str) -> None:
    machine = CASES[case]
    data = {"import_id": "imp-1", "noise": "dropped by Prepare"}
    reference = execute_on_moto(stepfunctions, machine, data)
    local = LocalStateMachine.from_text(json.dumps(machine), {}).execute(data)
    assert (local.status, local.error) == (reference.status, reference.error)
    if reference.status == "SUCCEEDED":
        assert local.output == reference.output
        assert sorted(local.entered) == sorted(reference.states_entered)
    else:  # how many Map iterations start before one fails depends on thread timing
        assert set(local.entered) == set(reference.states_entered)
    entered = local.entered
    if case == "rows to load":
        assert entered.count("Load") == 3
        assert local.output == {"status": "succeeded"}
    elif case == "no valid row":
        assert "TransformAndLoad" not in entered
        assert entered[-1] == "Done"
    else:
        assert (local.error, entered[-2:]) == ("ImportFailed", ["MarkFailed", "ImportFailed"])
