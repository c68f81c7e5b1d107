"""Links and a link's statistics as CSV rows, written one line at a time.

Exports are streamed: each row becomes one line of text as it is read from the store,
so the memory an export takes does not grow with the number of links. A cell that a
spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`, a tab or a
carriage return) gets a leading apostrophe: titles and URLs are other people's text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from shortstack.domain.analytics import DIMENSIONS, HOURLY, DailyStats
from shortstack.domain.clock import to_iso
from shortstack.domain.link_state import state_of
from shortstack.domain.links import Link

LINK_COLUMNS = (
    "short_id", "short_url", "url", "title", "tags", "state", "is_active", "redirect_status",
    "created_at", "updated_at", "expires_at", "max_visits", "click_count", "imported_clicks",
)  # fmt: skip
# One row per period (a day, or a rolled-up month) and dimension value; `all` and `bots`
# carry the period's totals, the five dimensions (referrers, browsers, oses, devices,
# countries) one row per value.
STATS_COLUMNS = ("period_start", "period", "dimension", "value", "clicks")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportLink:
    """Where a finished export file can be fetched, and until when."""

    url: str
    expires_at: datetime


def safe_cell(value: object) -> str:
    """The cell as text, defused if a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header and each row as one CSV line (RFC 4180: CRLF ends, quotes where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _with_header(header, rows):
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _with_header(
    header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Iterator[Sequence[object]]:
    yield header
    yield from rows


def link_row(link: Link, short_base: str, now: datetime) -> list[object]:
    """One link in LINK_COLUMNS order."""
    return [
        link.short_id,
        f"{short_base}/{link.short_id}",
        link.url,
        link.title,
        "|".join(link.tags),
        str(state_of(link, now)),
        "true" if link.is_active else "false",
        link.redirect_status,
        to_iso(link.created_at),
        to_iso(link.updated_at),
        to_iso(link.expires_at) if link.expires_at else None,
        link.max_visits,
        link.click_count,
        link.imported_clicks,
    ]


def stats_rows(
    days: Iterable[DailyStats],
    months: Iterable[DailyStats],
    dimensions: Sequence[str] = (*DIMENSIONS, *HOURLY),
    utc_days: Iterable[DailyStats] | None = None,
) -> Iterator[list[object]]:
    """Months (rolled up) first, then days, oldest first: their totals and every value (an
    owner's overview passes its own dimensions, each link's clicks among them).

    With `utc_days` (a report in another time zone than UTC) `days` are local days, whose
    rows give their totals only, and the values follow per UTC day, as period `utc_day`.
    """
    for period, records in (("month", months), ("day", days)):
        for record in records:
            start = record.day.isoformat()
            yield [start, period, "all", "", record.clicks]
            yield [start, period, "bots", "", record.bots]
            if utc_days is None or period == "month":
                yield from _value_rows(start, period, record, dimensions)
    for record in utc_days or ():
        yield from _value_rows(record.day.isoformat(), "utc_day", record, dimensions)


def _value_rows(
    start: str, period: str, record: DailyStats, dimensions: Sequence[str]
) -> Iterator[list[object]]:
    for dimension in dimensions:
        counts = record.counts.get(dimension, {})
        for value, clicks in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            yield [start, period, dimension, value, clicks]
