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
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from shortstack.adapters.workflow.choice import RuleRuntimeError
from shortstack.adapters.workflow.definition import (
    Catcher,
    Machine,
    Retrier,
    State,
    TaskFunction,
    load_definition,
)
from shortstack.adapters.workflow.paths import Path, PathNotFound, ResultPathMismatch, Template

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_TRANSITIONS = 25_000
MAX_MAP_WORKERS = 40
# Never retried nor caught, even by States.ALL (as on AWS).
_TERMINAL_ERRORS = frozenset({"States.Runtime"})
_NOT_TASK_FAILURES = frozenset({"States.Timeout", "States.Runtime", "States.DataLimitExceeded"})


class StateError(Exception):
    """An ASL-level error inside an execution: a name for Retry/Catch and a cause."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class ExecutionAborted(Exception):
    """The stop event was set; the execution ended between two states."""


@dataclass
class ExecutionResult:
    status: Literal["SUCCEEDED", "FAILED", "ABORTED"]
    output: Any = None
    error: str | None = None
    cause: str | None = None
    entered: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def states_entered(self) -> list[str]:
        """Names of the states entered, in order (Map iterations interleave)."""
        return list(self.entered)


def error_from_exception(exc: Exception) -> StateError:
    """A task function's exception as Lambda reports it: errorType as the error name."""
    name = type(exc).__name__
    cause = json.dumps({"errorMessage": str(exc), "errorType": name})
    return StateError(name, cause)


def _matches(errors: tuple[str, ...], error: str, is_task: bool) -> bool:
    if error in _TERMINAL_ERRORS:
        return False
    if error in errors:
        return True
    if "States.ALL" in errors:
        return error != "States.DataLimitExceeded"
    return "States.TaskFailed" in errors and is_task and error not in _NOT_TASK_FAILURES


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


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Execution:
    """One run of a machine; create it, call `run()` once."""

    def __init__(
        self,
        machine: Machine,
        functions: Mapping[str, TaskFunction],
        *,
        name: str | None = None,
        state_machine_name: str = "local",
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        max_transitions: int = MAX_TRANSITIONS,
    ) -> None:
        self.machine = machine
        self.functions = functions
        self.name = name or uuid.uuid4().hex
        self.state_machine_name = state_machine_name
        self.stop = stop or threading.Event()
        self._sleep = sleep or self._interruptible_sleep
        self.max_transitions = max_transitions
        self.entered: list[str] = []
        self._lock = threading.Lock()
        self._context: dict[str, Any] = {}

    def run(self, execution_input: Any) -> ExecutionResult:
        """Walk the machine to a Succeed, a Fail, an unhandled error or an abort."""
        arn = f"arn:aws:states:local:000000000000:execution:{self.state_machine_name}:{self.name}"
        try:
            data = _as_json(execution_input, "the execution input")
            self._context = {
                "Execution": {"Id": arn, "Name": self.name, "Input": data, "StartTime": _now_iso()},
                "StateMachine": {"Id": arn.rsplit(":", 1)[0], "Name": self.state_machine_name},
            }
            output = self._run_machine(self.machine, data)
        except StateError as err:
            return ExecutionResult("FAILED", None, err.error, err.cause, self.entered)
        except ExecutionAborted:
            return ExecutionResult("ABORTED", entered=self.entered)
        return ExecutionResult("SUCCEEDED", output, entered=self.entered)

    def _enter(self, state: State) -> None:
        if self.stop.is_set():
            raise ExecutionAborted()
        with self._lock:
            self.entered.append(state.name)
            transitions = len(self.entered)
        if transitions > self.max_transitions:
            raise StateError(
                "States.Runtime", f"more than {self.max_transitions} state transitions"
            )

    def _interruptible_sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise ExecutionAborted()

    def _context_for(self, state: State, retry_count: int = 0) -> dict[str, Any]:
        state_info = {"Name": state.name, "EnteredTime": _now_iso(), "RetryCount": retry_count}
        return {**self._context, "State": state_info}

    # -- the walk ----------------------------------------------------------------------------

    def _run_machine(self, machine: Machine, data: Any) -> Any:
        name: str | None = machine.start_at
        while name is not None:
            state = machine.states[name]
            self._enter(state)
            name, data = self._run_state(state, data)
        return data

    def _run_state(self, state: State, data: Any) -> tuple[str | None, Any]:
        """Run one state on its input; the next state's name (None at the end) and output."""
        if state.type == "Fail":
            raise StateError(state.error or "States.Fail", state.cause or "")
        if state.type in ("Task", "Map"):
            return self._run_with_retries(state, data)
        if state.type == "Choice":
            return self._choose(state, data), _select(state.output_path, data, "OutputPath")
        if state.type == "Succeed":
            return None, _select(state.output_path, data, "OutputPath")
        # Pass: its Result if it has one, else its Parameters (or its input).
        selected = data
        if state.parameters is not None:
            selected = _render(state.parameters, data, self._context_for(state))
        return self._leave(state, data, state.result if state.has_result else selected)

    def _leave(self, state: State, data: Any, result: Any) -> tuple[str | None, Any]:
        """Place the result at ResultPath in the input, then apply OutputPath."""
        combined = _place(state.result_path, data, result)
        output = _as_json(
            _select(state.output_path, combined, "OutputPath"), f"the output of {state.name!r}"
        )
        return (None if state.end else state.next), output

    def _choose(self, state: State, data: Any) -> str:
        context = self._context_for(state)
        for choice in state.choices:
            try:
                if choice.rule(data, context):
                    return choice.next
            except RuleRuntimeError as exc:
                raise StateError("States.Runtime", f"state {state.name!r}: {exc}") from exc
        if state.default is None:
            raise StateError("States.NoChoiceMatched", f"no choice rule matched in {state.name!r}")
        return state.default

    def _run_with_retries(self, state: State, data: Any) -> tuple[str | None, Any]:
        attempts: dict[int, int] = {}
        is_task = state.type == "Task"
        while True:
            try:
                return self._leave(state, data, self._attempt(state, data, sum(attempts.values())))
            except StateError as err:
                delay = _retry_delay(state.retry, attempts, err.error, is_task)
                if delay is not None:
                    self._sleep(delay)
                    continue
                catcher = _find_catcher(state.catch, err.error, is_task)
                if catcher is None:
                    raise
                error_output = {"Error": err.error, "Cause": err.cause}
                return catcher.next, _as_json(
                    _place(catcher.result_path, data, error_output), "the catcher output"
                )

    def _attempt(self, state: State, data: Any, retry_count: int) -> Any:
        context = self._context_for(state, retry_count)
        if state.type == "Map":
            result: Any = self._run_map(state, data, context)
        else:
            assert state.parameters is not None  # a Task names its function in Parameters
            result = self._invoke(state, _render(state.parameters, data, context))
        if state.result_selector is not None:
            result = _render(state.result_selector, result, context)
        return result

    def _invoke(self, state: State, parameters: Any) -> Any:
        assert state.function is not None
        try:
            value = self.functions[state.function](parameters.get("Payload", {}))
        except ExecutionAborted:
            raise
        except Exception as exc:
            raise error_from_exception(exc) from exc
        value = _as_json(value, f"the result of {state.name!r}")
        return {"Payload": value, "StatusCode": 200, "ExecutedVersion": "$LATEST"}

    def _run_map(self, state: State, data: Any, context: dict[str, Any]) -> list[Any]:
        items = _select(state.items_path, data, "ItemsPath")
        if not isinstance(items, list):
            raise StateError("States.Runtime", f"ItemsPath of {state.name!r} is not a JSON array")
        assert state.processor is not None
        processor, selector = state.processor, state.parameters
        inputs = [
            item
            if selector is None
            else _render(selector, data, {**context, "Map": {"Item": {"Index": i, "Value": item}}})
            for i, item in enumerate(items)
        ]
        if not inputs:
            return []
        failed = threading.Event()

        def iterate(item_input: Any) -> Any:
            if failed.is_set() or self.stop.is_set():
                return None
            try:
                return self._run_machine(processor, item_input)
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


