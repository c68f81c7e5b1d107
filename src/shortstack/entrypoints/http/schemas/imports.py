"""Bulk imports as the HTTP API shows them, and the request for an upload URL."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shortstack.domain.imports import ImportJob, ImportStatus, RowError
from shortstack.domain.uploads import UploadTarget
from shortstack.entrypoints.http.schemas.common import (
    IsoTime,
    SingleLine,
    StrictModel,
    WholeNumber,
)

# What a CSV upload may be labelled (browsers on Windows call a .csv application/vnd.ms-excel).
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel")
CsvType = Literal["text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"]
FileName = Annotated[str, StringConstraints(min_length=1, max_length=255), SingleLine]


class ImportCountsPublic(BaseModel):
    total: int
    valid: int
    invalid: int
    loaded: int
    failed: int


class RowErrorPublic(BaseModel):
    row: int
    reason: str


class UploadTermsPublic(BaseModel):
    """What the upload URL of an import takes: until when, and the declared size if any."""

    expires_at: IsoTime
    size: int | None


class ImportPublic(BaseModel):
    """An import's status and counts; `errors` is one page of per-row errors by row number."""

    import_id: str
    status: ImportStatus = Field(
        description="awaiting_upload (its upload URL has not brought the file yet), pending "
        "(the file is stored, the workflow about to run), running, then succeeded, "
        "partially_succeeded or failed"
    )
    format: str = Field(
        description="whose CSV the file is, told by its header: shortstack (ours), yourls, "
        "bitly, shlink or kutt (shortstack until an uploaded file arrives)"
    )
    filename: str | None
    counts: ImportCountsPublic
    error: str | None
    created_at: IsoTime
    updated_at: IsoTime
    upload: UploadTermsPublic | None = Field(
        description="set when the file comes through an upload URL (POST /api/v1/imports/uploads)"
    )
    errors: list[RowErrorPublic]
    errors_next_cursor: str | None

    @classmethod
    def of(cls, job: ImportJob, errors: list[RowError], next_cursor: str | None) -> ImportPublic:
        counts = job.counts
        upload = job.upload
        return cls(
            import_id=job.import_id,
            status=job.status,
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
            upload=UploadTermsPublic(expires_at=upload.expires_at, size=upload.size)
            if upload
            else None,
            errors=[RowErrorPublic(row=e.row, reason=e.reason) for e in errors],
            errors_next_cursor=next_cursor,
        )


class ImportUploadCreate(StrictModel):
    """Ask for an upload URL. Declaring `size` binds the URL to exactly that many bytes."""

    filename: FileName = Field(description="the file's name, shown with the import")
    size: Annotated[int, Field(ge=1), WholeNumber] | None = Field(
        default=None, description="the file's size in bytes"
    )
    content_type: CsvType = Field(
        default="text/csv", description="the Content-Type the upload will be sent with"
    )


class ImportUploadPublic(BaseModel):
    """Where to send the file: `method` to `upload_url` with exactly `headers`, no credentials.

    The import starts when the file is stored; follow it at /api/v1/imports/{import_id}.
    """

    import_id: str
    upload_url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: IsoTime
    max_bytes: int = Field(description="the largest file this server takes")

    @classmethod
    def of(
        cls, import_id: str, target: UploadTarget, url: str, max_bytes: int
    ) -> ImportUploadPublic:
        return cls(
            import_id=import_id,
            upload_url=url,
            method="PUT",
            headers=dict(target.headers),
            expires_at=target.expires_at,
            max_bytes=max_bytes,
        )
