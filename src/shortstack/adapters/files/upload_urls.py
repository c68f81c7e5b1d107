"""Upload URLs on the local server: the same contract as a presigned S3 PUT, no AWS needed.

The URL names the import and carries its expiry and a signature made with the
import's own secret, so, like a presigned URL, it needs no Authorization header
and proves itself: `PUT /api/v1/imports/uploads/{import_id}?expires=..&signature=..`.
The path is relative; the HTTP edge puts the server's own origin in front.
"""

from __future__ import annotations

from urllib.parse import urlencode

from shortstack.domain.errors import Forbidden
from shortstack.domain.imports import ImportJob
from shortstack.domain.uploads import (
    UploadTarget,
    epoch_seconds,
    signature_matches,
    upload_signature,
)

UPLOAD_PATH = "/api/v1/imports/uploads"


class LocalUploadInbox:
    def target(self, job: ImportJob, content_type: str) -> UploadTarget:
        if job.upload is None:
            raise ValueError(f"import {job.import_id} is not waiting for an upload")
        expires = epoch_seconds(job.upload.expires_at)
        query = urlencode({"expires": expires, "signature": upload_signature(job, expires)})
        return UploadTarget(
            url=f"{UPLOAD_PATH}/{job.import_id}?{query}",
            method="PUT",
            expires_at=job.upload.expires_at,
            headers={"content-type": content_type},
        )

    def verify(self, job: ImportJob, expires: int, signature: str) -> None:
        if not signature_matches(job, expires, signature):
            raise Forbidden(
                "this upload URL's signature does not match its import: send the file to the "
                "URL POST /api/v1/imports/uploads returned, unchanged"
            )
