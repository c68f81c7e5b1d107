"""Options a command takes before its sub-command's name or after it.

`shortstack --data-dir X dlq list` and `shortstack dlq list --data-dir X` mean the same,
as do `links --json list` and `links list --json`: an option is added to a parser and to
every parser below it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator


def utf8(text: str) -> str:
    """An argparse type: the text as given, refused when the shell passed bytes that are not
    UTF-8 (Python hands them over as lone surrogates, which no store can hold)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(f"not UTF-8 text: {text!r}") from None
    return text


def whole_number(least: int, most: int | None = None) -> Callable[[str], int]:
    """An argparse type: ASCII digits from `least` to `most`; without `most`, a number past
    any count means all of them (it is read as sys.maxsize)."""

    def parse(text: str) -> int:
        value = int(text) if text.isascii() and text.isdigit() else None
        if value is None or value < least or (most is not None and value > most):
            bounds = f"from {least} to {most:,}" if most is not None else f"from {least}"
            raise argparse.ArgumentTypeError(f"not a whole number {bounds}: {text!r}")
        return min(value, sys.maxsize)

    return parse


def some_path(text: str) -> str:
    """An argparse type: a path as given (any bytes the system allows), refused when empty,
    as `--data-dir "$UNSET"` would be, rather than taken for the default."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def non_empty(text: str) -> str:
    """An argparse type: UTF-8 text as given, refused when it is empty or only spaces."""
    if not utf8(text).strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def add_everywhere(
    parser: argparse.ArgumentParser, add: Callable[[argparse.ArgumentParser, bool], None]
) -> None:
    """`add(parser, True)`, then `add(below, False)` for every parser below `parser`.

    Below, `add` must give its options the default SUPPRESS: a sub-parser's own default
    would replace what was given before the sub-command's name.
    """
    add(parser, True)
    for below in _parsers_below(parser):
        add(below, False)


def _parsers_below(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    # argparse keeps a parser's sub-parsers only on its (private) actions; an alias names
    # the same parser again, so each is given once.
    seen: set[int] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    yield sub
                    yield from _parsers_below(sub)


def owner_and_json(whose: str) -> Callable[[argparse.ArgumentParser, bool], None]:
    """For add_everywhere: --owner (whose `whose` a command acts on, AUTH_MODE=none's by
    default) and --json, before the action's name or after it."""
    from shortstack.domain.auth import LOCAL_USER

    def add(parser: argparse.ArgumentParser, top: bool) -> None:
        parser.add_argument(
            "--owner",
            type=non_empty,
            default=LOCAL_USER if top else argparse.SUPPRESS,
            help=f"whose {whose} (default: {LOCAL_USER}, AUTH_MODE=none's)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            default=False if top else argparse.SUPPRESS,
            help="print JSON instead of lines (a listing: one object a line)",
        )

    return add
