"""The JSONPath subset our workflows use, and the payload templates built from it.

A path is `$` or `$.name.name...` against the state's data; a Map's ItemSelector
may also read `$$.Map.Item.Value`, the only part of the context object a workflow
reads. List indexes, bracketed names, wildcards,
filters, slices, recursive descent, intrinsic functions and the rest of the
context object are refused when the definition is loaded, never half-evaluated
mid-run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_NAMES = re.compile(r"(?:\.[^.\[\]'\"*@?()]+)*")
_MAP_ITEM = "$$.Map.Item.Value"


class PathSyntaxError(ValueError):
    """A path outside the supported subset; raised while the definition loads."""


class StateError(Exception):
    """An ASL-level error inside an execution: a name for Retry/Catch and a cause.

    A path that names nothing is a States.Runtime error, a ResultPath that cannot be
    written a States.ResultPathMatchFailure, as on Step Functions.
    """

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


@dataclass(frozen=True, slots=True)
class Path:
    """A parsed path: names from the state's data (`$`) or from the context object (`$$`)."""

    text: str
    names: tuple[str, ...]
    context: bool = False

    @classmethod
    def parse(cls, text: Any, *, map_item: bool = False) -> Path:
        """Parse `text`, or raise PathSyntaxError naming what is unsupported.

        `map_item`: the path is in a Map's ItemSelector, where `$$.Map.Item.Value` is known.
        """
        if not isinstance(text, str) or not text.startswith("$"):
            raise PathSyntaxError(f"{text!r} is not a JSONPath (it must start with '$')")
        if text.startswith("$$"):
            if not (map_item and text == _MAP_ITEM):
                raise PathSyntaxError(
                    f"{text!r}: of the context object only {_MAP_ITEM} is supported, "
                    "in a Map's ItemSelector"
                )
            return cls(text, tuple(text[3:].split(".")), context=True)
        if not _NAMES.fullmatch(text, 1):
            raise PathSyntaxError(
                f"{text!r}: only $.name steps are supported "
                "(no [0], no ['name'], no wildcards, filters, slices or '..')"
            )
        return cls(text, tuple(text[2:].split(".")) if len(text) > 1 else ())

    def get(self, data: Any, context: Mapping[str, Any] | None = None) -> Any:
        """The value this path names; States.Runtime when it names nothing."""
        current: Any = (context or {}) if self.context else data
        for name in self.names:
            if not isinstance(current, dict) or name not in current:
                raise StateError("States.Runtime", f"the JSONPath {self.text!r} was not found")
            current = current[name]
        return current

    def put(self, data: Any, value: Any) -> Any:
        """A copy of `data` with `value` at this path (objects created on the way)."""
        return _put(data, self.names, value, self.text)


def _put(node: Any, names: tuple[str, ...], value: Any, text: str) -> Any:
    if not names:
        return value
    if node is None:
        node = {}
    if not isinstance(node, dict):
        cause = f"unable to apply ResultPath {text!r} to the input"
        raise StateError("States.ResultPathMatchFailure", cause)
    return {**node, names[0]: _put(node.get(names[0]), names[1:], value, text)}


def compile_template(spec: Any, *, map_item: bool = False) -> Any:
    """A Parameters / ItemSelector / ResultSelector object: literals, and a Path for each
    `"key.$"` field (intrinsic functions refused)."""
    if isinstance(spec, list):
        return [compile_template(item, map_item=map_item) for item in spec]
    if not isinstance(spec, dict):
        return spec
    compiled: dict[str, Any] = {}
    for key, value in spec.items():
        if not key.endswith(".$"):
            compiled[key] = compile_template(value, map_item=map_item)
        elif isinstance(value, str) and value.startswith("States."):
            raise PathSyntaxError(
                f"intrinsic function {value.split('(')[0]!r} in {key!r} is not supported"
            )
        else:
            compiled[key] = Path.parse(value, map_item=map_item)
    return compiled


def render(node: Any, data: Any, context: Mapping[str, Any] | None = None) -> Any:
    """The template with every `.$` field replaced by the value its path names."""
    if isinstance(node, dict):
        rendered: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(value, Path):
                rendered[key[:-2]] = value.get(data, context)
            else:
                rendered[key] = render(value, data, context)
        return rendered
    if isinstance(node, list):
        return [render(item, data, context) for item in node]
    return node
