"""Bulk imports as the HTTP API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_serializer

from shortstack.domain.clock import to_iso
from shortstack.domain.imports import ImportJob, RowError


class ImportCountsPublic(BaseModel):
    total: int
    valid: int
    invalid: int
    loaded: int
    failed: int


class RowErrorPublic(BaseModel):
    row: int
    reason: str


class ImportPublic(BaseModel):
    """An import's status and counts; `errors` is one page of per-row errors by row number."""

    import_id: str
    status: str
    format: str = Field(
        description="whose CSV the file is, told by its header: shortstack (ours), yourls, "
        "bitly, shlink or kutt"
    )
    filename: str | None
    counts: ImportCountsPublic
    error: str | None
    created_at: datetime
    updated_at: datetime
    errors: list[RowErrorPublic]
    errors_next_cursor: str | None

    @field_serializer("created_at", "updated_at")
    def _iso(self, value: datetime) -> str:
        return to_iso(value)

    @classmethod
    def of(cls, job: ImportJob, errors: list[RowError], next_cursor: str | None) -> ImportPublic:
        counts = job.counts
        return cls(
            import_id=job.import_id,
            status=str(job.status),
            format=job.format,
            filename=job.filename,
            counts=ImportCountsPublic(
                total=counts.total,
                valid=counts.valid,
                invalid=counts.invalid,
                loaded=counts.loaded,
                failed=counts.failed,
            ),
            error=job.error,
            created_at=job.created_at,
            updated_at=job.updated_at,
            errors=[RowErrorPublic(row=e.row, reason=e.reason) for e in errors],
            errors_next_cursor=next_cursor,
        )
