"""A BlobStore over one S3 bucket (IMPORT_BUCKET); objects are encrypted at rest with SSE-S3."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from shortstack.domain.errors import ServiceUnavailable
from shortstack.service_layer.ports import MissingBlob

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

_DELETE_BATCH = 1000


class S3BlobStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        if not self._bucket:  # a deployment without IMPORTS_BUCKET: say so, not a 500
            raise ServiceUnavailable("bulk imports need IMPORTS_BUCKET, which is not configured")
        self._client.put_object(
            Bucket=self._bucket, Key=key, Body=data, ServerSideEncryption="AES256"
        )

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MissingBlob(key) from exc
            raise
        body: bytes = response["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=key)

    def delete_prefix(self, prefix: str) -> None:
        paginator = self._client.get_paginator("list_objects_v2")
        keys: list[ObjectIdentifierTypeDef] = [
            {"Key": item["Key"]}
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
        for start in range(0, len(keys), _DELETE_BATCH):
            self._client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": keys[start : start + _DELETE_BATCH]}
            )
