"""Bulk imports of short links: the job and its status rules, row ids and events.

Every link an import creates gets an id derived from the import's secret and
the row number: a re-run after a crash computes the same ids, finds its own
links already stored and creates nothing twice. The file itself is read by
`import_csv`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shortstack.domain.events import SOURCE_IMPORTS, Event
from shortstack.domain.import_limits import MAX_ROWS as MAX_ROWS
from shortstack.domain.links import Link, create_link
from shortstack.domain.short_ids import BASE62, SHORT_ID_LENGTH

# Every import id is a uuid4 in 32 lowercase hex digits (new_import).
IMPORT_ID_PATTERN = "[0-9a-f]{32}"
REASON_MAX = 300
ERROR_MAX = 1_000


class ImportStatus(StrEnum):
    # Created by POST /api/v1/imports/uploads: nothing runs until the client's file lands.
    AWAITING_UPLOAD = "awaiting_upload"
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
# The statuses a workflow owns, which a restarted server runs again. An import awaiting its
# upload is not among them: without its file there is nothing to run.
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
class UploadTerms:
    """What an upload URL accepts: until when, and (when the client declared it) how many bytes."""

    expires_at: datetime
    size: int | None = None


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
    # Which tool's export the file is (import_formats.ImportFormat), told by its header.
    format: str = "shortstack"
    # Set for an import whose file the client sends to an upload URL (domain/uploads.py).
    upload: UploadTerms | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row of the file was not imported; `row` is its line number in the file."""

    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class ValidRow:
    """A row that passed validation: a safe, normalized URL, a usable alias, a TTL in days
    (None: the link never expires), and what a migrated link brings along."""

    row: int
    url: str
    alias: str | None
    ttl_days: int | None
    title: str | None = None
    tags: tuple[str, ...] = ()
    imported_clicks: int = 0


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
    expires_at: datetime | None
    is_alias: bool
    title: str | None = None
    tags: tuple[str, ...] = ()
    imported_clicks: int = 0


def link_of(owner: str, planned: PlannedLink, created_at: datetime) -> Link:
    """The link an import writes for one planned row (created when the import was)."""
    return create_link(
        short_id=planned.short_id,
        owner=owner,
        url=planned.url,
        now=created_at,
        expires_at=planned.expires_at,
        title=planned.title,
        tags=planned.tags,
        imported_clicks=planned.imported_clicks,
    )


def new_import(
    owner: str,
    now: datetime,
    filename: str | None = None,
    format: str = "shortstack",
    upload: UploadTerms | None = None,
) -> ImportJob:
    """A job with a fresh id and a fresh secret for its link ids: pending when its file is
    already stored, awaiting its upload when the client sends it to an upload URL."""
    return ImportJob(
        import_id=uuid.uuid4().hex,
        owner=owner,
        status=ImportStatus.PENDING if upload is None else ImportStatus.AWAITING_UPLOAD,
        created_at=now,
        updated_at=now,
        secret=secrets.token_hex(16),
        filename=clean_filename(filename),
        format=format,
        upload=upload,
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
    for _ in range(SHORT_ID_LENGTH):
        number, digit = divmod(number, len(BASE62))
        chars.append(BASE62[digit])
    return "".join(chars)


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
