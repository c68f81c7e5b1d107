"""The local ASL runner on small definitions: each state type, paths, retries, catches, Map."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from shortstack.adapters.workflow.runner import ExecutionResult, LocalStateMachine

FN = "arn:aws:lambda:us-east-1:123456789012:function:tasks"
INVOKE = "arn:aws:states:::lambda:invoke"


def machine(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states}


def task(**fields: Any) -> dict[str, Any]:
    """A Task that invokes FN with the state's input and passes on the function's result."""
    invoke = {"FunctionName": FN, "Payload.$": "$"}
    state = {"Type": "Task", "Resource": INVOKE, "Parameters": invoke, "OutputPath": "$.Payload"}
    return {**state, "End": True, **fields}


def run(
    definition: dict[str, Any],
    data: Any = None,
    functions: Mapping[str, Callable[[Any], Any]] | None = None,
    sleeps: list[float] | None = None,
    **options: Any,
) -> ExecutionResult:
    state_machine = LocalStateMachine.from_text(json.dumps(definition), functions or {})
    recorded = sleeps if sleeps is not None else []
    return state_machine.execute({} if data is None else data, sleep=recorded.append, **options)


class Flaky:
    """A task function that fails `failures` times with `error`, then echoes its payload."""

    def __init__(self, failures: int, error: type[Exception] = ConnectionError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, payload: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")
        return {"echo": payload, "calls": self.calls}


# -- Pass, Succeed, Fail, paths ------------------------------------------------------------------


def test_pass_parameters_go_to_result_path_and_keep_the_input() -> None:
    pass_state = {"Type": "Pass", "Parameters": {"x": 1}, "ResultPath": "$.added", "End": True}
    result = run(machine({"P": pass_state}), {"kept": True})
    assert result.succeeded
    assert result.output == {"kept": True, "added": {"x": 1}}


def test_pass_parameters_read_the_input_at_any_depth() -> None:
    definition = machine(
        {
            "P": {
                "Type": "Pass",
                "Parameters": {
                    "id.$": "$.job.id",
                    "whole.$": "$",
                    "literal": {"nested.$": "$.job.id", "n": 3, "list": [{"deep.$": "$.job"}]},
                },
                "End": True,
            }
        }
    )
    data = {"job": {"id": "j1"}}
    assert run(definition, data).output == {
        "id": "j1",
        "whole": data,
        "literal": {"nested": "j1", "n": 3, "list": [{"deep": {"id": "j1"}}]},
    }


def test_output_path_and_null_result_path() -> None:
    definition = machine(
        {
            "A": {"Type": "Pass", "Parameters": {"x": 1}, "ResultPath": None, "Next": "B"},
            # ResultPath null discards the result: B sees A's input, not its Parameters.
            "B": {"Type": "Pass", "OutputPath": "$.inner.keep", "Next": "C"},
            "C": {"Type": "Succeed"},
        }
    )
    result = run(definition, {"inner": {"keep": {"k": 1}, "drop": 2}, "outer": 3})
    assert result.output == {"k": 1}
    assert result.entered == ["A", "B", "C"]


def test_missing_path_is_a_runtime_error_that_no_catch_can_hide() -> None:
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
    invoke = {"FunctionName": FN, "Payload": {"x.$": "$.missing"}}
    definition = machine(
        {"T": task(Parameters=invoke, Catch=catch), "Caught": {"Type": "Succeed"}}, "T"
    )
    result = run(definition, {}, {FN: lambda payload: payload})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "$.missing" in (result.cause or "")


def test_fail_state_ends_with_its_error_and_cause() -> None:
    literal = run(machine({"F": {"Type": "Fail", "Error": "Boom", "Cause": "because"}}))
    assert (literal.status, literal.error, literal.cause) == ("FAILED", "Boom", "because")
    bare = run(machine({"F": {"Type": "Fail"}}))
    assert (bare.error, bare.cause) == ("States.Fail", "")


def test_result_path_into_a_non_object_fails_with_match_failure() -> None:
    definition = machine(
        {"P": {"Type": "Pass", "Parameters": {}, "ResultPath": "$.a.b", "End": True}}
    )
    result = run(definition, {"a": "text"})
    assert result.error == "States.ResultPathMatchFailure"


# -- Task ----------------------------------------------------------------------------------------


def test_lambda_invoke_wraps_the_payload_and_result_selector_unwraps_it() -> None:
    seen: list[Any] = []

    def task(payload: Any) -> Any:
        seen.append(payload)
        return {"count": 3, "big": "x" * 10}

    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": INVOKE,
                "Parameters": {"FunctionName": FN, "Payload": {"task": "t", "id.$": "$.id"}},
                "ResultSelector": {"count.$": "$.Payload.count", "status.$": "$.StatusCode"},
                "ResultPath": "$.result",
                "End": True,
            }
        }
    )
    result = run(definition, {"id": "i-1"}, {FN: task})
    assert seen == [{"task": "t", "id": "i-1"}]
    assert result.output == {"id": "i-1", "result": {"count": 3, "status": 200}}


def test_task_error_name_is_the_exception_class_and_cause_is_lambda_shaped() -> None:
    def fail(payload: Any) -> Any:
        raise KeyError("nope")

    result = run(machine({"T": task()}), {}, {FN: fail})
    assert result.error == "KeyError"
    assert json.loads(result.cause or "{}") == {"errorMessage": "'nope'", "errorType": "KeyError"}


def test_results_over_256_kb_fail_like_on_aws() -> None:
    result = run(machine({"T": task()}), {}, {FN: lambda payload: {"rows": "x" * 300_000}})
    assert result.error == "States.DataLimitExceeded"


# -- Retry and Catch -----------------------------------------------------------------------------


def task_with(retry: list[Any], catch: list[Any] | None = None) -> dict[str, Any]:
    state = task(Retry=retry)
    if catch is not None:
        state["Catch"] = catch
    states = {"T": state, "Recover": {"Type": "Pass", "End": True}}
    return machine(states, "T") if catch else machine({"T": state})


def test_retry_counts_attempts_and_backs_off() -> None:
    flaky = Flaky(failures=3)
    sleeps: list[float] = []
    retry = [
        {
            "ErrorEquals": ["ConnectionError"],
            "IntervalSeconds": 1,
            "MaxAttempts": 3,
            "BackoffRate": 2,
        }
    ]
    result = run(task_with(retry), {"n": 1}, {FN: flaky}, sleeps)
    assert result.succeeded
    assert flaky.calls == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert result.output == {"echo": {"n": 1}, "calls": 4}


def test_retry_gives_up_after_max_attempts() -> None:
    flaky = Flaky(failures=10)
    retry = [{"ErrorEquals": ["ConnectionError"], "MaxAttempts": 2}]
    result = run(task_with(retry), {}, {FN: flaky})
    assert flaky.calls == 3
    assert result.error == "ConnectionError"


def test_zero_attempts_never_retries() -> None:
    never = Flaky(failures=1)
    run(task_with([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]), {}, {FN: never})
    assert never.calls == 1


def test_the_first_matching_retrier_decides() -> None:
    flaky = Flaky(failures=5, error=ValueError)
    retry = [
        {"ErrorEquals": ["ValueError"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    result = run(task_with(retry), {}, {FN: flaky})
    assert flaky.calls == 2
    assert result.error == "ValueError"


def test_states_task_failed_matches_function_errors() -> None:
    flaky = Flaky(failures=1, error=RuntimeError)
    result = run(task_with([{"ErrorEquals": ["States.TaskFailed"]}]), {}, {FN: flaky})
    assert result.succeeded
    assert flaky.calls == 2


def test_catch_places_the_error_at_its_result_path_on_the_raw_input() -> None:
    catch = [{"ErrorEquals": ["ConnectionError"], "ResultPath": "$.error", "Next": "Recover"}]
    result = run(task_with([], catch), {"id": 7}, {FN: Flaky(failures=1)})
    assert result.succeeded
    assert result.entered == ["T", "Recover"]
    assert result.output["id"] == 7
    assert result.output["error"]["Error"] == "ConnectionError"
    assert json.loads(result.output["error"]["Cause"])["errorMessage"] == "failure 1"


def test_catch_without_result_path_replaces_the_input_with_the_error() -> None:
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}]
    result = run(task_with([], catch), {"id": 7}, {FN: Flaky(failures=1)})
    assert set(result.output) == {"Error", "Cause"}


def test_catch_runs_after_retries_are_exhausted_and_unmatched_errors_fail() -> None:
    flaky = Flaky(failures=9)
    catch = [{"ErrorEquals": ["ConnectionError"], "ResultPath": "$.e", "Next": "Recover"}]
    result = run(
        task_with([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], catch), {}, {FN: flaky}
    )
    assert flaky.calls == 3
    assert result.entered == ["T", "Recover"]
    unmatched = run(task_with([], [{"ErrorEquals": ["Other"], "Next": "Recover"}]), {}, {FN: flaky})
    assert unmatched.error == "ConnectionError"


# -- Choice --------------------------------------------------------------------------------------


def choose(rule: dict[str, Any], data: Any) -> str:
    definition = machine(
        {
            "C": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"},
        }
    )
    result = run(definition, data)
    assert result.succeeded, result.cause
    return result.entered[-1]


@pytest.mark.parametrize(
    ("rule", "data", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "a"}, {"s": "a"}, "Yes"),
        ({"Variable": "$.s", "StringEquals": "a"}, {"s": "b"}, "No"),
        ({"Variable": "$.s", "StringEquals": "1"}, {"s": 1}, "No"),
        ({"Variable": "$.n", "NumericEquals": 3}, {"n": 3.0}, "Yes"),
        ({"Variable": "$.n", "NumericGreaterThan": 0}, {"n": 0}, "No"),
        ({"Variable": "$.n", "NumericGreaterThan": 0}, {"n": True}, "No"),
        ({"Variable": "$.n", "NumericLessThan": 10}, {"n": 9.5}, "Yes"),
        ({"Variable": "$.n", "NumericLessThanEquals": 10}, {"n": 10}, "Yes"),
        ({"Variable": "$.n", "NumericGreaterThanEquals": 10}, {"n": 9}, "No"),
        ({"Variable": "$.n", "NumericEquals": 2}, {"n": "2"}, "No"),
        ({"Variable": "$.b", "BooleanEquals": True}, {"b": True}, "Yes"),
        ({"Variable": "$.b", "BooleanEquals": True}, {"b": "true"}, "No"),
        ({"Variable": "$.b", "BooleanEquals": False}, {"b": 0}, "No"),
        ({"Variable": "$.s", "StringEquals": "a"}, {"s": None}, "No"),
    ],
)
def test_choice_operators(rule: dict[str, Any], data: Any, expected: str) -> None:
    assert choose(rule, data) == expected


def test_choice_on_a_missing_variable_is_a_runtime_error() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "S"}],
                "Default": "S",
            },
            "S": {"Type": "Succeed"},
        }
    )
    assert run(definition, {}).error == "States.Runtime"


def test_no_matching_choice_and_no_default_fails() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "S"}],
            },
            "S": {"Type": "Succeed"},
        }
    )
    assert run(definition, {"n": 2}).error == "States.NoChoiceMatched"


# -- Map -----------------------------------------------------------------------------------------


def map_state(**overrides: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {
            "value.$": "$$.Map.Item.Value",
            "job.$": "$.job",
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Work",
            "States": {"Work": task()},
        },
        "ResultPath": "$.results",
        "End": True,
    }
    state.update(overrides)
    return state


def test_map_runs_each_item_with_selector_and_keeps_the_order() -> None:
    def work(payload: Any) -> Any:
        return f"{payload['job']}{payload['value']}"

    result = run(
        machine({"M": map_state(MaxConcurrency=3)}), {"items": [1, 2, 3, 4], "job": "j"}, {FN: work}
    )
    assert result.output == {"items": [1, 2, 3, 4], "job": "j", "results": ["j1", "j2", "j3", "j4"]}


def test_map_without_selector_passes_the_items() -> None:
    state = map_state()
    del state["ItemSelector"]
    result = run(machine({"M": state}), {"items": ["a", "b"]}, {FN: lambda p: p.upper()})
    assert result.output["results"] == ["A", "B"]


def test_map_over_an_empty_list_returns_an_empty_list() -> None:
    result = run(machine({"M": map_state()}), {"items": [], "job": "j"}, {FN: lambda p: p})
    assert result.output["results"] == []


def test_map_never_runs_more_than_max_concurrency_items_at_once() -> None:
    limit = 3
    lock = threading.Lock()
    active = 0
    peak = 0
    release = threading.Event()
    reached = threading.Event()

    def work(payload: Any) -> Any:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            if active == limit:
                reached.set()
        release.wait(timeout=10)
        with lock:
            active -= 1
        return payload["value"]

    def open_gate() -> None:
        reached.wait(timeout=10)
        release.set()

    opener = threading.Thread(target=open_gate)
    opener.start()
    result = run(
        machine({"M": map_state(MaxConcurrency=limit)}),
        {"items": list(range(12)), "job": "j"},
        {FN: work},
    )
    opener.join()
    assert result.succeeded
    assert reached.is_set()
    assert peak == limit
    assert result.output["results"] == list(range(12))


def test_a_failing_iteration_fails_the_map_and_its_catch_takes_over() -> None:
    def work(payload: Any) -> Any:
        if payload["value"] == 3:
            raise ValueError("bad item")
        return payload["value"]

    state = map_state(Catch=[{"ErrorEquals": ["ValueError"], "ResultPath": "$.err", "Next": "R"}])
    state.pop("End")
    state["Next"] = "Done"
    definition = machine(
        {"M": state, "Done": {"Type": "Succeed"}, "R": {"Type": "Pass", "End": True}}, "M"
    )
    result = run(definition, {"items": [1, 2, 3, 4], "job": "j"}, {FN: work})
    assert result.entered[-1] == "R"
    assert result.output["err"]["Error"] == "ValueError"
    assert "results" not in result.output


def test_map_retries_as_a_whole() -> None:
    calls: dict[int, int] = {}

    def work(payload: Any) -> Any:
        calls[payload["value"]] = calls.get(payload["value"], 0) + 1
        if payload["value"] == 2 and calls[2] == 1:
            raise ConnectionError("once")
        return payload["value"]

    state = map_state(MaxConcurrency=1, Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}])
    result = run(machine({"M": state}), {"items": [1, 2], "job": "j"}, {FN: work})
    assert result.succeeded
    assert calls == {1: 2, 2: 2}


# -- stop and limits ----------------------------------------------------------------------------


def test_a_set_stop_event_aborts_between_states() -> None:
    stop = threading.Event()

    def stopping(payload: Any) -> Any:
        stop.set()
        return payload

    first = task(Next="After")
    del first["End"]
    definition = machine({"T": first, "After": {"Type": "Succeed"}}, "T")
    result = run(definition, {}, {FN: stopping}, stop=stop)
    assert result.status == "ABORTED"
    assert result.entered == ["T"]


def test_an_endless_loop_is_cut_off() -> None:
    definition = machine(
        {
            "Loop": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Loop"}],
                "Default": "End",
            },
            "End": {"Type": "Succeed"},
        }
    )
    result = run(definition, {"go": True}, max_transitions=50)
    assert result.error == "States.Runtime"
    assert "50" in (result.cause or "")


def test_a_retried_state_is_entered_once() -> None:
    flaky = Flaky(failures=1)
    result = run(task_with([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}]), {}, {FN: flaky})
    assert flaky.calls == 2
    assert result.entered == ["T"]