def _select(path: Path | None, data: Any, field_name: str) -> Any:
    """Apply an OutputPath or ItemsPath; None (JSON null) gives an empty object."""
    if path is None:
        return {}
    try:
        return path.get(data)
    except PathNotFound as exc:
        raise StateError("States.Runtime", f"{field_name}: {exc}") from exc


def _place(path: Path | None, data: Any, result: Any) -> Any:
    if path is None:
        return data
    try:
        return path.put(data, result)
    except ResultPathMismatch as exc:
        raise StateError("States.ResultPathMatchFailure", str(exc)) from exc


def _render(template: Template, data: Any, context: Mapping[str, Any]) -> Any:
    try:
        return template.render(data, context)
    except PathNotFound as exc:
        raise StateError("States.Runtime", str(exc)) from exc


class LocalStateMachine:
    """A checked definition plus the functions its Task states call; runs executions."""

    def __init__(self, machine: Machine, functions: Mapping[str, TaskFunction], name: str) -> None:
        self.machine = machine
        self.functions = functions
        self.name = name

    @classmethod
    def from_text(
        cls,
        text: str,
        functions: Mapping[str, TaskFunction],
        substitutions: Mapping[str, str] | None = None,
        name: str = "local",
    ) -> LocalStateMachine:
        """Load (and check) a definition; see `load_definition`."""
        return cls(load_definition(text, functions, substitutions), functions, name)

    def execute(self, execution_input: Any, **options: Any) -> ExecutionResult:
        """Run one execution to its end; `options` go to `Execution` (name, stop, sleep...)."""
        execution = Execution(self.machine, self.functions, state_machine_name=self.name, **options)
        return execution.run(execution_input)
