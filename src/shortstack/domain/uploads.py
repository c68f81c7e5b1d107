"""Imports whose file the client sends itself, to a URL the service hands out.

The client asks for an upload (`POST /api/v1/imports/uploads`) and gets an
import awaiting its file plus a short-lived URL: a presigned S3 PUT on AWS, a
URL on the local server signed with the import's own secret. The file that
lands there starts the import. The URL is the only credential the upload
carries, so everything that binds the file to its import and its owner is in
the URL: the storage key names both, and the signature covers the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shortstack.domain.import_limits import (
    LAMBDA_EVENT_ENVELOPE_BYTES as LAMBDA_EVENT_ENVELOPE_BYTES,
)
from shortstack.domain.import_limits import LAMBDA_EVENT_MAX_BYTES as LAMBDA_EVENT_MAX_BYTES
from shortstack.domain.import_limits import LAMBDA_IMPORT_MAX_BYTES as LAMBDA_IMPORT_MAX_BYTES
from shortstack.domain.imports import IMPORT_ID_PATTERN, ImportJob, ImportStatus, UploadTerms

UPLOAD_PREFIX = "uploads/"
# An upload URL is checked when the request starts; a slow upload may finish later, so an
# import counts as never uploaded only this long after its URL expired.
LATE_UPLOAD_GRACE = timedelta(hours=1)

_OWNER_TAG_HEX = 32
_UPLOAD_KEY = re.compile(
    rf"^{UPLOAD_PREFIX}(?P<tag>[0-9a-f]{{{_OWNER_TAG_HEX}}})/(?P<id>{IMPORT_ID_PATTERN})\.csv$"
)


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """Where and how the client sends the file; `headers` must be sent exactly as given."""

    url: str
    method: str
    expires_at: datetime
    headers: dict[str, str] = field(default_factory=dict)


def owner_tag(owner: str) -> str:
    """The owner as it appears in an upload key: a digest, so any `sub` makes a safe key."""
    return hashlib.sha256(owner.encode()).hexdigest()[:_OWNER_TAG_HEX]


def upload_key(job: ImportJob) -> str:
    """Where the client's file lands: `uploads/<owner tag>/<import id>.csv`."""
    return f"{UPLOAD_PREFIX}{owner_tag(job.owner)}/{job.import_id}.csv"


@dataclass(frozen=True, slots=True)
class UploadKey:
    owner_tag: str
    import_id: str


def parse_upload_key(key: str) -> UploadKey | None:
    """The owner tag and import id an upload key names, or None for any other key."""
    match = _UPLOAD_KEY.match(key)
    return UploadKey(match["tag"], match["id"]) if match else None


def is_bound_to(job: ImportJob, key: UploadKey) -> bool:
    """Whether a landed file's key names this job and its owner."""
    same_owner = hmac.compare_digest(key.owner_tag, owner_tag(job.owner))
    return key.import_id == job.import_id and same_owner


def upload_signature(job: ImportJob, expires: int) -> str:
    """The local upload URL's signature: the import's secret over its id and the expiry."""
    message = f"upload:{job.import_id}:{expires}".encode()
    return hmac.new(job.secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(job: ImportJob, expires: int, signature: str) -> bool:
    # compare_digest takes str only when both are ASCII: a URL may carry anything.
    given = signature.lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(upload_signature(job, expires).encode(), given)


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch_seconds(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def never_uploaded(job: ImportJob, now: datetime) -> bool:
    """An import still awaiting its file well after its upload URL expired."""
    return (
        job.status is ImportStatus.AWAITING_UPLOAD
        and job.upload is not None
        and now > job.upload.expires_at + LATE_UPLOAD_GRACE
    )


def size_problem(size: int, terms: UploadTerms | None, max_bytes: int) -> str | None:
    """Why a file of `size` bytes may not be this import's file, or None."""
    if size > max_bytes:
        return f"the file is {size:,} bytes; an import takes at most {max_bytes:,}"
    if terms is not None and terms.size is not None and size != terms.size:
        return f"the file is {size:,} bytes, but the upload was declared as {terms.size:,}"
    if size == 0:
        return "the file is empty"
    return None
