"""Choice rules: comparison operators and And/Or/Not, compiled once and checked at load time.

Semantics follow Step Functions: a comparison between values of different
types is false (a string never equals a number, a boolean is not a number);
a Variable that names nothing is a States.Runtime error, except for
IsPresent, which exists to ask exactly that.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shortstack.adapters.workflow.paths import Path, PathNotFound

Compare = Callable[[Any, Any], bool]

_ORDER: dict[str, Compare] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@dataclass(frozen=True, slots=True)
class _Kind:
    accepts: Callable[[Any], bool]
    convert: Callable[[Any], Any]


_KINDS: dict[str, _Kind] = {
    "String": _Kind(lambda v: isinstance(v, str), lambda v: v),
    "Numeric": _Kind(_is_number, lambda v: v),
    "Boolean": _Kind(lambda v: isinstance(v, bool), lambda v: v),
    "Timestamp": _Kind(lambda v: _timestamp(v) is not None, _timestamp),
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsString": lambda v: isinstance(v, str),
    "IsNumeric": _is_number,
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: _timestamp(v) is not None,
}


def supported_operators() -> list[str]:
    """Every comparison operator name the runner understands."""
    names = ["IsPresent", "StringMatches", *_TYPE_TESTS]
    for kind in _KINDS:
        for relation in _ORDER:
            if kind == "Boolean" and relation != "Equals":
                continue
            names += [f"{kind}{relation}", f"{kind}{relation}Path"]
    return names


_OPERATORS = frozenset(supported_operators())


class ChoiceRuleError(ValueError):
    """A rule the runner cannot evaluate; raised while the definition loads."""


class RuleRuntimeError(RuntimeError):
    """A rule that cannot be evaluated on this input (States.Runtime)."""


Rule = Callable[[Any, Mapping[str, Any]], bool]


def compile_rule(spec: Any, where: str, top_level: bool) -> Rule:
    """Turn one Choices entry (or a nested rule) into a predicate over (input, context)."""
    if not isinstance(spec, dict):
        raise ChoiceRuleError(f"{where}: a choice rule must be an object")
    allowed = {"Next"} if top_level else set()
    if top_level and "Next" not in spec:
        raise ChoiceRuleError(f"{where}: a top-level choice rule needs Next")
    if not top_level and "Next" in spec:
        raise ChoiceRuleError(f"{where}: a nested choice rule must not have Next")
    for combinator in ("And", "Or", "Not"):
        if combinator in spec:
            unknown = set(spec) - allowed - {combinator, "Comment"}
            if unknown:
                raise ChoiceRuleError(f"{where}: unexpected fields {sorted(unknown)}")
            return _combine(combinator, spec[combinator], where)
    unknown = set(spec) - allowed - {"Variable", "Comment"} - _OPERATORS
    if unknown:
        raise ChoiceRuleError(
            f"{where}: unsupported choice fields {sorted(unknown)} (the local runner knows "
            f"{', '.join(sorted(_OPERATORS))}, And, Or, Not)"
        )
    operators = [name for name in spec if name in _OPERATORS]
    if "Variable" not in spec or len(operators) != 1:
        raise ChoiceRuleError(f"{where}: a rule needs a Variable and exactly one operator")
    variable = Path.parse(spec["Variable"])
    return _comparison(variable, operators[0], spec[operators[0]], where)


def _combine(combinator: str, operand: Any, where: str) -> Rule:
    if combinator == "Not":
        inner = compile_rule(operand, f"{where}.Not", top_level=False)
        return lambda data, ctx: not inner(data, ctx)
    if not isinstance(operand, list) or not operand:
        raise ChoiceRuleError(f"{where}: {combinator} needs a non-empty list of rules")
    rules = [
        compile_rule(item, f"{where}.{combinator}[{i}]", top_level=False)
        for i, item in enumerate(operand)
    ]
    if combinator == "And":
        return lambda data, ctx: all(rule(data, ctx) for rule in rules)
    return lambda data, ctx: any(rule(data, ctx) for rule in rules)


def _comparison(variable: Path, name: str, operand: Any, where: str) -> Rule:
    if name == "IsPresent":
        _expect_bool(operand, name, where)
        return lambda data, ctx: variable.exists(data, ctx) == operand

    def value_of(data: Any, ctx: Mapping[str, Any]) -> Any:
        try:
            return variable.get(data, ctx)
        except PathNotFound as exc:
            raise RuleRuntimeError(f"invalid path {variable.text!r}: {exc}") from exc

    if name in _TYPE_TESTS:
        _expect_bool(operand, name, where)
        test = _TYPE_TESTS[name]
        return lambda data, ctx: test(value_of(data, ctx)) == operand
    if name == "StringMatches":
        if not isinstance(operand, str):
            raise ChoiceRuleError(f"{where}: StringMatches needs a string pattern")
        pattern = _wildcard(operand)
        return lambda data, ctx: (
            isinstance(value := value_of(data, ctx), str) and pattern.fullmatch(value) is not None
        )
    by_path = name.endswith("Path")
    base = name[:-4] if by_path else name
    kind_name = next(kind for kind in _KINDS if base.startswith(kind))
    kind = _KINDS[kind_name]
    relation = _ORDER[base[len(kind_name) :]]
    if by_path:
        other = Path.parse(operand) if isinstance(operand, str) else None
        if other is None:
            raise ChoiceRuleError(f"{where}: {name} needs a JSONPath")

        def by_reference(data: Any, ctx: Mapping[str, Any]) -> bool:
            left = value_of(data, ctx)
            try:
                right = other.get(data, ctx)
            except PathNotFound as exc:
                raise RuleRuntimeError(str(exc)) from exc
            return _relate(kind, relation, left, right)

        return by_reference
    if not kind.accepts(operand):
        raise ChoiceRuleError(f"{where}: {name} needs a {kind_name.lower()} operand")
    return lambda data, ctx: _relate(kind, relation, value_of(data, ctx), operand)


def _relate(kind: _Kind, relation: Compare, left: Any, right: Any) -> bool:
    if not (kind.accepts(left) and kind.accepts(right)):
        return False
    return bool(relation(kind.convert(left), kind.convert(right)))


def _expect_bool(operand: Any, name: str, where: str) -> None:
    if not isinstance(operand, bool):
        raise ChoiceRuleError(f"{where}: {name} needs true or false")


def _wildcard(pattern: str) -> re.Pattern[str]:
    """StringMatches: `*` matches any run of characters; `\\*` and `\\\\` are literal."""
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)
