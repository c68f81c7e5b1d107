"""Load an Amazon States Language definition into checked, typed states.

Everything the local runner cannot honour is refused here, at load time,
with the state and field named: an unknown field, a Parallel state, a
JSONata query, an intrinsic function, a service integration other than
Lambda, a transition to a state that does not exist. A definition that
loads therefore runs without "unsupported" surprises half-way through an
import.

Task states call Python functions bound by name: the resource
`arn:aws:states:::lambda:invoke` with a literal `Parameters.FunctionName`
(the result arrives wrapped as `{"Payload": ...}`, as on AWS), or a Lambda
function ARN as the Resource (the result arrives bare).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shortstack.adapters.workflow.choice import ChoiceRuleError, Rule, compile_rule
from shortstack.adapters.workflow.paths import Path, PathSyntaxError, Template

TaskFunction = Callable[[Any], Any]

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+")
_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
ROOT = Path.parse("$")

_COMMON = {"Type", "Comment"}
_IO = {"InputPath", "OutputPath"}
_FLOW = {"Next", "End"}
_FIELDS: dict[str, set[str]] = {
    "Task": _COMMON | _IO | _FLOW
    | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Pass": _COMMON | _IO | _FLOW | {"Result", "ResultPath", "Parameters"},
    "Choice": _COMMON | _IO | {"Choices", "Default"},
    "Wait": _COMMON | _IO | _FLOW | {"Seconds", "SecondsPath"},
    "Succeed": _COMMON | _IO,
    "Fail": _COMMON | {"Error", "Cause", "ErrorPath", "CausePath"},
    "Map": _COMMON | _IO | _FLOW
    | {
        "ItemsPath", "ItemSelector", "Parameters", "ItemProcessor", "Iterator",
        "MaxConcurrency", "ResultSelector", "ResultPath", "Retry", "Catch",
    },
}  # fmt: skip
# Real ASL that this runner deliberately does not implement: named so the error says so.
_KNOWN_UNSUPPORTED = {
    "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
    "Credentials", "Timestamp", "TimestampPath", "ItemReader", "ItemBatcher", "ResultWriter",
    "ToleratedFailurePercentage", "ToleratedFailureCount", "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath", "MaxConcurrencyPath", "Label", "Arguments", "Output",
    "Assign", "QueryLanguage", "Branches",
}  # fmt: skip
_RETRY_FIELDS = {
    "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
    "JitterStrategy", "Comment",
}  # fmt: skip
_CATCH_FIELDS = {"ErrorEquals", "Next", "ResultPath", "Comment"}


class DefinitionError(ValueError):
    """The definition is invalid, or uses ASL the local runner does not support."""


@dataclass(frozen=True, slots=True)
class Retrier:
    errors: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    full_jitter: bool = False

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based), before any jitter."""
        delay = self.interval_seconds * self.backoff_rate ** (attempt - 1)
        if self.max_delay_seconds is not None:
            delay = min(delay, self.max_delay_seconds)
        return float(delay)


@dataclass(frozen=True, slots=True)
class Catcher:
    errors: tuple[str, ...]
    next: str
    result_path: Path | None = ROOT


@dataclass(frozen=True, slots=True)
class Choice:
    rule: Rule
    next: str


@dataclass(slots=True)
class State:
    """One state; fields that a type does not use keep their defaults."""

    name: str
    type: str
    next: str | None = None
    end: bool = False
    input_path: Path | None = ROOT
    output_path: Path | None = ROOT
    result_path: Path | None = ROOT
    parameters: Template | None = None
    result_selector: Template | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    # Task
    function: str | None = None
    wrap_payload: bool = False
    # Pass
    result: Any = None
    has_result: bool = False
    # Choice
    choices: tuple[Choice, ...] = ()
    default: str | None = None
    # Wait
    seconds: int | None = None
    seconds_path: Path | None = None
    # Fail
    error: str | None = None
    cause: str | None = None
    error_path: Path | None = None
    cause_path: Path | None = None
    # Map
    items_path: Path = ROOT
    processor: Machine | None = None
    max_concurrency: int = 0


