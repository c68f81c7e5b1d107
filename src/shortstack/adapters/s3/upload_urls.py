"""Presigned S3 PUT URLs into the imports bucket's `uploads/` area (docs/decisions/0302).

The URL is signed with SigV4 for one key, `uploads/<owner tag>/<import id>.csv`,
until the import's upload expiry. When the client declared the file's size,
Content-Length is one of the signed headers, so S3 itself refuses a body of any
other length; so is Content-Type. The signing client is its own
(`aws.make_presigning_client`): SigV4, virtual-hosted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from shortstack.domain.errors import Forbidden, ServiceUnavailable
from shortstack.domain.imports import ImportJob
from shortstack.domain.uploads import UploadTarget, upload_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3UploadInbox:
    def __init__(self, bucket: str, signer: S3Client) -> None:
        self._bucket = bucket
        self._signer = signer

    def target(self, job: ImportJob, content_type: str) -> UploadTarget:
        if job.upload is None:
            raise ValueError(f"import {job.import_id} is not waiting for an upload")
        if not self._bucket:  # a deployment without IMPORTS_BUCKET: say so, not a 500
            raise ServiceUnavailable("upload URLs need IMPORTS_BUCKET, which is not configured")
        params: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": upload_key(job),
            "ContentType": content_type,
        }
        if job.upload.size is not None:
            params["ContentLength"] = job.upload.size
        # Signed now, right after the job was made: valid from now until its upload expiry.
        seconds = math.ceil((job.upload.expires_at - job.created_at).total_seconds())
        url = self._signer.generate_presigned_url(
            "put_object", Params=params, ExpiresIn=max(seconds, 1), HttpMethod="PUT"
        )
        return UploadTarget(
            url=url,
            method="PUT",
            expires_at=job.upload.expires_at,
            headers={"content-type": content_type},
        )

    def verify(self, job: ImportJob, expires: int, signature: str) -> None:
        raise Forbidden(
            "this deployment takes import files at the presigned S3 URL that "
            "POST /api/v1/imports/uploads returns, not here"
        )
