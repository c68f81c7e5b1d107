"""The fuzzers are `slow` (hundreds of generated requests each); after a run, a line says
how many requests they sent and how the app answered them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fuzz import counting

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line after the run, when any fuzz test ran."""
    line = counting.summary()
    if line:
        terminalreporter.write_line(line)
