"""Exports written to S3 (moto): one PutObject when small, a multipart upload when not,
nothing left behind when the rows fail midway, and a presigned GET that names the file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from shortstack.adapters import aws
from shortstack.adapters.s3.exports import S3ExportStore
from shortstack.domain.errors import ServiceUnavailable
from tests.conftest import IMPORT_BUCKET

MIB = 1024 * 1024
PART = 5 * MIB  # the smallest part S3 (and moto) takes


def store(s3: Any, bucket: str = IMPORT_BUCKET) -> S3ExportStore:
    return S3ExportStore(s3, aws.make_presigning_client(), bucket, part_size=PART)


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield bytes([65 + (start // size) % 26]) * min(size, total - start)


def exported_keys(s3: Any) -> list[str]:
    listed = s3.list_objects_v2(Bucket=IMPORT_BUCKET, Prefix="exports/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_small_export_is_one_object_fetched_by_its_presigned_url(moto_s3: Any) -> None:
    link = store(moto_s3).publish("alice", "links.csv", [b"short_id,url\r\n", b"a1,x\r\n"])
    fetched = requests.get(link.url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == b"short_id,url\r\na1,x\r\n"
    assert fetched.headers["content-disposition"] == 'attachment; filename="links.csv"'
    assert fetched.headers["content-type"] == "text/csv; charset=utf-8"
    query = parse_qs(urlsplit(link.url).query)
    assert query["X-Amz-Expires"] == ["900"]  # SigV4, valid for 15 minutes
    [key] = exported_keys(moto_s3)
    assert key.startswith("exports/")
    assert key.endswith("/links.csv")
    assert "alice" not in key  # owners appear as a digest


def test_a_large_export_goes_up_in_parts_and_reads_back_whole(moto_s3: Any) -> None:
    total = 2 * PART + 12345
    link = store(moto_s3).publish("alice", "links.csv", chunks(total))
    fetched = requests.get(link.url, timeout=30)
    assert fetched.content == b"".join(chunks(total))
    [key] = exported_keys(moto_s3)
    head = moto_s3.head_object(Bucket=IMPORT_BUCKET, Key=key, PartNumber=1)
    assert head["PartsCount"] == 3


def test_rows_failing_midway_leave_no_object_and_no_open_upload(moto_s3: Any) -> None:
    def failing() -> Iterator[bytes]:
        yield from chunks(PART + 1)
        raise RuntimeError("the store failed while reading links")

    with pytest.raises(RuntimeError, match="reading links"):
        store(moto_s3).publish("alice", "links.csv", failing())
    assert exported_keys(moto_s3) == []
    assert moto_s3.list_multipart_uploads(Bucket=IMPORT_BUCKET).get("Uploads", []) == []


def test_two_exports_of_one_owner_never_share_a_key(moto_s3: Any) -> None:
    first = store(moto_s3).publish("alice", "links.csv", [b"one\r\n"])
    second = store(moto_s3).publish("alice", "links.csv", [b"two\r\n"])
    assert requests.get(first.url, timeout=10).content == b"one\r\n"
    assert requests.get(second.url, timeout=10).content == b"two\r\n"


def test_without_a_bucket_the_export_is_a_clear_503(moto_s3: Any) -> None:
    with pytest.raises(ServiceUnavailable, match="IMPORTS_BUCKET"):
        store(moto_s3, bucket="").publish("alice", "links.csv", [b"x"])


def test_the_writer_holds_one_part_in_memory_not_a_copy_of_it_too() -> None:
    """botocore frames each part as on Lambda (https, checksum trailer), answered in-process.

    Beyond the part, botocore's own framing costs about 3 MiB whatever the part size; a
    copy of the part (bytes(part), or a bytearray botocore copies) would add 8 MiB more.
    """
    from bench.link_export import s3_part_peak

    measured = s3_part_peak(megabytes=24)
    assert measured["peak_over_part"] < 1.8, measured
