"""Bulk imports of short links: the job and its status rules, the CSV reader, and row ids.

The CSV is read one physical line at a time. A valid row can never span
lines (URLs and aliases hold no whitespace), so a stray quote or a bad byte
costs exactly one row and never swallows the rows after it, and the row
number reported for an error is the line number a spreadsheet shows
(counting the header). The file must be UTF-8 (a BOM is allowed): any other
encoding is refused as a whole, naming the first line that is not UTF-8,
because a file saved as Latin-1 or UTF-16 would otherwise import some rows
with silently wrong characters.

Every link an import creates gets an id derived from the import's secret and
the row number: a re-run after a crash computes the same ids, finds its own
links already stored and creates nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shortstack.domain.errors import InvalidInput
from shortstack.domain.events import SOURCE_IMPORTS, Event
from shortstack.domain.links import Link, create_link

MAX_ROWS = 100_000
MAX_ROW_CHARS = 4_096
# Row numbers are line numbers, stored as 7 digits (ROW#<nnnnnnn> on DynamoDB).
MAX_LINES = 9_999_999
COLUMNS = ("url", "alias", "ttl_days")
REASON_MAX = 300
ERROR_MAX = 1_000
SHORT_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DERIVED_ID_LENGTH = 7

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIALLY_SUCCEEDED = "partially_succeeded"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        """Final statuses never change again: a late or repeated run cannot undo them."""
        return self in _FINAL


_FINAL = frozenset({ImportStatus.SUCCEEDED, ImportStatus.PARTIALLY_SUCCEEDED, ImportStatus.FAILED})
UNFINISHED = (ImportStatus.PENDING, ImportStatus.RUNNING)


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """total = valid + invalid (validation); loaded + failed <= valid (loading)."""

    total: int = 0
    valid: int = 0
    invalid: int = 0
    loaded: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class ImportJob:
    import_id: str
    owner: str
    status: ImportStatus
    created_at: datetime
    updated_at: datetime
    secret: str = field(repr=False)
    counts: ImportCounts = ImportCounts()
    chunk_count: int = 0
    error: str | None = None
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row of the file was not imported; `row` is its line number in the file."""

    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class RawRow:
    """A data row as read from the CSV, before any rule is checked."""

    row: int
    url: str
    alias: str | None
    ttl_days: str | None


@dataclass(frozen=True, slots=True)
class ValidRow:
    """A row that passed validation: a safe, normalized URL, a usable alias, a TTL in days."""

    row: int
    url: str
    alias: str | None
    ttl_days: int


@dataclass(frozen=True, slots=True)
class ImportUpdate:
    """Fields a workflow step changes on a job; None leaves a field as it is."""

    status: ImportStatus | None = None
    total: int | None = None
    valid: int | None = None
    invalid: int | None = None
    chunk_count: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ExistingLink:
    """Who holds a short id an import wanted: enough to tell its own earlier write apart."""

    owner: str
    url: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlannedLink:
    """What loading one row writes: the link's id (alias or derived), target and expiry."""

    row: int
    short_id: str
    url: str
    expires_at: datetime
    is_alias: bool


def link_of(owner: str, planned: PlannedLink, created_at: datetime) -> Link:
    """The link an import writes for one planned row (created when the import was)."""
    return create_link(
        short_id=planned.short_id,
        owner=owner,
        url=planned.url,
        now=created_at,
        expires_at=planned.expires_at,
    )


def new_import(owner: str, now: datetime, filename: str | None = None) -> ImportJob:
    """A pending job with a fresh id and a fresh secret for its link ids."""
    return ImportJob(
        import_id=uuid.uuid4().hex,
        owner=owner,
        status=ImportStatus.PENDING,
        created_at=now,
        updated_at=now,
        secret=secrets.token_hex(16),
        filename=clean_filename(filename),
    )


def clean_filename(filename: str | None) -> str | None:
    """The last path part of an uploaded file's name, printable and at most 200 characters."""
    if not filename:
        return None
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(ch for ch in name if ch.isprintable())[:200]
    return name or None


def final_status(counts: ImportCounts) -> ImportStatus:
    """succeeded when every row loaded, failed when none did, partially_succeeded otherwise."""
    if counts.loaded == 0:
        return ImportStatus.FAILED
    if counts.invalid == 0 and counts.failed == 0:
        return ImportStatus.SUCCEEDED
    return ImportStatus.PARTIALLY_SUCCEEDED


def truncate_reason(reason: str, limit: int = REASON_MAX) -> str:
    """A reason short enough to store for each of 100,000 rows."""
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def derive_short_id(secret: str, import_id: str, row: int, attempt: int = 0) -> str:
    """The id of the link for `row`: unguessable without the secret, the same on every run.

    `attempt` moves to the next candidate when the previous one belongs to
    somebody else (a collision among 62**7 ids) or is not usable as an id.
    """
    message = f"{import_id}:{row}:{attempt}".encode()
    number = int.from_bytes(hmac.new(secret.encode(), message, hashlib.sha256).digest()[:8])
    chars = []
    for _ in range(DERIVED_ID_LENGTH):
        number, digit = divmod(number, len(SHORT_ID_ALPHABET))
        chars.append(SHORT_ID_ALPHABET[digit])
    return "".join(chars)


# -- reading the CSV ---------------------------------------------------------------------------


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


# -- events ------------------------------------------------------------------------------------


def import_requested(job: ImportJob) -> Event:
    """ImportRequested: a file was accepted and its workflow is about to start."""
    detail = {"import_id": job.import_id, "owner": job.owner, "filename": job.filename}
    return Event(SOURCE_IMPORTS, "ImportRequested", detail, job.created_at)


def import_finished(job: ImportJob, now: datetime) -> Event:
    """ImportFinished: the job reached a final status; the detail carries its counts."""
    counts = job.counts
    return Event(
        SOURCE_IMPORTS,
        "ImportFinished",
        {
            "import_id": job.import_id,
            "owner": job.owner,
            "status": str(job.status),
            "total": counts.total,
            "valid": counts.valid,
            "invalid": counts.invalid,
            "loaded": counts.loaded,
            "failed": counts.failed,
        },
        now,
    )
