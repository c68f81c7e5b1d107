"""Frozen, slotted dataclasses built for a quarter of their usual cost: the value objects a
redirect makes on every visit.

A frozen dataclass's own `__init__` writes each field with `object.__setattr__(self,
name, value)`, which looks the name up in the class on every write: for the visit, the
click, the link's target and the reply that was a fifth of a warm redirect (bench/README.md,
"Redirect warm overhead"). `@frozen_slots` is `@dataclass(frozen=True, slots=True)` with
an `__init__` that calls each slot's descriptor instead: the same parameters, defaults and
`__post_init__`, and the class stays frozen, compared, hashed and printed as dataclass
makes it. Its `__init__` is generated instead of dataclass's own, not as well, so the
import costs no more. Standard library only: the redirect Lambda imports it.
"""

from __future__ import annotations

import inspect
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


class _Factory:
    """A default factory's parameter default; `<factory>` in signatures, as dataclass writes."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen_slots(cls: type[T]) -> type[T]:
    """`@dataclass(frozen=True, slots=True)`, its `__init__` writing the slots through their
    descriptors. Fields must be positional ones (no `kw_only`, no `init=False`)."""
    # Without a docstring dataclass writes the signature of __init__ as the class's, which
    # is only written below: that of object's would be parsed (tokenize, a cold start's
    # millisecond) and wrong. Written below instead, as dataclass would.
    undocumented = not cls.__doc__
    if undocumented:
        cls.__doc__ = cls.__name__
    made: type[T] = dataclass(frozen=True, slots=True, init=False)(cls)
    scope: dict[str, Any] = {}
    parameters: list[str] = []
    lines: list[str] = []
    for number, one in enumerate(fields(made)):  # type: ignore[arg-type]
        if not one.init or one.kw_only:
            raise TypeError(f"{cls.__name__}.{one.name}: frozen_slots takes positional fields")
        setter, default = f"_set{number}", f"_default{number}"
        scope[setter] = getattr(made, one.name).__set__
        value = one.name
        if one.default_factory is not MISSING:
            # As dataclass does: a marker for "not given", then the factory's value.
            scope[default], scope[f"_factory{number}"] = _FACTORY, one.default_factory
            value = f"_factory{number}() if {one.name} is {default} else {one.name}"
            parameters.append(f"{one.name}={default}")
        elif one.default is MISSING:
            parameters.append(one.name)
        else:
            scope[default] = one.default
            parameters.append(f"{one.name}={default}")
        lines.append(f"    {setter}(self, {value})")
    if hasattr(made, "__post_init__"):
        lines.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(lines) + "\n"
    # Generated as dataclass generates its own: straight-line code, one call per field.
    exec(source, scope)  # noqa: S102 - the source is built above from the class's field names
    init = scope["__init__"]
    init.__qualname__ = f"{made.__qualname__}.__init__"
    init.__module__ = made.__module__
    init.__annotations__ = {one.name: one.type for one in fields(made)} | {"return": None}  # type: ignore[arg-type]
    made.__init__ = init  # type: ignore[method-assign]
    if undocumented:
        made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
    return made
