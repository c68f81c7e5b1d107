"""Prints how many requests the fuzzers sent and how the app answered them."""

from __future__ import annotations

from typing import Any

from tests.fuzz import counting


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line after the run, when any fuzz test ran."""
    line = counting.summary()
    if line:
        terminalreporter.write_line(line)
