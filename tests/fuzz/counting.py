"""Counts the answers the fuzzers checked, for the end-of-run summary."""

from __future__ import annotations

from collections import Counter

STATUSES: Counter[int] = Counter()


def summary() -> str | None:
    """One line: requests sent, answers by status class, server errors."""
    total = sum(STATUSES.values())
    if not total:
        return None
    by_class: Counter[str] = Counter()
    for status, count in STATUSES.items():
        by_class[f"{status // 100}xx"] += count
    classes = ", ".join(f"{name} {count}" for name, count in sorted(by_class.items()))
    server_errors = sum(count for status, count in STATUSES.items() if status >= 500)
    return f"schemathesis: {total} requests ({classes}); server errors: {server_errors}"
