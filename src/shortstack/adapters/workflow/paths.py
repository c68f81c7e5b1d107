"""The JSONPath subset Amazon States Language needs, and payload templates built from it.

Step Functions uses JSONPath in OutputPath, ItemsPath, Choice variables and
`.$` fields, and "reference paths" (no wildcards) in ResultPath. The local
runner supports the reference-path subset everywhere: `$`, `$.name`,
`$.list[0]`, and the context object `$$.…`. Bracketed names, wildcards,
filters, slices and recursive descent are refused when the definition is
loaded, never half-evaluated mid-run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Segment = str | int

_NAME = re.compile(r"\.([^.\[\]'\"*@?()]+)")
_INDEX = re.compile(r"\[\s*(\d+)\s*\]")


class PathSyntaxError(ValueError):
    """A path outside the supported subset; raised while the definition loads."""


class PathNotFound(LookupError):
    """A path that names nothing in the document it is applied to."""


class ResultPathMismatch(LookupError):
    """A ResultPath that cannot be written into the input (States.ResultPathMatchFailure)."""


@dataclass(frozen=True, slots=True)
class Path:
    """A parsed reference path: against the state's data (`$`) or the context object (`$$`)."""

    text: str
    segments: tuple[Segment, ...]
    context: bool = False

    @classmethod
    def parse(cls, text: str) -> Path:
        """Parse `text` or raise PathSyntaxError naming what is unsupported."""
        if not isinstance(text, str) or not text.startswith("$"):
            raise PathSyntaxError(f"{text!r} is not a JSONPath (it must start with '$')")
        context = text.startswith("$$")
        rest = text[2:] if context else text[1:]
        segments: list[Segment] = []
        position = 0
        while position < len(rest):
            if match := _NAME.match(rest, position):
                segments.append(match.group(1))
            elif match := _INDEX.match(rest, position):
                segments.append(int(match.group(1)))
            else:
                raise PathSyntaxError(
                    f"{text!r}: only $.name and $.list[0] steps are supported "
                    "(no ['name'], wildcards, filters, slices or '..')"
                )
            position = match.end()
        return cls(text, tuple(segments), context)

    def get(self, data: Any, context: Mapping[str, Any] | None = None) -> Any:
        """The value this path names; PathNotFound when it names nothing."""
        current: Any = (context or {}) if self.context else data
        for segment in self.segments:
            if isinstance(segment, int):
                if not isinstance(current, list) or segment >= len(current):
                    raise PathNotFound(f"the JSONPath {self.text!r} could not be found")
            elif not isinstance(current, dict) or segment not in current:
                raise PathNotFound(f"the JSONPath {self.text!r} could not be found")
            current = current[segment]
        return current

    def exists(self, data: Any, context: Mapping[str, Any] | None = None) -> bool:
        """Whether the path names something."""
        try:
            self.get(data, context)
        except PathNotFound:
            return False
        return True

    def put(self, data: Any, value: Any) -> Any:
        """A copy of `data` with `value` at this path (objects created on the way)."""
        if self.context:
            raise ResultPathMismatch(f"{self.text!r}: a result cannot be written to the context")
        if not self.segments:
            return value
        return _put(data, self.segments, value, self.text)


def _put(node: Any, segments: tuple[Segment, ...], value: Any, text: str) -> Any:
    head, rest = segments[0], segments[1:]
    if isinstance(head, int):
        if not isinstance(node, list) or head >= len(node):
            raise ResultPathMismatch(f"unable to apply ResultPath {text!r} to the input")
        copy: list[Any] = list(node)
        copy[head] = _put(copy[head], rest, value, text) if rest else value
        return copy
    if node is None:
        node = {}
    if not isinstance(node, dict):
        raise ResultPathMismatch(f"unable to apply ResultPath {text!r} to the input")
    updated = dict(node)
    updated[head] = _put(updated.get(head), rest, value, text) if rest else value
    return updated


class Template:
    """A Parameters / ItemSelector / ResultSelector object: literals plus `"key.$": path` fields."""

    def __init__(self, spec: Any, where: str) -> None:
        self._compiled = _compile(spec, where)

    def render(self, data: Any, context: Mapping[str, Any]) -> Any:
        """The template with every `.$` field replaced by the value its path names."""
        return _render(self._compiled, data, context)


def _compile(spec: Any, where: str) -> Any:
    if isinstance(spec, dict):
        compiled: dict[str, Any] = {}
        for key, value in spec.items():
            if key.endswith(".$"):
                if not isinstance(value, str):
                    raise PathSyntaxError(f"{where}: {key!r} must hold a JSONPath string")
                if value.startswith("States."):
                    raise PathSyntaxError(
                        f"{where}: intrinsic function {value.split('(')[0]!r} in {key!r} "
                        "is not supported by the local runner"
                    )
                compiled[key] = Path.parse(value)
            else:
                compiled[key] = _compile(value, where)
        return compiled
    if isinstance(spec, list):
        return [_compile(item, where) for item in spec]
    return spec


def _render(node: Any, data: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        rendered: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(value, Path):
                rendered[key[:-2]] = value.get(data, context)
            else:
                rendered[key] = _render(value, data, context)
        return rendered
    if isinstance(node, list):
        return [_render(item, data, context) for item in node]
    return node
