"""Small rules every ImportRepository adapter shares: chunk totals and error-page cursors.

Row errors are listed by row number; the cursor holds the last row number
shown, so a forged cursor can only move within the job the caller may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from shortstack.domain.errors import InvalidCursor
from shortstack.domain.imports import ImportJob, RowError
from shortstack.domain.pagination import Page, decode_cursor, encode_cursor


def with_chunk_totals(job: ImportJob, chunks: Iterable[tuple[int, int]]) -> ImportJob:
    """The job with `loaded` and `failed` summed over its recorded chunk results."""
    loaded = failed = 0
    for chunk_loaded, chunk_failed in chunks:
        loaded += chunk_loaded
        failed += chunk_failed
    return replace(job, counts=replace(job.counts, loaded=loaded, failed=failed))


def after_row(cursor: str | None) -> int:
    """The row number a cursor continues after (0 without a cursor)."""
    if not cursor:
        return 0
    row = decode_cursor(cursor, ("r",))["r"]
    if not (row.isascii() and row.isdigit()) or len(row) > 9:  # "²" is a digit to isdigit
        raise InvalidCursor()
    return int(row)


def next_cursor(rows: Sequence[RowError], limit: int, more: bool) -> str | None:
    """The cursor after the last row of a full page, when more rows follow."""
    if not more or not rows or len(rows) < limit:
        return None
    return encode_cursor({"r": str(rows[-1].row)})


def error_page(ordered: Sequence[RowError], limit: int, cursor: str | None) -> Page[RowError]:
    """One page out of all errors sorted by row (for adapters that hold them in memory)."""
    start = after_row(cursor)
    remaining = [error for error in ordered if error.row > start]
    page = remaining[:limit]
    return Page(page, next_cursor(page, limit, len(remaining) > limit))
