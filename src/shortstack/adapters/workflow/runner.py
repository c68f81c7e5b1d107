"""Run a loaded state machine in-process: the local stand-in for AWS Step Functions.

One execution walks the states from StartAt, applying Parameters,
ResultSelector, ResultPath and OutputPath as Step Functions does, retrying and
catching errors by name, and running Map iterations on a thread pool of
MaxConcurrency workers. It runs what `definition` lets load, nothing more.
Errors raised by a task function surface as their exception class name (a
Lambda function's `errorType`), so a Retry or Catch written for AWS matches the
same failures locally.

What the runner adds for local use: the list of states entered (for tests), the
256 KB limit on state data enforced as on AWS (a definition that passes rows
around fails here first), a cap on state transitions, and a stop event that
aborts an execution between states so a server can shut down without waiting
for a whole import.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from shortstack.adapters.workflow.definition import (
    Catcher,
    Machine,
    Retrier,
    State,
    TaskFunction,
    load_definition,
)
from shortstack.adapters.workflow.paths import StateError, render

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_TRANSITIONS = 25_000
MAX_MAP_WORKERS = 40
# Never retried nor caught, even by States.ALL (as on AWS).
_TERMINAL_ERRORS = frozenset({"States.Runtime"})
# Errors of the runner itself, not of a task: States.TaskFailed does not match them.
_NOT_TASK_FAILURES = frozenset({"States.Runtime", "States.DataLimitExceeded"})


class ExecutionAborted(Exception):
    """The stop event was set; the execution ended between two states."""


@dataclass
class ExecutionResult:
    status: Literal["SUCCEEDED", "FAILED", "ABORTED"]
    output: Any = None
    error: str | None = None
    cause: str | None = None
    # The names of the states entered, in order (Map iterations interleave).
    entered: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


class LocalStateMachine:
    """A checked definition plus the functions its Task states call; runs executions."""

    def __init__(self, machine: Machine, functions: Mapping[str, TaskFunction]) -> None:
        self.machine = machine
        self.functions = functions

    @classmethod
    def from_text(
        cls,
        text: str,
        functions: Mapping[str, TaskFunction],
        substitutions: Mapping[str, str] | None = None,
    ) -> LocalStateMachine:
        """Load (and check) a definition; see `load_definition`."""
        return cls(load_definition(text, functions, substitutions), functions)

    def execute(
        self,
        execution_input: Any,
        *,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        max_transitions: int = MAX_TRANSITIONS,
    ) -> ExecutionResult:
        """Run one execution to a Succeed, a Fail, an unhandled error or an abort (`stop`)."""
        execution = _Execution(self.functions, stop or threading.Event(), sleep, max_transitions)
        try:
            output = execution.run(self.machine, _as_json(execution_input, "the execution input"))
        except StateError as err:
            return ExecutionResult("FAILED", None, err.error, err.cause, execution.entered)
        except ExecutionAborted:
            return ExecutionResult("ABORTED", entered=execution.entered)
        return ExecutionResult("SUCCEEDED", output, entered=execution.entered)


@dataclass
class _Execution:
    """One run: the functions it calls, when to stop, the states entered so far."""

    functions: Mapping[str, TaskFunction]
    stop: threading.Event
    sleep: Callable[[float], None] | None
    max_transitions: int
    entered: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, seconds: float) -> None:
        """Sleep before a retry; a stop during the wait aborts the execution."""
        if self.sleep is not None:
            self.sleep(seconds)
        elif self.stop.wait(seconds):
            raise ExecutionAborted()

    def run(self, machine: Machine, data: Any) -> Any:
        name: str | None = machine.start_at
        while name is not None:
            state = machine.states[name]
            if self.stop.is_set():
                raise ExecutionAborted()
            with self.lock:
                self.entered.append(state.name)
                transitions = len(self.entered)
            if transitions > self.max_transitions:
                raise StateError(
                    "States.Runtime", f"more than {self.max_transitions} state transitions"
                )
            name, data = self._run_state(state, data)
        return data

    def _run_state(self, state: State, data: Any) -> tuple[str | None, Any]:
        """Run one state on its input; the next state's name (None at the end) and output."""
        if state.type == "Fail":
            raise StateError(state.error or "States.Fail", state.cause or "")
        if state.type in ("Task", "Map"):
            return self._run_with_retries(state, data)
        if state.type == "Choice":
            return self._choose(state, data), state.output_path.get(data)
        if state.type == "Succeed":
            return None, state.output_path.get(data)
        # Pass: its Parameters, or its input.
        selected = data if state.parameters is None else render(state.parameters, data)
        return self._leave(state, data, selected)

    def _leave(self, state: State, data: Any, result: Any) -> tuple[str | None, Any]:
        """Place the result at ResultPath in the input, then apply OutputPath."""
        combined = data if state.result_path is None else state.result_path.put(data, result)
        output = _as_json(state.output_path.get(combined), f"the output of {state.name!r}")
        return (None if state.end else state.next), output

    def _choose(self, state: State, data: Any) -> str:
        for choice in state.choices:
            if choice.matches(data):
                return choice.next
        if state.default is None:
            raise StateError("States.NoChoiceMatched", f"no choice rule matched in {state.name!r}")
        return state.default

    def _run_with_retries(self, state: State, data: Any) -> tuple[str | None, Any]:
        attempts: dict[int, int] = {}
        is_task = state.type == "Task"
        while True:
            try:
                return self._leave(state, data, self._attempt(state, data))
            except StateError as err:
                delay = _retry_delay(state.retry, attempts, err.error, is_task)
                if delay is not None:
                    self.wait(delay)
                    continue
                catcher = _find_catcher(state.catch, err.error, is_task)
                if catcher is None:
                    raise
                error_output = {"Error": err.error, "Cause": err.cause}
                if catcher.result_path is not None:
                    data = catcher.result_path.put(data, error_output)
                return catcher.next, _as_json(data, "the catcher output")

    def _attempt(self, state: State, data: Any) -> Any:
        if state.type == "Map":
            result: Any = self._run_map(state, data)
        else:
            result = self._invoke(state, render(state.parameters, data))
        if state.result_selector is not None:
            result = render(state.result_selector, result)
        return result

    def _invoke(self, state: State, parameters: Any) -> Any:
        assert state.function is not None
        try:
            value = self.functions[state.function](parameters.get("Payload", {}))
        except Exception as exc:
            # As Lambda reports it: the exception's class is the error name (`errorType`).
            name = type(exc).__name__
            cause = json.dumps({"errorMessage": str(exc), "errorType": name})
            raise StateError(name, cause) from exc
        value = _as_json(value, f"the result of {state.name!r}")
        return {"Payload": value, "StatusCode": 200, "ExecutedVersion": "$LATEST"}

    def _run_map(self, state: State, data: Any) -> list[Any]:
        items = state.items_path.get(data)
        if not isinstance(items, list):
            raise StateError("States.Runtime", f"ItemsPath of {state.name!r} is not a JSON array")
        assert state.processor is not None
        processor, selector = state.processor, state.parameters
        inputs = [
            item if selector is None else render(selector, data, {"Map": {"Item": {"Value": item}}})
            for item in items
        ]
        if not inputs:
            return []
        failed = threading.Event()

        def iterate(item_input: Any) -> Any:
            if failed.is_set() or self.stop.is_set():
                return None
            try:
                return self.run(processor, item_input)
            except BaseException:
                failed.set()
                raise

        workers = min(len(inputs), state.max_concurrency or MAX_MAP_WORKERS, MAX_MAP_WORKERS)
        with ThreadPoolExecutor(workers, thread_name_prefix=f"map-{state.name}") as pool:
            futures = [pool.submit(iterate, item_input) for item_input in inputs]
        for future in futures:
            error = future.exception()
            if error is not None:
                raise error
        if self.stop.is_set():
            raise ExecutionAborted()
        return [f.result() for f in futures]


