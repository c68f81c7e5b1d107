"""Import jobs in SQLite: one row per job, one per loaded chunk, one per row error.

Chunk results and row errors are keyed by (import, chunk) and (import, row),
so a step that runs twice overwrites its own records instead of adding to
them: counts stay exact across retries and re-runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict
from shortstack.domain.imports import (
    UNFINISHED,
    ImportCounts,
    ImportJob,
    ImportStatus,
    ImportUpdate,
    RowError,
    UploadTerms,
)
from shortstack.domain.pagination import Page
from shortstack.service_layer.import_pages import after_row, next_cursor

SCHEMA = """
CREATE TABLE IF NOT EXISTS imports (
    import_id   TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    status      TEXT NOT NULL,
    total       INTEGER NOT NULL DEFAULT 0,
    valid       INTEGER NOT NULL DEFAULT 0,
    invalid     INTEGER NOT NULL DEFAULT 0,
    chunk_count INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    filename    TEXT,
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    format      TEXT NOT NULL DEFAULT 'shortstack',
    upload_expires_at TEXT,
    upload_size       INTEGER
);
CREATE INDEX IF NOT EXISTS imports_unfinished ON imports (created_at)
    WHERE status IN ('pending', 'running');
CREATE TABLE IF NOT EXISTS import_chunks (
    import_id TEXT NOT NULL,
    chunk     INTEGER NOT NULL,
    loaded    INTEGER NOT NULL,
    failed    INTEGER NOT NULL,
    PRIMARY KEY (import_id, chunk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS import_errors (
    import_id TEXT NOT NULL,
    row       INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (import_id, row)
) WITHOUT ROWID;
"""

_SELECT_JOB = """
SELECT imports.*,
       (SELECT coalesce(sum(loaded), 0) FROM import_chunks c WHERE c.import_id = imports.import_id)
           AS loaded,
       (SELECT coalesce(sum(failed), 0) FROM import_chunks c WHERE c.import_id = imports.import_id)
           AS failed
FROM imports
"""
# Columns a database made before they existed lacks; added in place when it is opened.
# Files made by older versions lack these; their imports were all sent directly.
_ADDED_COLUMNS = (
    ("format", "TEXT NOT NULL DEFAULT 'shortstack'"),
    ("upload_expires_at", "TEXT"),
    ("upload_size", "INTEGER"),
)
_NOT_FINAL = "status IN ('pending', 'running')"  # the unfinished statuses


def _to_job(row: sqlite3.Row) -> ImportJob:
    return ImportJob(
        import_id=row["import_id"],
        owner=row["owner"],
        status=ImportStatus(row["status"]),
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        secret=row["secret"],
        counts=ImportCounts(
            total=row["total"],
            valid=row["valid"],
            invalid=row["invalid"],
            loaded=row["loaded"],
            failed=row["failed"],
        ),
        chunk_count=row["chunk_count"],
        error=row["error"],
        filename=row["filename"],
        format=row["format"],
        upload=(
            UploadTerms(from_iso(row["upload_expires_at"]), row["upload_size"])
            if row["upload_expires_at"]
            else None
        ),
    )


class SqliteImportRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("imports", SCHEMA)
        db.add_missing_columns("imports", _ADDED_COLUMNS)

    def add(self, job: ImportJob) -> None:
        counts = job.counts
        upload = job.upload
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO imports (import_id, owner, status, total, valid, invalid, "
                    "chunk_count, error, filename, secret, created_at, updated_at, format, "
                    "upload_expires_at, upload_size) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        job.import_id,
                        job.owner,
                        str(job.status),
                        counts.total,
                        counts.valid,
                        counts.invalid,
                        job.chunk_count,
                        job.error,
                        job.filename,
                        job.secret,
                        to_iso(job.created_at),
                        to_iso(job.updated_at),
                        job.format,
                        to_iso(upload.expires_at) if upload else None,
                        upload.size if upload else None,
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"import {job.import_id!r} already exists") from exc

    def get(self, import_id: str) -> ImportJob | None:
        row = (
            self._db.connection()
            .execute(f"{_SELECT_JOB} WHERE import_id = ?", (import_id,))
            .fetchone()
        )
        return _to_job(row) if row else None

    def update(self, import_id: str, changes: ImportUpdate, now: datetime) -> bool:
        assignments = ["updated_at = max(updated_at, ?)"]
        params: list[object] = [to_iso(now)]
        for column, value in (
            ("status", str(changes.status) if changes.status else None),
            ("total", changes.total),
            ("valid", changes.valid),
            ("invalid", changes.invalid),
            ("chunk_count", changes.chunk_count),
            ("error", changes.error),
        ):
            if value is not None:
                assignments.append(f"{column} = ?")
                params.append(value)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE imports SET {', '.join(assignments)} "  # noqa: S608 - fixed column names
                f"WHERE import_id = ? AND {_NOT_FINAL}",
                (*params, import_id),
            )
        return cursor.rowcount > 0

    def settle_upload(
        self,
        job: ImportJob,
        status: ImportStatus,
        now: datetime,
        error: str | None = None,
        format: str | None = None,
    ) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE imports SET status = ?, error = coalesce(?, error), "
                "format = coalesce(?, format), updated_at = max(updated_at, ?) "
                "WHERE import_id = ? AND status = ?",
                (
                    str(status),
                    error,
                    format,
                    to_iso(now),
                    job.import_id,
                    str(ImportStatus.AWAITING_UPLOAD),
                ),
            )
        return cursor.rowcount > 0

    def record_chunk(
        self, import_id: str, chunk: int, loaded: int, failed: int, now: datetime
    ) -> None:
        with self._db.transaction() as conn:
            touched = conn.execute(
                f"UPDATE imports SET updated_at = max(updated_at, ?) "  # noqa: S608 - constant
                f"WHERE import_id = ? AND {_NOT_FINAL}",
                (to_iso(now), import_id),
            ).rowcount
            if touched:
                conn.execute(
                    "INSERT INTO import_chunks VALUES (?, ?, ?, ?) ON CONFLICT (import_id, chunk) "
                    "DO UPDATE SET loaded = excluded.loaded, failed = excluded.failed",
                    (import_id, chunk, loaded, failed),
                )

    def forget_chunks(self, import_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM import_chunks WHERE import_id = ? AND EXISTS "  # noqa: S608 - constant
                f"(SELECT 1 FROM imports WHERE import_id = ? AND {_NOT_FINAL})",
                (import_id, import_id),
            )

    def add_errors(self, import_id: str, errors: Sequence[RowError]) -> None:
        if not errors:
            return
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT INTO import_errors VALUES (?, ?, ?) ON CONFLICT (import_id, row) "
                "DO UPDATE SET reason = excluded.reason",
                [(import_id, error.row, error.reason) for error in errors],
            )

    def list_errors(self, import_id: str, *, limit: int, cursor: str | None) -> Page[RowError]:
        rows = (
            self._db.connection()
            .execute(
                "SELECT row, reason FROM import_errors WHERE import_id = ? AND row > ? "
                "ORDER BY row LIMIT ?",
                (import_id, after_row(cursor), limit + 1),
            )
            .fetchall()
        )
        page = [RowError(row["row"], row["reason"]) for row in rows[:limit]]
        return Page(page, next_cursor(page, limit, len(rows) > limit))

    def list_unfinished(self, limit: int) -> list[ImportJob]:
        statuses = ", ".join(f"'{status}'" for status in UNFINISHED)
        rows = (
            self._db.connection()
            .execute(
                f"{_SELECT_JOB} WHERE status IN ({statuses}) "
                "ORDER BY created_at, import_id LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [_to_job(row) for row in rows]
