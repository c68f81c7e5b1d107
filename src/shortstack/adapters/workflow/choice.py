"""Choice rules: the comparisons a workflow branches on, compiled at load time.

The subset is what our workflows branch on: a count against a number, a status
string, a flag, and whether an optional field is there. And, Or and Not (chain
Choice states instead), timestamps, string ordering and wildcards, comparisons
against another path and the type tests (IsNull, IsString...) are refused when
the definition loads, naming what is supported.

Semantics follow Step Functions: a comparison between values of different
types is false (a string never equals a number, a boolean is not a number);
a Variable that names nothing is a States.Runtime error, except for
IsPresent, which exists to ask exactly that.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from shortstack.adapters.workflow.paths import Path, PathNotFound

Rule = Callable[[Any, Mapping[str, Any]], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


# Operator name -> (the type both sides must have, the relation between them).
_COMPARISONS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Any], bool]]] = {
    "StringEquals": (_is_string, operator.eq),
    "BooleanEquals": (_is_boolean, operator.eq),
    "NumericEquals": (_is_number, operator.eq),
    "NumericLessThan": (_is_number, operator.lt),
    "NumericLessThanEquals": (_is_number, operator.le),
    "NumericGreaterThan": (_is_number, operator.gt),
    "NumericGreaterThanEquals": (_is_number, operator.ge),
}
OPERATORS = frozenset({*_COMPARISONS, "IsPresent"})


class ChoiceRuleError(ValueError):
    """A rule the runner cannot evaluate; raised while the definition loads."""


class RuleRuntimeError(RuntimeError):
    """A rule that cannot be evaluated on this input (States.Runtime)."""


def compile_rule(spec: Any, where: str) -> Rule:
    """Turn one Choices entry into a predicate over (input, context)."""
    if not isinstance(spec, dict):
        raise ChoiceRuleError(f"{where}: a choice rule must be an object")
    unknown = set(spec) - {"Next", "Comment", "Variable"} - OPERATORS
    if unknown:
        raise ChoiceRuleError(
            f"{where}: unsupported choice fields {sorted(unknown)} (the local runner knows "
            f"{', '.join(sorted(OPERATORS))})"
        )
    operators = [name for name in spec if name in OPERATORS]
    if "Variable" not in spec or len(operators) != 1 or not isinstance(spec.get("Next"), str):
        raise ChoiceRuleError(f"{where}: a rule needs a Variable, exactly one operator and Next")
    variable, name = Path.parse(spec["Variable"]), operators[0]
    operand = spec[name]
    if name == "IsPresent":
        if not isinstance(operand, bool):
            raise ChoiceRuleError(f"{where}: IsPresent needs true or false")
        return lambda data, ctx: variable.exists(data, ctx) == operand
    accepts, relation = _COMPARISONS[name]
    if not accepts(operand):
        kind = next(kind for kind in ("String", "Boolean", "Numeric") if name.startswith(kind))
        raise ChoiceRuleError(f"{where}: {name} needs a {kind.lower()} operand")

    def rule(data: Any, ctx: Mapping[str, Any]) -> bool:
        try:
            value = variable.get(data, ctx)
        except PathNotFound as exc:
            raise RuleRuntimeError(f"invalid path {variable.text!r}: {exc}") from exc
        return accepts(value) and bool(relation(value, operand))

    return rule
