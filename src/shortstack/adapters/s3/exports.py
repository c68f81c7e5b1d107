"""CSV exports written to the imports bucket's `exports/` area and handed out presigned.

A Lambda behind API Gateway answers at most 6 MB, and Mangum buffers the whole body:
about 20,000 links. So on AWS an export is written to S3 as it is read, in parts of
PART_SIZE (a multipart upload: memory stays at one part whatever the size; a file
smaller than one part is a single PutObject), and the client is sent to a presigned
GET of it that names the download (decision 0109). The bucket's lifecycle removes
exports after a day; the URL works for URL_TTL_S.
"""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shortstack.domain.clock import utc_now
from shortstack.domain.csv_export import ExportLink
from shortstack.domain.errors import ServiceUnavailable
from shortstack.domain.uploads import owner_tag

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

EXPORT_PREFIX = "exports/"
PART_SIZE = 8 * 1024 * 1024  # S3 takes parts of 5 MiB and more (but the last)
URL_TTL_S = 900
CONTENT_TYPE = "text/csv; charset=utf-8"


class S3ExportStore:
    def __init__(
        self,
        client: S3Client,
        signer: S3Client,
        bucket: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        part_size: int = PART_SIZE,
    ) -> None:
        self._client = client
        self._signer = signer
        self._bucket = bucket
        self._clock = clock
        self._part_size = part_size

    def publish(self, owner: str, filename: str, chunks: Iterable[bytes]) -> ExportLink:
        if not self._bucket:  # a deployment without IMPORTS_BUCKET: say so, not a 500
            raise ServiceUnavailable("exports need IMPORTS_BUCKET, which is not configured")
        key = f"{EXPORT_PREFIX}{owner_tag(owner)}/{uuid.uuid4().hex}/{filename}"
        disposition = f'attachment; filename="{filename}"'
        self._write(key, disposition, iter(chunks))
        url = self._signer.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": disposition,
                "ResponseContentType": CONTENT_TYPE,
            },
            ExpiresIn=URL_TTL_S,
        )
        return ExportLink(url=url, expires_at=self._clock() + timedelta(seconds=URL_TTL_S))

    def _write(self, key: str, disposition: str, chunks: Iterable[bytes]) -> None:
        # Each part is handed to botocore as the file it was written into: bytes(part) would
        # copy it, and botocore copies a bytearray into a BytesIO to frame it (checksum
        # trailer), so either way the heap would hold two parts at once.
        part = io.BytesIO()
        upload_id: str | None = None
        parts: list[CompletedPartTypeDef] = []
        try:
            for chunk in chunks:
                part.write(chunk)
                if part.tell() >= self._part_size:
                    if upload_id is None:
                        upload_id = self._client.create_multipart_upload(
                            Bucket=self._bucket,
                            Key=key,
                            ContentType=CONTENT_TYPE,
                            ContentDisposition=disposition,
                            ServerSideEncryption="AES256",
                        )["UploadId"]
                    parts.append(self._upload_part(key, upload_id, len(parts) + 1, part))
                    part = io.BytesIO()
            if upload_id is None:  # the whole file fits in one part
                part.seek(0)
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=key,
                    Body=part,
                    ContentType=CONTENT_TYPE,
                    ContentDisposition=disposition,
                    ServerSideEncryption="AES256",
                )
                return
            if part.tell() or not parts:
                parts.append(self._upload_part(key, upload_id, len(parts) + 1, part))
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            # Parts of an unfinished upload are billed until aborted; the bucket's lifecycle
            # aborts what this cannot, a day later.
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    self._client.abort_multipart_upload(
                        Bucket=self._bucket, Key=key, UploadId=upload_id
                    )
            raise

    def _upload_part(
        self, key: str, upload_id: str, number: int, body: io.BytesIO
    ) -> CompletedPartTypeDef:
        body.seek(0)
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"ETag": answer["ETag"], "PartNumber": number}
