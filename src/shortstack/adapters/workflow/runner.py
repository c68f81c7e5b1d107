"""Run a loaded state machine in-process: the local stand-in for AWS Step Functions.

One execution walks the states from StartAt, applying InputPath, Parameters,
ResultSelector, ResultPath and OutputPath as Step Functions does, retrying
and catching errors by name, and running Map iterations on a thread pool of
MaxConcurrency workers. Errors raised by a task function surface as their
exception class name (a Lambda function's `errorType`), so a Retry or Catch
written for AWS matches the same failures locally.

What the runner adds for local use: a history of every step (for tests and
logs), the 256 KB limit on state data enforced as on AWS (a definition that
passes rows around fails here first), a cap on state transitions, and a stop
event that aborts an execution between states so a server can shut down
without waiting for a whole import.
"""

from __future__ import annotations

import json
import random
import threading
import time
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
from shortstack.adapters.workflow.paths import Path, PathNotFound, ResultPathMismatch

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_TRANSITIONS = 25_000
MAX_MAP_WORKERS = 40
# Never retried nor caught, even by States.ALL (as on AWS).
_TERMINAL_ERRORS = frozenset({"States.Runtime"})
_NOT_TASK_FAILURES = frozenset({"States.Timeout", "States.Runtime", "States.DataLimitExceeded"})

