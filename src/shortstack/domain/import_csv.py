"""The CSV file of a bulk import, decoded and read row by row.

The CSV is read one physical line at a time. A valid row can never span
lines (URLs and aliases hold no whitespace), so a stray quote or a bad byte
costs exactly one row and never swallows the rows after it, and the row
number reported for an error is the line number a spreadsheet shows
(counting the header). The file must be UTF-8 (a BOM is allowed): any other
encoding is refused as a whole, naming the first line that is not UTF-8,
because a file saved as Latin-1 or UTF-16 would otherwise import some rows
with silently wrong characters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from shortstack.domain.errors import InvalidInput
from shortstack.domain.imports import MAX_ROWS, RowError

MAX_ROW_CHARS = 4_096
# Row numbers are line numbers, stored as 7 digits (ROW#<nnnnnnn> on DynamoDB).
MAX_LINES = 9_999_999
COLUMNS = ("url", "alias", "ttl_days")

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class RawRow:
    """A data row as read from the CSV, before any rule is checked."""

    row: int
    url: str
    alias: str | None
    ttl_days: str | None


def decode_csv(data: bytes) -> str:
    """The file as text (UTF-8, BOM or not); InvalidInput naming the problem otherwise."""
    if data.startswith(_UTF16_BOMS):
        raise InvalidInput("the file is UTF-16 or UTF-32 encoded: save it as UTF-8", "file")
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise InvalidInput(
            f"the file holds NUL bytes (line {line}): it is binary or UTF-16/UTF-32, "
            "not a UTF-8 CSV",
            "file",
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            f"the file is not UTF-8: line {line} holds the byte 0x{data[exc.start]:02X} "
            "(Latin-1 or Windows-1252?); save it as UTF-8",
            "file",
        ) from exc


def _lines(text: str) -> Iterator[tuple[int, str]]:
    # StringIO with newline="" splits on \n, \r\n and \r only, keeping the ends.
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        yield number, line.rstrip("\r\n")


def _cells(line: str) -> list[str]:
    return next(csv.reader((line,)), [])


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Which cell holds which column, and on which line the data starts."""

    positions: dict[str, int]
    header_line: int | None


def _layout(first_cells: list[str], line: int) -> _Layout:
    names = [cell.strip().lower() for cell in first_cells]
    if not names or names[0] not in COLUMNS:
        return _Layout({name: index for index, name in enumerate(COLUMNS)}, None)
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"unknown column {unknown[0]!r} in the header; the columns are url, alias, ttl_days",
            "file",
        )
    if len(set(names)) != len(names) or "url" not in names:
        raise InvalidInput("the header must name url once, alias and ttl_days at most once", "file")
    return _Layout({name: index for index, name in enumerate(names)}, line)


def read_rows(data: bytes, max_rows: int = MAX_ROWS) -> Iterator[RawRow | RowError]:
    """Every data row of the file in order, or the reason it cannot be read.

    Blank lines (and lines of empty cells) are skipped; a first line starting
    with a column name is a header that may reorder the columns. Raises
    InvalidInput for problems of the whole file (encoding, header).
    """
    layout: _Layout | None = None
    rows = 0
    for number, line in _lines(decode_csv(data)):
        if number > MAX_LINES:
            raise InvalidInput(f"the file has more than {MAX_LINES} lines", field="file")
        if len(line) > MAX_ROW_CHARS:
            problem: str | None = f"row is longer than {MAX_ROW_CHARS} characters"
        else:
            problem = None
            cells = _cells(line)
            if _is_blank(cells):
                continue
        if layout is None:
            layout = _layout([] if problem else cells, number)
            if layout.header_line is not None:
                continue
        rows += 1
        if rows > max_rows:
            yield RowError(number, f"beyond the limit of {max_rows} rows per import")
        elif problem:
            yield RowError(number, problem)
        else:
            yield _raw_row(number, cells, layout)


def _raw_row(number: int, cells: list[str], layout: _Layout) -> RawRow | RowError:
    if len(cells) > len(layout.positions):
        return RowError(
            number, f"expected at most {len(layout.positions)} columns, found {len(cells)}"
        )

    def cell(name: str) -> str | None:
        index = layout.positions.get(name)
        value = cells[index].strip() if index is not None and index < len(cells) else ""
        return value or None

    return RawRow(number, cell("url") or "", cell("alias"), cell("ttl_days"))


def check_upload(data: bytes, max_rows: int = MAX_ROWS) -> None:
    """Refuse, before any work starts, a file that cannot be an import at all."""
    rows = 0
    for _ in read_rows(data, max_rows):
        rows += 1
        if rows > max_rows:
            raise InvalidInput(f"the file has more than {max_rows} rows", field="file")
    if rows == 0:
        raise InvalidInput("the file has no rows to import", field="file")
