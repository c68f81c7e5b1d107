"""Load an Amazon States Language definition into checked, typed states.

The local runner implements the part of ASL our workflows use, and this module
refuses the rest at load time, naming the state and the field, so a definition
that loads runs without "unsupported" surprises half-way through an import.

Supported: Task, Pass, Choice, Map (INLINE), Succeed and Fail states; Parameters,
ResultSelector, ResultPath and OutputPath; Retry (interval, attempts, backoff)
and Catch; Map's ItemsPath, ItemSelector and MaxConcurrency; the Choice
comparisons in `choice`; the reference paths in `paths`. A Task calls the Python
function bound to the literal `Parameters.FunctionName` of
`arn:aws:states:::lambda:invoke` (its result arrives wrapped as
`{"Payload": ...}`, as on AWS).

Refused: Parallel and Wait states, InputPath (Parameters selects the input),
Fail's ErrorPath and CausePath, Lambda ARNs and other services as a Resource,
timeouts and heartbeats, retry jitter and MaxDelaySeconds, the legacy Map
Iterator and Parameters, distributed Maps, intrinsic functions, JSONata.
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
_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
ROOT = Path.parse("$")

_COMMON = {"Type", "Comment"}
_FLOW = {"Next", "End"}
_RESULT = {"ResultPath", "OutputPath"}
_ERRORS = {"Retry", "Catch"}
_FIELDS: dict[str, set[str]] = {
    "Task": _COMMON | _FLOW | _RESULT | _ERRORS | {"Resource", "Parameters", "ResultSelector"},
    "Pass": _COMMON | _FLOW | _RESULT | {"Result", "Parameters"},
    "Choice": _COMMON | {"Choices", "Default", "OutputPath"},
    "Succeed": _COMMON | {"OutputPath"},
    "Fail": _COMMON | {"Error", "Cause"},
    "Map": _COMMON | _FLOW | _RESULT | _ERRORS
    | {"ItemsPath", "ItemSelector", "ItemProcessor", "MaxConcurrency", "ResultSelector"},
}  # fmt: skip
_RETRY_FIELDS = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "Comment"}
_CATCH_FIELDS = {"ErrorEquals", "Next", "ResultPath", "Comment"}


class DefinitionError(ValueError):
    """The definition is invalid, or uses ASL the local runner does not support."""


@dataclass(frozen=True, slots=True)
class Retrier:
    errors: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        return float(self.interval_seconds * self.backoff_rate ** (attempt - 1))


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
    output_path: Path | None = ROOT
    result_path: Path | None = ROOT
    parameters: Template | None = None
    result_selector: Template | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    # Task
    function: str | None = None
    # Pass
    result: Any = None
    has_result: bool = False
    # Choice
    choices: tuple[Choice, ...] = ()
    default: str | None = None
    # Fail
    error: str | None = None
    cause: str | None = None
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
                raise DefinitionError(
                    f"{where}: field {key!r} is not supported by the local runner in a {kind} "
                    f"state (supported: {', '.join(sorted(_FIELDS[kind]))})"
                )
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
        # Fields a type does not allow were refused above, so these read only their own.
        state.result, state.has_result = spec.get("Result"), "Result" in spec
        state.error, state.cause = spec.get("Error"), spec.get("Cause")
        state.output_path = _optional_path(spec, "OutputPath")
        state.result_path = _optional_path(spec, "ResultPath")
        for key, attribute in (
            ("Parameters", "parameters"),
            ("ItemSelector", "parameters"),
            ("ResultSelector", "result_selector"),
        ):
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
        fill = getattr(self, f"_fill_{state.type.lower()}", None)
        if fill is not None:
            fill(state, spec, where)

    def _fill_task(self, state: State, spec: dict[str, Any], where: str) -> None:
        if spec.get("Resource") != LAMBDA_INVOKE:
            raise DefinitionError(
                f"{where}: Resource {spec.get('Resource')!r} is not supported by the local "
                f"runner (use {LAMBDA_INVOKE})"
            )
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
        if function not in self.functions:
            raise DefinitionError(f"{where}: no local function is bound to {function!r}")
        state.function = function

    def _fill_choice(self, state: State, spec: dict[str, Any], where: str) -> None:
        choices = spec.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise DefinitionError(f"{where}: Choices must be a non-empty list")
        state.choices = tuple(
            Choice(compile_rule(rule, f"{where}.Choices[{i}]"), rule["Next"])
            for i, rule in enumerate(choices)
        )
        state.default = spec.get("Default")

    def _fill_map(self, state: State, spec: dict[str, Any], where: str) -> None:
        state.items_path = Path.parse(spec.get("ItemsPath", "$"))
        concurrency = spec.get("MaxConcurrency", 0)
        if not _is_int(concurrency) or concurrency < 0:
            raise DefinitionError(f"{where}: MaxConcurrency must be a non-negative integer")
        state.max_concurrency = concurrency
        processor = spec.get("ItemProcessor")
        if not isinstance(processor, dict):
            raise DefinitionError(f"{where}: needs an ItemProcessor object")
        processor = dict(processor)
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
            f"{where}: unsupported retrier fields (supported: {sorted(_RETRY_FIELDS)})"
        )
    interval = spec.get("IntervalSeconds", 1)
    attempts = spec.get("MaxAttempts", 3)
    backoff = spec.get("BackoffRate", 2.0)
    if not _is_int(interval) or interval < 1:
        raise DefinitionError(f"{where}: IntervalSeconds must be a positive integer")
    if not _is_int(attempts) or attempts < 0:
        raise DefinitionError(f"{where}: MaxAttempts must be a non-negative integer")
    if not isinstance(backoff, int | float) or isinstance(backoff, bool) or backoff < 1.0:
        raise DefinitionError(f"{where}: BackoffRate must be a number >= 1.0")
    return Retrier(_error_names(spec, where), float(interval), attempts, float(backoff))


def _catcher(spec: Any, where: str) -> Catcher:
    if not isinstance(spec, dict) or set(spec) - _CATCH_FIELDS:
        raise DefinitionError(
            f"{where}: unsupported catcher fields (supported: {sorted(_CATCH_FIELDS)})"
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