def _matches(errors: tuple[str, ...], error: str, is_task: bool) -> bool:
    if error in _TERMINAL_ERRORS:
        return False
    if error in errors:
        return True
    if "States.ALL" in errors:
        return error != "States.DataLimitExceeded"
    return "States.TaskFailed" in errors and is_task and error not in _NOT_TASK_FAILURES


def _retry_delay(
    retriers: tuple[Retrier, ...], attempts: dict[int, int], error: str, is_task: bool
) -> float | None:
    """Seconds to wait before the next attempt, or None when no retrier allows one."""
    for index, retrier in enumerate(retriers):
        if _matches(retrier.errors, error, is_task):
            attempts[index] = attempts.get(index, 0) + 1
            if attempts[index] > retrier.max_attempts:
                return None
            return retrier.delay(attempts[index])
    return None


def _find_catcher(catchers: tuple[Catcher, ...], error: str, is_task: bool) -> Catcher | None:
    return next((c for c in catchers if _matches(c.errors, error, is_task)), None)


def _as_json(value: Any, what: str) -> Any:
    """A deep JSON copy of `value`, refusing what Step Functions would refuse."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StateError("States.Runtime", f"{what} is not JSON: {exc}") from exc
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise StateError(
            "States.DataLimitExceeded",
            f"{what} is {len(text.encode())} bytes, over the {MAX_PAYLOAD_BYTES}-byte limit",
        )
    return json.loads(text)
