"""Import jobs, chunk results and row errors kept in dicts, under one lock."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from shortstack.domain.errors import Conflict
from shortstack.domain.imports import (
    UNFINISHED,
    ImportJob,
    ImportStatus,
    ImportUpdate,
    RowError,
)
from shortstack.domain.pagination import Page
from shortstack.service_layer.import_pages import error_page, with_chunk_totals


class MemoryImportRepository:
    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._chunks: dict[str, dict[int, tuple[int, int]]] = {}
        self._errors: dict[str, dict[int, str]] = {}
        self._lock = threading.Lock()

    def add(self, job: ImportJob) -> None:
        with self._lock:
            if job.import_id in self._jobs:
                raise Conflict(f"import {job.import_id!r} already exists")
            self._jobs[job.import_id] = job
            self._chunks[job.import_id] = {}
            self._errors[job.import_id] = {}

    def get(self, import_id: str) -> ImportJob | None:
        with self._lock:
            job = self._jobs.get(import_id)
            if job is None:
                return None
            return with_chunk_totals(job, self._chunks[import_id].values())

    def update(self, import_id: str, changes: ImportUpdate, now: datetime) -> bool:
        with self._lock:
            job = self._jobs.get(import_id)
            if job is None or job.status not in UNFINISHED:
                return False
            counts = replace(
                job.counts,
                **{
                    name: value
                    for name in ("total", "valid", "invalid")
                    if (value := getattr(changes, name)) is not None
                },
            )
            self._jobs[import_id] = replace(
                job,
                status=changes.status or job.status,
                counts=counts,
                chunk_count=job.chunk_count if changes.chunk_count is None else changes.chunk_count,
                error=changes.error if changes.error is not None else job.error,
                updated_at=max(now, job.updated_at),
            )
            return True

    def settle_upload(
        self,
        job: ImportJob,
        status: ImportStatus,
        now: datetime,
        error: str | None = None,
        format: str | None = None,
    ) -> bool:
        with self._lock:
            stored = self._jobs.get(job.import_id)
            if stored is None or stored.status is not ImportStatus.AWAITING_UPLOAD:
                return False
            self._jobs[job.import_id] = replace(
                stored,
                status=status,
                error=error if error is not None else stored.error,
                format=format if format is not None else stored.format,
                updated_at=max(now, stored.updated_at),
            )
            return True

    def record_chunk(
        self, import_id: str, chunk: int, loaded: int, failed: int, now: datetime
    ) -> None:
        with self._lock:
            job = self._jobs.get(import_id)
            if job is None or job.status not in UNFINISHED:
                return
            self._chunks[import_id][chunk] = (loaded, failed)
            self._jobs[import_id] = replace(job, updated_at=max(now, job.updated_at))

    def forget_chunks(self, import_id: str) -> None:
        with self._lock:
            job = self._jobs.get(import_id)
            if job is not None and job.status in UNFINISHED:
                self._chunks[import_id].clear()

    def add_errors(self, import_id: str, errors: Sequence[RowError]) -> None:
        with self._lock:
            stored = self._errors.setdefault(import_id, {})
            for error in errors:
                stored[error.row] = error.reason

    def list_errors(self, import_id: str, *, limit: int, cursor: str | None) -> Page[RowError]:
        with self._lock:
            stored = dict(self._errors.get(import_id, {}))
        return error_page(
            [RowError(row, reason) for row, reason in sorted(stored.items())], limit, cursor
        )

    def list_unfinished(self, limit: int) -> list[ImportJob]:
        with self._lock:
            jobs = [job for job in self._jobs.values() if job.status in UNFINISHED]
        jobs.sort(key=lambda job: (job.created_at, job.import_id))
        return jobs[:limit]