HistoryEvent = dict[str, Any]
Listener = Callable[[HistoryEvent], None]


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
    history: list[HistoryEvent] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def states_entered(self) -> list[str]:
        """Names of the states entered, in order (Map iterations interleave)."""
        return [e["state"] for e in self.history if e["type"] == "StateEntered"]


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
        listener: Listener | None = None,
        max_transitions: int = MAX_TRANSITIONS,
    ) -> None:
        self.machine = machine
        self.functions = functions
        self.name = name or uuid.uuid4().hex
        self.state_machine_name = state_machine_name
        self.stop = stop or threading.Event()
        self._sleep = sleep or self._interruptible_sleep
        self.listener = listener
        self.max_transitions = max_transitions
        self.history: list[HistoryEvent] = []
        self._lock = threading.Lock()
        self._transitions = 0
        self._context: dict[str, Any] = {}

    def run(self, execution_input: Any) -> ExecutionResult:
        """Walk the machine to a Succeed, a Fail, an unhandled error or an abort."""
        arn = f"arn:aws:states:local:000000000000:execution:{self.state_machine_name}:{self.name}"
        try:
            data = _as_json(execution_input, "the execution input")
        except StateError as err:
            return self._finish("FAILED", error=err.error, cause=err.cause)
        self._context = {
            "Execution": {"Id": arn, "Name": self.name, "Input": data, "StartTime": _now_iso()},
            "StateMachine": {"Id": arn.rsplit(":", 1)[0], "Name": self.state_machine_name},
        }
        self._record({"type": "ExecutionStarted", "state": None})
        try:
            output = self._run_machine(self.machine, data)
        except StateError as err:
            return self._finish("FAILED", error=err.error, cause=err.cause)
        except ExecutionAborted:
            return self._finish("ABORTED")
        return self._finish("SUCCEEDED", output=output)

    # -- bookkeeping -------------------------------------------------------------------------

    def _finish(
        self, status: Literal["SUCCEEDED", "FAILED", "ABORTED"], **kw: Any
    ) -> ExecutionResult:
        self._record({"type": f"Execution{status.title()}", "state": None, **kw})
        return ExecutionResult(status, history=list(self.history), **kw)

    def _record(self, event: HistoryEvent) -> None:
        event["timestamp"] = time.time()
        with self._lock:
            self.history.append(event)
        if self.listener is not None:
            self.listener(event)

    def _enter(self, state: State) -> None:
        if self.stop.is_set():
            raise ExecutionAborted()
        with self._lock:
            self._transitions += 1
            over = self._transitions > self.max_transitions
        if over:
            raise StateError(
                "States.Runtime", f"more than {self.max_transitions} state transitions"
            )
        self._record({"type": "StateEntered", "state": state.name})

    def _interruptible_sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise ExecutionAborted()

    def _context_for(self, state: State, retry_count: int, **extra: Any) -> dict[str, Any]:
        state_info = {"Name": state.name, "EnteredTime": _now_iso(), "RetryCount": retry_count}
        return {**self._context, "State": state_info, **extra}

    # -- the walk ----------------------------------------------------------------------------

    def _run_machine(self, machine: Machine, data: Any) -> Any:
        name = machine.start_at
        while True:
            state = machine.states[name]
            self._enter(state)
            next_name, data = self._run_state(state, data)
            self._record({"type": "StateExited", "state": state.name})
            if next_name is None:
                return data
            name = next_name

    def _run_state(self, state: State, raw: Any) -> tuple[str | None, Any]:
        """Run one state on its raw input; the next state's name (None at the end) and output."""
        if state.type == "Fail":
            error = _path_or(state.error_path, raw, state.error, "ErrorPath")
            cause = _path_or(state.cause_path, raw, state.cause, "CausePath")
            raise StateError(str(error or "States.Fail"), str(cause or ""))
        effective = _select(state.input_path, raw, "InputPath")
        if state.type in ("Task", "Map"):
            return self._run_with_retries(state, raw, effective)
        if state.type == "Choice":
            return self._choose(state, effective), _select(
                state.output_path, effective, "OutputPath"
            )
        if state.type == "Succeed":
            return None, _select(state.output_path, effective, "OutputPath")
        if state.type == "Wait":
            self._wait(state, effective)
            return self._leave(state, raw, effective)
        # Pass
        if state.parameters is not None:
            effective = _render(state.parameters, effective, self._context_for(state, 0))
        result = state.result if state.has_result else effective
        return self._leave(state, raw, result)

    def _leave(self, state: State, raw: Any, result: Any) -> tuple[str | None, Any]:
        """Place the result at ResultPath in the raw input, then apply OutputPath."""
        combined = _place(state.result_path, raw, result)
        output = _as_json(
            _select(state.output_path, combined, "OutputPath"), f"the output of {state.name!r}"
        )
        return (None if state.end else state.next), output

    def _choose(self, state: State, data: Any) -> str:
        context = self._context_for(state, 0)
        for choice in state.choices:
            try:
                if choice.rule(data, context):
                    return choice.next
            except RuleRuntimeError as exc:
                raise StateError("States.Runtime", f"state {state.name!r}: {exc}") from exc
        if state.default is None:
            raise StateError("States.NoChoiceMatched", f"no choice rule matched in {state.name!r}")
        return state.default

    def _wait(self, state: State, data: Any) -> None:
        seconds: Any = state.seconds
        if state.seconds_path is not None:
            seconds = _select(state.seconds_path, data, "SecondsPath")
            if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
                raise StateError("States.Runtime", f"SecondsPath of {state.name!r} is not a count")
        if seconds:
            self._sleep(float(seconds))

    def _run_with_retries(self, state: State, raw: Any, effective: Any) -> tuple[str | None, Any]:
        attempts: dict[int, int] = {}
        while True:
            retry_count = sum(attempts.values())
            try:
                result = self._attempt(state, effective, retry_count)
                return self._leave(state, raw, result)
            except StateError as err:
                self._record(
                    {
                        "type": "StateFailed",
                        "state": state.name,
                        "error": err.error,
                        "cause": err.cause,
                    }
                )
                delay = self._retry_delay(state.retry, attempts, err.error, state.type == "Task")
                if delay is not None:
                    self._record(
                        {
                            "type": "StateRetried",
                            "state": state.name,
                            "error": err.error,
                            "delay": delay,
                        }
                    )
                    self._sleep(delay)
                    continue
                catcher = _find_catcher(state.catch, err.error, state.type == "Task")
                if catcher is None:
                    raise
                self._record(
                    {
                        "type": "StateCaught",
                        "state": state.name,
                        "error": err.error,
                        "next": catcher.next,
                    }
                )
                error_output = {"Error": err.error, "Cause": err.cause}
                return catcher.next, _as_json(
                    _place(catcher.result_path, raw, error_output), "the catcher output"
                )

    def _retry_delay(
        self, retriers: tuple[Retrier, ...], attempts: dict[int, int], error: str, is_task: bool
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when no retrier allows one."""
        for index, retrier in enumerate(retriers):
            if _matches(retrier.errors, error, is_task):
                attempts[index] = attempts.get(index, 0) + 1
                if attempts[index] > retrier.max_attempts:
                    return None
                delay = retrier.delay(attempts[index])
                return random.uniform(0, delay) if retrier.full_jitter else delay
        return None

    def _attempt(self, state: State, effective: Any, retry_count: int) -> Any:
        context = self._context_for(state, retry_count)
        if state.type == "Map":
            result: Any = self._run_map(state, effective, context)
        else:
            params = (
                _render(state.parameters, effective, context) if state.parameters else effective
            )
            result = self._invoke(state, params)
        if state.result_selector is not None:
            result = _render(state.result_selector, result, context)
        return result

    def _invoke(self, state: State, params: Any) -> Any:
        assert state.function is not None
        payload = params.get("Payload", {}) if state.wrap_payload else params
        self._record({"type": "TaskScheduled", "state": state.name, "function": state.function})
        try:
            value = self.functions[state.function](payload)
        except ExecutionAborted:
            raise
        except Exception as exc:
            raise error_from_exception(exc) from exc
        value = _as_json(value, f"the result of {state.name!r}")
        if state.wrap_payload:
            return {"Payload": value, "StatusCode": 200, "ExecutedVersion": "$LATEST"}
        return value

    def _run_map(self, state: State, data: Any, context: dict[str, Any]) -> list[Any]:
        items = _select(state.items_path, data, "ItemsPath")
        if not isinstance(items, list):
            raise StateError("States.Runtime", f"ItemsPath of {state.name!r} is not a JSON array")
        assert state.processor is not None
        processor = state.processor
        inputs = []
        for index, item in enumerate(items):
            if state.parameters is None:
                inputs.append(item)
            else:
                item_context = {**context, "Map": {"Item": {"Index": index, "Value": item}}}
                inputs.append(_render(state.parameters, data, item_context))
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
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"map-{state.name}"
        ) as pool:
            futures = [pool.submit(iterate, item_input) for item_input in inputs]
        for future in futures:
            error = future.exception()
            if error is not None:
                raise error
        if self.stop.is_set():
            raise ExecutionAborted()
        return [f.result() for f in futures]


def _select(path: Path | None, data: Any, field_name: str) -> Any:
    """Apply an InputPath/OutputPath/ItemsPath; None (JSON null) gives an empty object."""
    if path is None:
        return {}
    try:
        return path.get(data)
    except PathNotFound as exc:
        raise StateError("States.Runtime", f"{field_name}: {exc}") from exc


def _place(path: Path | None, raw: Any, result: Any) -> Any:
    if path is None:
        return raw
    try:
        return path.put(raw, result)
    except ResultPathMismatch as exc:
        raise StateError("States.ResultPathMatchFailure", str(exc)) from exc


def _render(template: Any, data: Any, context: Mapping[str, Any]) -> Any:
    try:
        return template.render(data, context)
    except PathNotFound as exc:
        raise StateError("States.Runtime", str(exc)) from exc


def _path_or(path: Path | None, data: Any, literal: str | None, field_name: str) -> Any:
    return _select(path, data, field_name) if path is not None else literal


def _find_catcher(catchers: tuple[Catcher, ...], error: str, is_task: bool) -> Catcher | None:
    for catcher in catchers:
        if _matches(catcher.errors, error, is_task):
            return catcher
    return None


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