@dataclass(slots=True)
class Machine:
    """A StartAt and its States: the whole definition, or a Map's item processor."""

    start_at: str
    states: dict[str, State] = field(default_factory=dict)


def load_definition(
    text: str,
    functions: Mapping[str, TaskFunction],
    substitutions: Mapping[str, str] | None = None,
) -> Machine:
    """Parse and check a definition; `${Name}` placeholders take `substitutions` values."""
    for name, value in (substitutions or {}).items():
        text = text.replace("${" + name + "}", json.dumps(value)[1:-1])
    missing = sorted(set(_SUBSTITUTION.findall(text)))
    if missing:
        raise DefinitionError(f"no value for the definition substitutions {missing}")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise DefinitionError(f"the definition is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise DefinitionError("the definition must be a JSON object")
    query_language = document.get("QueryLanguage", "JSONPath")
    if query_language != "JSONPath":
        raise DefinitionError(f"QueryLanguage {query_language!r} is not supported: use JSONPath")
    unknown = set(document) - {"StartAt", "States", "Comment", "Version", "QueryLanguage"}
    if unknown:
        raise DefinitionError(f"top-level fields {sorted(unknown)} are not supported")
    return _Loader(functions).machine(document, "definition")


class _Loader:
    def __init__(self, functions: Mapping[str, TaskFunction]) -> None:
        self.functions = functions

    def machine(self, spec: Any, where: str) -> Machine:
        if not isinstance(spec, dict) or not isinstance(spec.get("States"), dict):
            raise DefinitionError(f"{where}: needs StartAt and a States object")
        states_spec: dict[str, Any] = spec["States"]
        start_at = spec.get("StartAt")
        if start_at not in states_spec:
            raise DefinitionError(f"{where}: StartAt {start_at!r} is not a state")
        machine = Machine(start_at)
        for name, state_spec in states_spec.items():
            if len(name) > 80:
                raise DefinitionError(f"{where}: state name {name[:20]!r}... is over 80 characters")
            machine.states[name] = self.state(name, state_spec)
        _check_transitions(machine, where)
        return machine

    def state(self, name: str, spec: Any) -> State:
        where = f"state {name!r}"
        if not isinstance(spec, dict):
            raise DefinitionError(f"{where}: must be an object")
        kind = spec.get("Type")
        if kind not in _FIELDS:
            raise DefinitionError(
                f"{where}: Type {kind!r} is not supported by the local runner "
                f"(supported: {', '.join(sorted(_FIELDS))})"
            )
        for key in spec:
            if key not in _FIELDS[kind]:
                why = (
                    "is not supported by the local runner"
                    if key in _KNOWN_UNSUPPORTED
                    else ("is not a field of this state type")
                )
                raise DefinitionError(f"{where}: field {key!r} {why}")
        state = State(name=name, type=kind)
        try:
            self._fill(state, spec, where)
        except (PathSyntaxError, ChoiceRuleError) as exc:
            raise DefinitionError(f"{where}: {exc}") from exc
        return state

    def _fill(self, state: State, spec: dict[str, Any], where: str) -> None:
        if "Next" in _FIELDS[state.type]:
            has_next, has_end = "Next" in spec, spec.get("End") is True
            if has_next == has_end:
                raise DefinitionError(f"{where}: needs exactly one of Next or End: true")
            state.next, state.end = spec.get("Next"), has_end
        state.input_path = _optional_path(spec, "InputPath")
        state.output_path = _optional_path(spec, "OutputPath")
        state.result_path = _optional_path(spec, "ResultPath")
        for key, attribute in (("Parameters", "parameters"), ("ResultSelector", "result_selector")):
            if key in spec:
                setattr(state, attribute, _template(spec[key], f"{where}.{key}"))
        state.retry = tuple(
            _retrier(item, f"{where}.Retry[{i}]") for i, item in enumerate(spec.get("Retry", []))
        )
        state.catch = tuple(
            _catcher(item, f"{where}.Catch[{i}]") for i, item in enumerate(spec.get("Catch", []))
        )
        _check_error_lists([r.errors for r in state.retry], f"{where}.Retry")
        _check_error_lists([c.errors for c in state.catch], f"{where}.Catch")
        getattr(self, f"_fill_{state.type.lower()}")(state, spec, where)

    def _fill_task(self, state: State, spec: dict[str, Any], where: str) -> None:
        resource = spec.get("Resource")
        if resource == LAMBDA_INVOKE:
            parameters = spec.get("Parameters")
            function = parameters.get("FunctionName") if isinstance(parameters, dict) else None
            if not isinstance(function, str):
                raise DefinitionError(
                    f"{where}: {LAMBDA_INVOKE} needs a literal Parameters.FunctionName"
                )
            unknown = set(parameters or {}) - {"FunctionName", "Payload", "Payload.$"}
            if unknown:
                raise DefinitionError(
                    f"{where}: Parameters {sorted(unknown)} are not supported locally"
                )
            state.wrap_payload = True
        elif isinstance(resource, str) and _LAMBDA_ARN.match(resource):
            function = resource
        else:
            raise DefinitionError(
                f"{where}: Resource {resource!r} is not supported by the local runner "
                f"(use {LAMBDA_INVOKE} or a Lambda function ARN)"
            )
        if function not in self.functions:
            raise DefinitionError(f"{where}: no local function is bound to {function!r}")
        state.function = function

    def _fill_pass(self, state: State, spec: dict[str, Any], where: str) -> None:
        state.has_result = "Result" in spec
        state.result = spec.get("Result")

    def _fill_choice(self, state: State, spec: dict[str, Any], where: str) -> None:
        choices = spec.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise DefinitionError(f"{where}: Choices must be a non-empty list")
        state.choices = tuple(
            Choice(compile_rule(rule, f"{where}.Choices[{i}]", top_level=True), rule["Next"])
            for i, rule in enumerate(choices)
        )
        state.default = spec.get("Default")

    def _fill_wait(self, state: State, spec: dict[str, Any], where: str) -> None:
        if ("Seconds" in spec) == ("SecondsPath" in spec):
            raise DefinitionError(f"{where}: needs exactly one of Seconds or SecondsPath")
        if "Seconds" in spec:
            seconds = spec["Seconds"]
            if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
                raise DefinitionError(f"{where}: Seconds must be a non-negative integer")
            state.seconds = seconds
        else:
            state.seconds_path = Path.parse(spec["SecondsPath"])

    def _fill_succeed(self, state: State, spec: dict[str, Any], where: str) -> None:
        return None

    def _fill_fail(self, state: State, spec: dict[str, Any], where: str) -> None:
        for key in ("Error", "Cause"):
            if key in spec and f"{key}Path" in spec:
                raise DefinitionError(f"{where}: give {key} or {key}Path, not both")
        state.error, state.cause = spec.get("Error"), spec.get("Cause")
        state.error_path = Path.parse(spec["ErrorPath"]) if "ErrorPath" in spec else None
        state.cause_path = Path.parse(spec["CausePath"]) if "CausePath" in spec else None

    def _fill_map(self, state: State, spec: dict[str, Any], where: str) -> None:
        if "ItemSelector" in spec and "Parameters" in spec:
            raise DefinitionError(f"{where}: give ItemSelector or Parameters, not both")
        if ("ItemProcessor" in spec) == ("Iterator" in spec):
            raise DefinitionError(f"{where}: needs exactly one of ItemProcessor or Iterator")
        selector = spec.get("ItemSelector", spec.get("Parameters"))
        state.parameters = (
            _template(selector, f"{where}.ItemSelector") if selector is not None else None
        )
        state.items_path = Path.parse(spec.get("ItemsPath", "$"))
        concurrency = spec.get("MaxConcurrency", 0)
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 0:
            raise DefinitionError(f"{where}: MaxConcurrency must be a non-negative integer")
        state.max_concurrency = concurrency
        processor = dict(spec.get("ItemProcessor") or spec["Iterator"])
        mode = (processor.pop("ProcessorConfig", None) or {}).get("Mode", "INLINE")
        if mode != "INLINE":
            raise DefinitionError(
                f"{where}: ProcessorConfig.Mode {mode!r} is not supported: use INLINE"
            )
        unknown = set(processor) - {"StartAt", "States", "Comment"}
        if unknown:
            raise DefinitionError(
                f"{where}: ItemProcessor fields {sorted(unknown)} are not supported"
            )
        state.processor = self.machine(processor, f"{where}.ItemProcessor")


def _optional_path(spec: Mapping[str, Any], key: str) -> Path | None:
    """A path field: absent means `$`, JSON null means "nothing"."""
    if key not in spec:
        return ROOT
    value = spec[key]
    return None if value is None else Path.parse(value)


def _template(spec: Any, where: str) -> Template:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: must be a JSON object")
    return Template(spec, where)


def _error_names(spec: Mapping[str, Any], where: str) -> tuple[str, ...]:
    errors = spec.get("ErrorEquals")
    if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
        raise DefinitionError(f"{where}: ErrorEquals must be a non-empty list of error names")
    if "States.ALL" in errors and len(errors) > 1:
        raise DefinitionError(f"{where}: States.ALL must appear alone in ErrorEquals")
    return tuple(errors)


def _retrier(spec: Any, where: str) -> Retrier:
    if not isinstance(spec, dict) or set(spec) - _RETRY_FIELDS:
        raise DefinitionError(
            f"{where}: unsupported retrier fields (allowed: {sorted(_RETRY_FIELDS)})"
        )
    interval = spec.get("IntervalSeconds", 1)
    attempts = spec.get("MaxAttempts", 3)
    backoff = spec.get("BackoffRate", 2.0)
    max_delay = spec.get("MaxDelaySeconds")
    jitter = spec.get("JitterStrategy", "NONE")
    if not _is_int(interval) or interval < 1:
        raise DefinitionError(f"{where}: IntervalSeconds must be a positive integer")
    if not _is_int(attempts) or attempts < 0:
        raise DefinitionError(f"{where}: MaxAttempts must be a non-negative integer")
    if not isinstance(backoff, int | float) or isinstance(backoff, bool) or backoff < 1.0:
        raise DefinitionError(f"{where}: BackoffRate must be a number >= 1.0")
    if max_delay is not None and (not _is_int(max_delay) or max_delay < 1):
        raise DefinitionError(f"{where}: MaxDelaySeconds must be a positive integer")
    if jitter not in ("NONE", "FULL"):
        raise DefinitionError(f"{where}: JitterStrategy must be NONE or FULL")
    return Retrier(
        errors=_error_names(spec, where),
        interval_seconds=float(interval),
        max_attempts=attempts,
        backoff_rate=float(backoff),
        max_delay_seconds=float(max_delay) if max_delay is not None else None,
        full_jitter=jitter == "FULL",
    )


def _catcher(spec: Any, where: str) -> Catcher:
    if not isinstance(spec, dict) or set(spec) - _CATCH_FIELDS:
        raise DefinitionError(
            f"{where}: unsupported catcher fields (allowed: {sorted(_CATCH_FIELDS)})"
        )
    if not isinstance(spec.get("Next"), str):
        raise DefinitionError(f"{where}: a catcher needs Next")
    try:
        result_path = _optional_path(spec, "ResultPath")
    except PathSyntaxError as exc:
        raise DefinitionError(f"{where}: {exc}") from exc
    return Catcher(_error_names(spec, where), spec["Next"], result_path)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_error_lists(lists: list[tuple[str, ...]], where: str) -> None:
    for index, errors in enumerate(lists[:-1]):
        if "States.ALL" in errors:
            raise DefinitionError(f"{where}[{index}]: States.ALL must be in the last entry")


def _check_transitions(machine: Machine, where: str) -> None:
    """Every target exists and every state can be reached from StartAt."""
    edges: dict[str, list[str]] = {}
    for name, state in machine.states.items():
        targets = [t for t in (state.next, state.default) if t is not None]
        targets += [choice.next for choice in state.choices]
        targets += [catcher.next for catcher in state.catch]
        for target in targets:
            if target not in machine.states:
                raise DefinitionError(
                    f"{where}: state {name!r} moves to {target!r}, which does not exist"
                )
        edges[name] = targets
    reached, frontier = {machine.start_at}, [machine.start_at]
    while frontier:
        for target in edges[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    unreachable = sorted(set(machine.states) - reached)
    if unreachable:
        raise DefinitionError(f"{where}: states {unreachable} can never be reached")
