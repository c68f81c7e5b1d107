"""Bulk import use cases: accept a CSV, and the workflow's steps validate, transform, load.

`submit` stores the file and starts the workflow (a file sent to an upload
URL takes the same path from service_layer/import_uploads.py); the workflow (Step
Functions on AWS, the local runner on a laptop, both walking
infra/statemachines/bulk_import.asl.json) calls the step functions below by
name. Every step is safe to run twice:
- validate rewrites the same chunk blobs and the same per-row errors (keyed by
  row number);
- transform derives each link's id from the import's secret and the row number,
  so a re-run plans the same ids;
- load never overwrites: an id already holding this import's own link (same
  owner, URL and creation time) counts as loaded, so a resumed import creates
  nothing twice;
- finish and fail do nothing once the job is final.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

from shortstack.domain.clock import Clock, from_iso, to_iso, utc_now
from shortstack.domain.errors import DomainError, ImportNotFound, InvalidInput
from shortstack.domain.import_csv import RawRow, check_upload, read_rows
from shortstack.domain.import_formats import ImportFormat, parse_count, split_tags
from shortstack.domain.imports import (
    MAX_ROWS,
    ExistingLink,
    ImportJob,
    ImportStatus,
    ImportUpdate,
    PlannedLink,
    RowError,
    ValidRow,
    derive_short_id,
    final_status,
    import_finished,
    import_requested,
    link_of,
    new_import,
    truncate_reason,
)
from shortstack.domain.link_fields import (
    DEFAULT_TTL_DAYS,
    MAX_TTL_DAYS,
    TITLE_MAX_LENGTH,
    normalize_tags,
)
from shortstack.domain.pagination import Page
from shortstack.domain.short_ids import check_alias, is_possible_short_id, is_reserved
from shortstack.domain.target_urls import OwnHosts, check_target_url
from shortstack.domain.uploads import never_uploaded
from shortstack.service_layer.links import announce_created
from shortstack.service_layer.ports import (
    BlobStore,
    ImportRepository,
    LinkSink,
    UnitOfWork,
    WorkflowStarter,
)

CHUNK_ROWS = 2_000
ID_ATTEMPTS = 5
MAX_IMPORTED_CLICKS = 10**15


def source_key(import_id: str) -> str:
    return f"imports/{import_id}/source.csv"


def chunk_key(import_id: str, stage: str, chunk: int) -> str:
    return f"imports/{import_id}/{stage}/{chunk:05d}.json"


def check_row(raw: RawRow, own_hosts: OwnHosts) -> ValidRow | RowError:
    """One CSV row against the link rules; the error names the reason."""
    try:
        url = check_target_url(raw.url, own_hosts)
        alias = _kept_code(raw.alias, raw.source) if raw.alias else None
        ttl_days: int | None = DEFAULT_TTL_DAYS if raw.source is ImportFormat.SHORTSTACK else None
        if raw.ttl_days:
            # ASCII digits only: str.isdigit also says yes to "²", which int() refuses.
            ttl = raw.ttl_days
            if not (ttl.isascii() and ttl.isdigit()) or not 1 <= int(ttl) <= MAX_TTL_DAYS:
                return RowError(raw.row, f"ttl_days must be a whole number 1-{MAX_TTL_DAYS}")
            ttl_days = int(raw.ttl_days)
        tags = normalize_tags(split_tags(raw.tags)) if raw.tags else ()
        clicks = 0
        if raw.clicks:
            parsed = parse_count(raw.clicks)
            if parsed is None or parsed > MAX_IMPORTED_CLICKS:
                return RowError(raw.row, f"the visit count {raw.clicks!r} is not a whole number")
            clicks = parsed
    except DomainError as exc:
        return RowError(raw.row, truncate_reason(str(exc)))
    return ValidRow(raw.row, url, alias, ttl_days, _title(raw.title), tags, clicks)


def _kept_code(alias: str, source: ImportFormat) -> str:
    """The row's alias; a migrated short code that our alias rules refuse names itself."""
    if source is ImportFormat.SHORTSTACK:
        return check_alias(alias)
    if is_reserved(alias):
        raise InvalidInput(f"short code {alias!r} cannot be kept: the service reserves it")
    if not is_possible_short_id(alias):
        raise InvalidInput(
            f"short code {alias!r} cannot be kept: aliases are 3-64 characters of A-Z a-z 0-9 _ -"
        )
    return alias


def _title(title: str | None) -> str | None:
    """An imported title, cut to our limit rather than refused (it only labels the link)."""
    if title is None:
        return None
    return title if len(title) <= TITLE_MAX_LENGTH else title[: TITLE_MAX_LENGTH - 1] + "…"


