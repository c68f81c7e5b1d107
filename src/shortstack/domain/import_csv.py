"""The CSV file of a bulk import, decoded and read row by row.

The first non-blank row tells the format (ours, or another shortener's
export: import_formats.py). The CSV is read one physical line at a time. A
valid row can never span lines (URLs and codes hold no whitespace; a title
with a line break costs its row: a quoted cell left open at the end of its
line is the row's error, never a cut title), so a stray quote or a bad byte
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
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from shortstack.domain.errors import InvalidInput
from shortstack.domain.import_formats import (
    CLICKS,
    CODE,
    CUSTOM_SHORT_URL,
    SHORT_URL,
    TAGS,
    TITLE,
    TTL_DAYS,
    URL,
    ImportFormat,
    Layout,
    code_of_short_url,
    detect,
)
from shortstack.domain.imports import MAX_ROWS, RowError

MAX_ROW_CHARS = 4_096
# Row numbers are line numbers, stored as 7 digits (ROW#<nnnnnnn> on DynamoDB).
MAX_LINES = 9_999_999
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UNCLOSED = "a quoted cell is not closed on its line: a line break inside a cell is not supported"


@dataclass(frozen=True, slots=True)
class RawRow:
    """A data row as read from the CSV, before any rule is checked."""

    row: int
    url: str
    alias: str | None
    ttl_days: str | None
    title: str | None = None
    tags: str | None = None
    clicks: str | None = None
    source: ImportFormat = ImportFormat.SHORTSTACK


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


def _cells(line: str) -> list[str] | None:
    """The line's cells; None when a quoted cell is left open at its end (a cell with a line
    break), which the reader shows by going on to the next line, where it would cut the cell."""
    reader = csv.reader((line, ""))
    cells = next(reader, [])
    return None if reader.line_num > 1 else cells


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    cells: list[str]
    problem: str | None


def _non_blank(text: str) -> Iterator[_Line]:
    for number, line in _lines(text):
        if number > MAX_LINES:
            raise InvalidInput(f"the file has more than {MAX_LINES} lines", field="file")
        if len(line) > MAX_ROW_CHARS:
            yield _Line(number, [], f"row is longer than {MAX_ROW_CHARS} characters")
            continue
        cells = _cells(line)
        if cells is None:
            yield _Line(number, [], _UNCLOSED)
        elif not _is_blank(cells):
            yield _Line(number, cells, None)


def open_rows(
    data: bytes, max_rows: int = MAX_ROWS
) -> tuple[ImportFormat, Iterator[RawRow | RowError]]:
    """The file's format (told by its first row) and every data row in order.

    Blank lines (and lines of empty cells) are skipped. Raises InvalidInput for
    problems of the whole file (encoding, header) before any row is read.
    """
    lines = _non_blank(decode_csv(data))
    first = next(lines, None)
    if first is None:
        return ImportFormat.SHORTSTACK, iter(())
    layout = detect(first.cells)
    rest = lines if layout.has_header else itertools.chain((first,), lines)
    return layout.format, _rows(rest, layout, max_rows)


def read_rows(data: bytes, max_rows: int = MAX_ROWS) -> Iterator[RawRow | RowError]:
    """Every data row of the file in order, or the reason it cannot be read."""
    return open_rows(data, max_rows)[1]


def _rows(lines: Iterator[_Line], layout: Layout, max_rows: int) -> Iterator[RawRow | RowError]:
    for rows, line in enumerate(lines, start=1):
        if rows > max_rows:
            yield RowError(line.number, f"beyond the limit of {max_rows} rows per import")
        elif line.problem:
            yield RowError(line.number, line.problem)
        else:
            yield _raw_row(line.number, line.cells, layout)


def _raw_row(number: int, cells: list[str], layout: Layout) -> RawRow | RowError:
    if len(cells) > layout.width:
        return RowError(number, f"expected at most {layout.width} columns, found {len(cells)}")

    def cell(name: str) -> str | None:
        index = layout.positions.get(name)
        value = cells[index].strip() if index is not None and index < len(cells) else ""
        return value or None

    code = cell(CODE)
    custom = cell(CUSTOM_SHORT_URL)
    if code is None and custom is not None:  # several custom links: the first one
        code = code_of_short_url(re.split(r"[\s,|]+", custom)[0]) or None
    short_url = cell(SHORT_URL)
    if code is None and short_url is not None:
        code = code_of_short_url(short_url) or None
    return RawRow(
        number,
        cell(URL) or "",
        code,
        cell(TTL_DAYS),
        title=cell(TITLE),
        tags=cell(TAGS),
        clicks=cell(CLICKS),
        source=layout.format,
    )


def check_upload(data: bytes, max_rows: int = MAX_ROWS) -> ImportFormat:
    """The file's format; InvalidInput, before any work starts, if it cannot be an import."""
    found, lines = open_rows(data, max_rows)
    rows = 0
    for _ in lines:
        rows += 1
        if rows > max_rows:
            raise InvalidInput(f"the file has more than {max_rows} rows", field="file")
    if rows == 0:
        raise InvalidInput("the file has no rows to import", field="file")
    return found
