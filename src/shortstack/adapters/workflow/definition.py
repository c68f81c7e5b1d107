"""Load an Amazon States Language definition into checked, typed states.

The local runner implements the part of ASL our workflows use (decision 0300 says
which and why); this module refuses the rest at load time, naming the state and
the field, so a definition that loads runs without "unsupported" surprises
half-way through an import. Supported: Task, Pass, Choice, Map (INLINE), Succeed
and Fail with the fields `_FIELDS` lists (an OutputPath is a path, never null);
Retry (interval, attempts, backoff); Choice rules comparing one Variable with a
literal (`COMPARISONS`); the paths of `paths`. A Task calls the Python function
bound to the literal `Parameters.FunctionName` of `arn:aws:states:::lambda:invoke`
(its result arrives wrapped as `{"Payload": ...}`, as on AWS). Everything else is
refused.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shortstack.adapters.workflow.paths import Path, PathSyntaxError, compile_template

TaskFunction = Callable[[Any], Any]

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
ROOT = Path.parse("$")

_COMMON = {"Type", "Comment"}
_FLOW = {"Next", "End"}
_RESULT = {"ResultPath", "OutputPath"}
_ERRORS = {"Retry", "Catch"}
# A Pass's Result is Parameters without paths; a Map's ResultSelector, Parameters on its
# results, which no workflow needs: both are refused with the field named.
_FIELDS: dict[str, set[str]] = {
    "Task": _COMMON | _FLOW | _RESULT | _ERRORS | {"Resource", "Parameters", "ResultSelector"},
    "Pass": _COMMON | _FLOW | _RESULT | {"Parameters"},
    "Choice": _COMMON | {"Choices", "Default", "OutputPath"},
    "Succeed": _COMMON | {"OutputPath"},
    "Fail": _COMMON | {"Error", "Cause"},
    "Map": _COMMON | _FLOW | _RESULT | _ERRORS
    | {"ItemsPath", "ItemSelector", "ItemProcessor", "MaxConcurrency"},
}  # fmt: skip
_RETRY_FIELDS = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "Comment"}
_CATCH_FIELDS = {"ErrorEquals", "Next", "ResultPath", "Comment"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Choice operator -> (the type both sides must have, the relation between them). Values of
# different types never compare true, as on Step Functions: "1" is not 1, true is not a number.
COMPARISONS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Any], bool]]] = {
    "StringEquals": (lambda value: isinstance(value, str), operator.eq),
    "BooleanEquals": (lambda value: isinstance(value, bool), operator.eq),
    "NumericEquals": (_is_number, operator.eq),
    "NumericLessThan": (_is_number, operator.lt),
    "NumericLessThanEquals": (_is_number, operator.le),
    "NumericGreaterThan": (_is_number, operator.gt),
    "NumericGreaterThanEquals": (_is_number, operator.ge),
}


H = TypeVar("H", "Retrier", "Catcher")


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
    variable: Path
    operator: str
    operand: Any
    next: str

    def matches(self, data: Any) -> bool:
        """Whether the rule holds; States.Runtime when the Variable names nothing."""
        accepts, relation = COMPARISONS[self.operator]
        value = self.variable.get(data)
        return accepts(value) and bool(relation(value, self.operand))


@dataclass(slots=True)
class State:
    """One state; fields that a type does not use keep their defaults."""

    name: str
    type: str
    next: str | None = None
    end: bool = False
    output_path: Path = ROOT
    result_path: Path | None = ROOT
    # Parameters, or a Map's ItemSelector: compiled by `paths.compile_template`.
    parameters: Any = None
    result_selector: Any = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    # Task
    function: str | None = None
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
    _only(document, {"StartAt", "States", "Comment"}, "top-level fields")
    return _machine(document, "definition", functions)


def _machine(spec: Any, where: str, functions: Mapping[str, TaskFunction]) -> Machine:
    if not isinstance(spec, dict) or not isinstance(spec.get("States"), dict):
        raise DefinitionError(f"{where}: needs StartAt and a States object")
    if spec.get("StartAt") not in spec["States"]:
        raise DefinitionError(f"{where}: StartAt {spec.get('StartAt')!r} is not a state")
    machine = Machine(spec["StartAt"])
    for name, state_spec in spec["States"].items():
        if len(name) > 80:
            raise DefinitionError(f"{where}: state name {name[:20]!r}... is over 80 characters")
        where_state = f"state {name!r}"
        try:
            machine.states[name] = _state(name, state_spec, where_state, functions)
        except PathSyntaxError as exc:
            raise DefinitionError(f"{where_state}: {exc}") from exc
    _check_transitions(machine, where)
    return machine


def _state(name: str, spec: Any, where: str, functions: Mapping[str, TaskFunction]) -> State:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: must be an object")
    kind = spec.get("Type")
    if kind not in _FIELDS:
        raise DefinitionError(
            f"{where}: Type {kind!r} is not supported by the local runner "
            f"(supported: {', '.join(sorted(_FIELDS))})"
        )
    _only(spec, _FIELDS[kind], f"{where}: {kind} fields")
    if "Next" in _FIELDS[kind] and ("Next" in spec) == (spec.get("End") is True):
        raise DefinitionError(f"{where}: needs exactly one of Next or End: true")
    # Fields a type does not allow were refused above, so these read only its own.
    state = State(
        name,
        kind,
        next=spec.get("Next"),
        end=spec.get("End") is True,
        output_path=Path.parse(spec.get("OutputPath", "$")),
        result_path=_optional_path(spec, "ResultPath"),
        parameters=_template(spec, "ItemSelector", where, map_item=True)
        if kind == "Map"
        else _template(spec, "Parameters", where),
        result_selector=_template(spec, "ResultSelector", where),
        retry=_handlers(spec.get("Retry", []), f"{where}.Retry", _retrier),
        catch=_handlers(spec.get("Catch", []), f"{where}.Catch", _catcher),
        error=spec.get("Error"),
        cause=spec.get("Cause"),
        default=spec.get("Default"),
    )
    if kind == "Task":
        state.function = _task_function(spec, where, functions)
    elif kind == "Choice":
        choices = spec.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise DefinitionError(f"{where}: Choices must be a non-empty list")
        state.choices = tuple(_choice(c, f"{where}.Choices[{i}]") for i, c in enumerate(choices))
    elif kind == "Map":
        state.items_path = Path.parse(spec.get("ItemsPath", "$"))
        state.max_concurrency = spec.get("MaxConcurrency", 0)
        if not _is_int(state.max_concurrency) or state.max_concurrency < 0:
            raise DefinitionError(f"{where}: MaxConcurrency must be a non-negative integer")
        state.processor = _processor(spec.get("ItemProcessor"), where, functions)
    return state


def _task_function(spec: dict[str, Any], where: str, functions: Mapping[str, TaskFunction]) -> str:
    if spec.get("Resource") != LAMBDA_INVOKE:
        raise DefinitionError(
            f"{where}: Resource {spec.get('Resource')!r} is not supported by the local "
            f"runner (use {LAMBDA_INVOKE})"
        )
    parameters = spec.get("Parameters")
    function = parameters.get("FunctionName") if isinstance(parameters, dict) else None
    if not isinstance(function, str):
        raise DefinitionError(f"{where}: {LAMBDA_INVOKE} needs a literal Parameters.FunctionName")
    _only(parameters or {}, {"FunctionName", "Payload", "Payload.$"}, f"{where}: Parameters")
    if function not in functions:
        raise DefinitionError(f"{where}: no local function is bound to {function!r}")
    return function


def _choice(spec: Any, where: str) -> Choice:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: a choice rule must be an object")
    _only(spec, {"Next", "Comment", "Variable", *COMPARISONS}, f"{where}: choice fields")
    operators = [name for name in spec if name in COMPARISONS]
    if "Variable" not in spec or len(operators) != 1 or not isinstance(spec.get("Next"), str):
        raise DefinitionError(f"{where}: a rule needs a Variable, exactly one operator and Next")
    name = operators[0]
    if not COMPARISONS[name][0](spec[name]):
        kind = next(kind for kind in ("String", "Boolean", "Numeric") if name.startswith(kind))
        raise DefinitionError(f"{where}: {name} needs a {kind.lower()} operand")
    return Choice(Path.parse(spec["Variable"]), name, spec[name], spec["Next"])


def _processor(spec: Any, where: str, functions: Mapping[str, TaskFunction]) -> Machine:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: needs an ItemProcessor object")
    processor = dict(spec)
    mode = (processor.pop("ProcessorConfig", None) or {}).get("Mode", "INLINE")
    if mode != "INLINE":
        raise DefinitionError(f"{where}: ProcessorConfig.Mode {mode!r} is not supported")
    _only(processor, {"StartAt", "States", "Comment"}, f"{where}: ItemProcessor fields")
    return _machine(processor, f"{where}.ItemProcessor", functions)


def _optional_path(spec: Mapping[str, Any], key: str) -> Path | None:
    """A path field: absent means `$`, JSON null means "nothing"."""
    if key not in spec:
        return ROOT
    return None if spec[key] is None else Path.parse(spec[key])


def _template(spec: Mapping[str, Any], key: str, where: str, *, map_item: bool = False) -> Any:
    if key not in spec:
        return None
    if not isinstance(spec[key], dict):
        raise DefinitionError(f"{where}.{key}: must be a JSON object")
    return compile_template(spec[key], map_item=map_item)


def _error_names(spec: Mapping[str, Any], where: str) -> tuple[str, ...]:
    errors = spec.get("ErrorEquals")
    if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
        raise DefinitionError(f"{where}: ErrorEquals must be a non-empty list of error names")
    if "States.ALL" in errors and len(errors) > 1:
        raise DefinitionError(f"{where}: States.ALL must appear alone in ErrorEquals")
    return tuple(errors)


def _retrier(spec: Any, where: str) -> Retrier:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: a retrier must be an object")
    _only(spec, _RETRY_FIELDS, f"{where}: retrier fields")
    interval = spec.get("IntervalSeconds", 1)
    attempts = spec.get("MaxAttempts", 3)
    backoff = spec.get("BackoffRate", 2.0)
    if not _is_int(interval) or interval < 1:
        raise DefinitionError(f"{where}: IntervalSeconds must be a positive integer")
    if not _is_int(attempts) or attempts < 0:
        raise DefinitionError(f"{where}: MaxAttempts must be a non-negative integer")
    if not _is_number(backoff) or backoff < 1.0:
        raise DefinitionError(f"{where}: BackoffRate must be a number >= 1.0")
    return Retrier(_error_names(spec, where), float(interval), attempts, float(backoff))


def _catcher(spec: Any, where: str) -> Catcher:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: a catcher must be an object")
    _only(spec, _CATCH_FIELDS, f"{where}: catcher fields")
    if not isinstance(spec.get("Next"), str):
        raise DefinitionError(f"{where}: a catcher needs Next")
    return Catcher(_error_names(spec, where), spec["Next"], _optional_path(spec, "ResultPath"))


def _only(spec: Mapping[str, Any], allowed: set[str], what: str) -> None:
    """Refuse the fields of `spec` outside `allowed`, naming them and what is supported."""
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise DefinitionError(
            f"{what} {unknown} are not supported by the local runner "
            f"(supported: {', '.join(sorted(allowed))})"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _handlers(items: Any, where: str, parse: Callable[[Any, str], H]) -> tuple[H, ...]:
    """A Retry or Catch list parsed; States.ALL only in its last entry."""
    parsed = tuple(parse(item, f"{where}[{index}]") for index, item in enumerate(items))
    for index, entry in enumerate(parsed[:-1]):
        if "States.ALL" in entry.errors:
            raise DefinitionError(f"{where}[{index}]: States.ALL must be in the last entry")
    return parsed


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