@dataclass
class ImportsService:
    imports: ImportRepository
    blobs: BlobStore
    sink: LinkSink
    uow: UnitOfWork
    own_hosts: OwnHosts
    clock: Clock = utc_now
    starter: WorkflowStarter | None = None
    max_rows: int = MAX_ROWS
    chunk_rows: int = CHUNK_ROWS

    # -- the API --------------------------------------------------------------------------

    def submit(self, owner: str, data: bytes, filename: str | None = None) -> ImportJob:
        """Accept the file, then start its workflow; the pending job."""
        job = self.accept(owner, data, filename)
        self.start(job.import_id)
        return job

    def accept(self, owner: str, data: bytes, filename: str | None = None) -> ImportJob:
        """Check the file can be an import and store it as a pending job (not started yet)."""
        found = check_upload(data, self.max_rows)
        job = new_import(owner, self.clock(), filename, str(found))
        self.blobs.put(source_key(job.import_id), data)
        with self.uow.begin() as outbox:
            self.imports.add(job)
            outbox.add([import_requested(job)])
        return job

    def start(self, import_id: str) -> None:
        """Start (or, for a job left unfinished, run again) the workflow of a stored job."""
        if self.starter is not None:
            self.starter.start(import_id)

    def get(self, owner: str, import_id: str) -> ImportJob:
        """The owner's job; another owner's is reported as missing."""
        job = self.imports.get(import_id)
        if job is None or job.owner != owner:
            raise ImportNotFound(import_id)
        return job

    def status(
        self, owner: str, import_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ImportJob, Page[RowError]]:
        """The owner's job and one page of its row errors.

        A job still awaiting a file its upload URL can no longer bring is failed here,
        when someone asks: nothing else would ever end it.
        """
        job = self.get(owner, import_id)
        if job.upload is not None and never_uploaded(job, self.clock()):
            expired = to_iso(job.upload.expires_at)
            self.fail_upload(job, f"no file arrived before the upload URL expired ({expired})")
            job = self.get(owner, import_id)
        return job, self.imports.list_errors(import_id, limit=limit, cursor=cursor)

    def fail_upload(self, job: ImportJob, reason: str) -> bool:
        """End a job awaiting its upload as failed with `reason`; False if it no longer awaits."""
        now = self.clock()
        with self.uow.begin() as outbox:
            failed = self.imports.settle_upload(job, ImportStatus.FAILED, now, reason)
            if failed:
                ended = replace(job, status=ImportStatus.FAILED, error=reason)
                outbox.add([import_finished(ended, now)])
        return failed

    # -- the workflow's steps (each takes and returns JSON-ready dicts) --------------------

    def _job(self, import_id: str) -> ImportJob:
        job = self.imports.get(import_id)
        if job is None:
            raise ImportNotFound(import_id)
        return job

    def validate(self, import_id: str) -> dict[str, Any]:
        """Check every row; stage valid rows in chunks, record the invalid ones.

        An alias asked for by an earlier row of the file is the later row's error here:
        the Map loads two chunks at once, so at load time the later could win.
        """
        job = self._job(import_id)
        self.imports.update(import_id, ImportUpdate(status=ImportStatus.RUNNING), self.clock())
        # A re-run (after a crash, maybe with another chunk size) chunks the file anew: results
        # recorded for the old chunks would count rows twice. Each load records its chunk again.
        self.imports.forget_chunks(import_id)
        data = self.blobs.get(source_key(import_id))
        total = valid = 0
        chunk: list[ValidRow] = []
        chunks = 0
        errors: list[RowError] = []
        asked: dict[str, int] = {}  # alias -> the first row asking for it
        for item in read_rows(data, self.max_rows):
            total += 1
            checked = item if isinstance(item, RowError) else check_row(item, self.own_hosts)
            if isinstance(checked, ValidRow) and checked.alias is not None:
                first = asked.setdefault(checked.alias, checked.row)
                if first != checked.row:
                    taken = _taken(checked.alias, job.format)
                    checked = RowError(checked.row, f"{taken} by row {first} of this file")
            if isinstance(checked, RowError):
                errors.append(checked)
                if len(errors) >= 1000:
                    self.imports.add_errors(import_id, errors)
                    errors = []
                continue
            valid += 1
            chunk.append(checked)
            if len(chunk) == self.chunk_rows:
                self._put_rows(import_id, "valid", chunks, chunk)
                chunks, chunk = chunks + 1, []
        if chunk:
            self._put_rows(import_id, "valid", chunks, chunk)
            chunks += 1
        if errors:
            self.imports.add_errors(import_id, errors)
        update = ImportUpdate(total=total, valid=valid, invalid=total - valid, chunk_count=chunks)
        self.imports.update(import_id, update, self.clock())
        return {"import_id": import_id, "valid": valid, "chunks": list(range(chunks))}

    def _put_rows(self, import_id: str, stage: str, chunk: int, rows: Iterable[Any]) -> None:
        body = [asdict(row) for row in rows]
        self.blobs.put(chunk_key(import_id, stage, chunk), json.dumps(body).encode())

    def transform(self, import_id: str, chunk: int) -> dict[str, Any]:
        """Plan one chunk's links: ids (alias or derived), expiry from the job's creation."""
        job = self._job(import_id)
        rows = json.loads(self.blobs.get(chunk_key(import_id, "valid", chunk)))
        planned = [
            {
                "row": row["row"],
                "short_id": row["alias"] or derive_short_id(job.secret, import_id, row["row"]),
                "url": row["url"],
                "expires_at": (
                    None
                    if row["ttl_days"] is None
                    else to_iso(job.created_at + timedelta(days=row["ttl_days"]))
                ),
                "is_alias": bool(row["alias"]),
                "title": row.get("title"),
                "tags": row.get("tags", []),
                "imported_clicks": row.get("imported_clicks", 0),
            }
            for row in rows
        ]
        self.blobs.put(chunk_key(import_id, "planned", chunk), json.dumps(planned).encode())
        return {"import_id": import_id, "chunk": chunk, "rows": len(planned)}

    def load(self, import_id: str, chunk: int) -> dict[str, Any]:
        """Create one chunk's links; rows whose alias is taken by someone else are errors."""
        job = self._job(import_id)
        planned = [
            PlannedLink(
                row=p["row"],
                short_id=p["short_id"],
                url=p["url"],
                expires_at=from_iso(p["expires_at"]) if p["expires_at"] else None,
                is_alias=p["is_alias"],
                title=p.get("title"),
                tags=tuple(p.get("tags", ())),
                imported_clicks=p.get("imported_clicks", 0),
            )
            for p in json.loads(self.blobs.get(chunk_key(import_id, "planned", chunk)))
        ]
        loaded, errors = 0, []
        pending = planned
        for attempt in range(ID_ATTEMPTS):
            with self.uow.begin() as outbox:
                results = self.sink.add_new(job.owner, pending, job.created_at)
                stored = [link for link, held in zip(pending, results, strict=True) if not held]
                announce_created(outbox, *(link_of(job.owner, p, job.created_at) for p in stored))
            retry = []
            for link, held in zip(pending, results, strict=True):
                if held is None or _is_own(held, job, link):
                    loaded += 1
                elif link.is_alias:
                    errors.append(RowError(link.row, _taken(link.short_id, job.format)))
                elif attempt + 1 < ID_ATTEMPTS:  # a derived id someone else holds: next one
                    retry.append(
                        replace(
                            link,
                            short_id=derive_short_id(job.secret, import_id, link.row, attempt + 1),
                        )
                    )
                else:
                    errors.append(RowError(link.row, "no free short id found; try again"))
            pending = retry
            if not pending:
                break
        if errors:
            self.imports.add_errors(import_id, errors)
        self.imports.record_chunk(import_id, chunk, loaded, len(errors), self.clock())
        return {"import_id": import_id, "chunk": chunk, "loaded": loaded, "failed": len(errors)}

    def finish(self, import_id: str) -> dict[str, Any]:
        """Settle the final status from the counts, announce it, drop the staged files."""
        job = self._job(import_id)
        status = final_status(job.counts)
        now = self.clock()
        with self.uow.begin() as outbox:
            if self.imports.update(import_id, ImportUpdate(status=status), now):
                outbox.add([import_finished(replace(job, status=status), now)])
        self.blobs.delete_prefix(f"imports/{import_id}/")
        return {"import_id": import_id, "status": str(status)}

    def fail(self, import_id: str, error: str) -> dict[str, Any]:
        """The workflow gave up: the job is failed with the reason (rows loaded stay)."""
        job = self._job(import_id)
        update = ImportUpdate(status=ImportStatus.FAILED, error=truncate_reason(error, 1000))
        now = self.clock()
        with self.uow.begin() as outbox:
            if self.imports.update(import_id, update, now):
                outbox.add([import_finished(replace(job, status=ImportStatus.FAILED), now)])
        return {"import_id": import_id, "status": str(ImportStatus.FAILED)}


def _taken(alias: str, format: str) -> str:
    if format == ImportFormat.SHORTSTACK:
        return f"alias {alias!r} is already taken"
    return f"short code {alias!r} cannot be kept: it is already taken"


def _is_own(held: ExistingLink, job: ImportJob, link: PlannedLink) -> bool:
    """An id holding the link this import would write: its own earlier run did it."""
    return held.owner == job.owner and held.url == link.url and held.created_at == job.created_at
