"""ImportRepository and BlobStore contract: the same cases on memory, SQLite and DynamoDB/S3."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shortstack.bootstrap import Adapters
from shortstack.domain.errors import Conflict, InvalidCursor
from shortstack.domain.imports import (
    ImportCounts,
    ImportJob,
    ImportStatus,
    ImportUpdate,
    RowError,
    UploadTerms,
    new_import,
)
from shortstack.service_layer.ports import MissingBlob
from tests.concurrency import race
from tests.contract.conftest import present

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def make(owner: str = "alice", n: int = 0, filename: str | None = "links.csv") -> ImportJob:
    return new_import(owner, T0 + timedelta(seconds=n), filename)


def awaiting(n: int = 0, size: int | None = 1234) -> ImportJob:
    """A job created for an upload URL: no file yet."""
    terms = UploadTerms(T0 + timedelta(minutes=15), size)
    return new_import("alice", T0 + timedelta(seconds=n), "big.csv", upload=terms)


def test_add_then_get_round_trips_every_field(adapters: Adapters) -> None:
    repo = adapters.imports
    job = make(filename="my links #1.csv")
    repo.add(job)
    assert repo.get(job.import_id) == job
    assert repo.get("missing") is None


def test_the_format_read_is_kept_with_the_job(adapters: Adapters) -> None:
    repo = adapters.imports
    job = new_import("alice", T0, "export.csv", "bitly")
    repo.add(job)
    repo.update(job.import_id, ImportUpdate(status=ImportStatus.RUNNING), T0)
    assert present(repo.get(job.import_id)).format == "bitly"


def test_adding_an_existing_id_conflicts(adapters: Adapters) -> None:
    repo = adapters.imports
    job = make()
    repo.add(job)
    with pytest.raises(Conflict):
        repo.add(replace(job, owner="mallory"))
    assert present(repo.get(job.import_id)).owner == "alice"


def test_update_changes_only_the_given_fields(adapters: Adapters) -> None:
    repo = adapters.imports
    job = make()
    repo.add(job)
    later = T0 + timedelta(minutes=1)
    assert repo.update(
        job.import_id, ImportUpdate(status=ImportStatus.RUNNING, total=5, valid=4, invalid=1), later
    )
    assert repo.update(job.import_id, ImportUpdate(chunk_count=2), later)
    stored = present(repo.get(job.import_id))
    assert stored.status == ImportStatus.RUNNING
    assert stored.counts == ImportCounts(total=5, valid=4, invalid=1)
    assert stored.chunk_count == 2
    assert stored.updated_at == later
    assert stored.created_at == job.created_at
    assert stored.secret == job.secret
    assert not repo.update("missing", ImportUpdate(chunk_count=1), later)


def test_a_final_status_never_changes_again(adapters: Adapters) -> None:
    repo = adapters.imports
    job = make()
    repo.add(job)
    assert repo.update(job.import_id, ImportUpdate(status=ImportStatus.FAILED, error="boom"), T0)
    assert not repo.update(job.import_id, ImportUpdate(status=ImportStatus.SUCCEEDED), T0)
    assert not repo.update(job.import_id, ImportUpdate(total=9), T0)
    repo.record_chunk(job.import_id, 0, 10, 0, T0)
    stored = present(repo.get(job.import_id))
    assert (stored.status, stored.error, stored.counts) == (
        ImportStatus.FAILED,
        "boom",
        ImportCounts(),
    )


def test_chunk_results_sum_up_and_a_repeated_chunk_overwrites(adapters: Adapters) -> None:
    repo = adapters.imports
    job = make()
    repo.add(job)
    repo.record_chunk(job.import_id, 0, 90, 10, T0)
    repo.record_chunk(job.import_id, 1, 50, 0, T0)
    repo.record_chunk(job.import_id, 0, 95, 5, T0)  # a retried chunk
    counts = present(repo.get(job.import_id)).counts
    assert (counts.loaded, counts.failed) == (145, 5)
    repo.record_chunk("missing", 0, 1, 1, T0)
    assert repo.get("missing") is None


def test_forgotten_chunks_count_nothing_unless_the_job_is_final(adapters: Adapters) -> None:
    repo = adapters.imports
    job = make()
    repo.add(job)
    repo.record_chunk(job.import_id, 0, 90, 10, T0)
    repo.forget_chunks(job.import_id)
    counts = present(repo.get(job.import_id)).counts
    assert (counts.loaded, counts.failed) == (0, 0)
    repo.record_chunk(job.import_id, 3, 7, 1, T0)
    repo.update(job.import_id, ImportUpdate(status=ImportStatus.SUCCEEDED), T0)
    repo.forget_chunks(job.import_id)  # a final job's counts never change again
    assert present(repo.get(job.import_id)).counts.loaded == 7
    repo.forget_chunks("missing")


def test_row_errors_page_in_row_order_without_duplicates(adapters: Adapters) -> None:
    repo = adapters.imports
    job, other = make(), make(n=1)
    repo.add(job)
    repo.add(other)
    repo.add_errors(job.import_id, [RowError(row, f"bad {row}") for row in (12, 3, 7, 100, 5)])
    repo.add_errors(job.import_id, [RowError(7, "bad again")])  # a re-run of the same row
    repo.add_errors(job.import_id, [])
    repo.add_errors(other.import_id, [RowError(1, "other job")])
    seen: list[RowError] = []
    cursor = None
    while True:
        page = repo.list_errors(job.import_id, limit=2, cursor=cursor)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [
        RowError(3, "bad 3"),
        RowError(5, "bad 5"),
        RowError(7, "bad again"),
        RowError(12, "bad 12"),
        RowError(100, "bad 100"),
    ]
    exact = repo.list_errors(job.import_id, limit=5, cursor=None)
    assert len(exact.items) == 5
    assert exact.next_cursor is None


def test_many_row_errors_are_all_stored(adapters: Adapters) -> None:
    repo = adapters.imports
    job = make()
    repo.add(job)
    errors = [RowError(row, "bad") for row in range(2, 502)]
    repo.add_errors(job.import_id, errors)
    page = repo.list_errors(job.import_id, limit=1000, cursor=None)
    assert [error.row for error in page.items] == list(range(2, 502))


@pytest.mark.parametrize("cursor", ["garbage", "eyJyIjoieCJ9", "eyJrIjoiMSJ9"])
def test_invalid_error_cursors_are_rejected(adapters: Adapters, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        adapters.imports.list_errors("any", limit=10, cursor=cursor)


def test_unfinished_jobs_are_listed_oldest_first(adapters: Adapters) -> None:
    repo = adapters.imports
    jobs = [make(n=n) for n in range(4)]
    for job in reversed(jobs):
        repo.add(job)
    repo.update(jobs[1].import_id, ImportUpdate(status=ImportStatus.RUNNING), T0)
    repo.update(jobs[2].import_id, ImportUpdate(status=ImportStatus.SUCCEEDED), T0)
    unfinished = repo.list_unfinished(10)
    assert [job.import_id for job in unfinished] == [
        jobs[0].import_id,
        jobs[1].import_id,
        jobs[3].import_id,
    ]
    assert len(repo.list_unfinished(1)) == 1


# -- imports awaiting their upload --------------------------------------------------------------


@pytest.mark.parametrize("size", [1234, None], ids=["declared-size", "no-size"])
def test_an_awaiting_job_round_trips_its_upload_terms(adapters: Adapters, size: int | None) -> None:
    repo = adapters.imports
    job = awaiting(size=size)
    repo.add(job)
    assert repo.get(job.import_id) == job
    assert job.status is ImportStatus.AWAITING_UPLOAD


def test_a_job_awaiting_its_upload_is_no_work_for_the_workflow(adapters: Adapters) -> None:
    repo = adapters.imports
    job = awaiting()
    repo.add(job)
    assert repo.list_unfinished(10) == []
    assert not repo.update(job.import_id, ImportUpdate(status=ImportStatus.RUNNING), T0)
    repo.record_chunk(job.import_id, 0, 5, 0, T0)
    assert present(repo.get(job.import_id)).counts == ImportCounts()


def test_settling_an_upload_happens_once_and_then_lists_the_job_as_unfinished(
    adapters: Adapters,
) -> None:
    repo = adapters.imports
    older, job = make(n=0), awaiting(n=1)
    repo.add(older)
    repo.add(job)
    later = T0 + timedelta(minutes=2)
    assert repo.settle_upload(job, ImportStatus.PENDING, later, format="bitly")
    assert not repo.settle_upload(job, ImportStatus.FAILED, later, "too late")
    stored = present(repo.get(job.import_id))
    assert (stored.status, stored.error, stored.updated_at) == (ImportStatus.PENDING, None, later)
    assert (stored.upload, stored.format) == (job.upload, "bitly")
    assert [unfinished.import_id for unfinished in repo.list_unfinished(10)] == [
        older.import_id,
        job.import_id,
    ]
    assert repo.update(job.import_id, ImportUpdate(status=ImportStatus.RUNNING), later)


def test_a_failed_upload_keeps_its_reason_and_stays_out_of_the_workflow(
    adapters: Adapters,
) -> None:
    repo = adapters.imports
    job = awaiting()
    repo.add(job)
    assert repo.settle_upload(job, ImportStatus.FAILED, T0, "the file is empty")
    stored = present(repo.get(job.import_id))
    assert (stored.status, stored.error) == (ImportStatus.FAILED, "the file is empty")
    assert repo.list_unfinished(10) == []
    assert not repo.settle_upload(job, ImportStatus.PENDING, T0)
    assert not repo.settle_upload(make(), ImportStatus.PENDING, T0)  # never stored


def test_of_racing_settlements_exactly_one_wins(adapters: Adapters) -> None:
    repo = adapters.imports
    job = awaiting()
    repo.add(job)

    def settle(worker: int) -> str:
        status = ImportStatus.PENDING if worker % 2 else ImportStatus.FAILED
        return "won" if repo.settle_upload(job, status, T0, None) else "lost"

    assert sorted(race(8, settle)) == ["lost"] * 7 + ["won"]


# -- BlobStore -----------------------------------------------------------------------------------


def test_blobs_round_trip_replace_and_delete_by_prefix(adapters: Adapters) -> None:
    blobs = adapters.blobs
    blobs.put("imports/a/source.csv", b"url\nhttps://example.com\n")
    blobs.put("imports/a/chunk-00000.jsonl", b"{}")
    blobs.put("imports/ab/source.csv", b"other")
    blobs.put("imports/a/chunk-00000.jsonl", b'{"v": 2}')
    assert blobs.get("imports/a/chunk-00000.jsonl") == b'{"v": 2}'
    blobs.delete_prefix("imports/a/")
    with pytest.raises(MissingBlob):
        blobs.get("imports/a/source.csv")
    with pytest.raises(MissingBlob):
        blobs.get("imports/a/chunk-00000.jsonl")
    assert blobs.get("imports/ab/source.csv") == b"other"
    blobs.delete_prefix("imports/nothing-here/")


def test_deleting_one_blob_leaves_the_keys_it_prefixes(adapters: Adapters) -> None:
    blobs = adapters.blobs
    blobs.put("uploads/tag/a.csv", b"a")
    blobs.put("uploads/tag/a.csv.more", b"b")
    blobs.delete("uploads/tag/a.csv")
    blobs.delete("uploads/tag/a.csv")  # nothing there any more: no error
    with pytest.raises(MissingBlob):
        blobs.get("uploads/tag/a.csv")
    assert blobs.get("uploads/tag/a.csv.more") == b"b"


def test_blobs_hold_arbitrary_bytes(adapters: Adapters) -> None:
    blobs = adapters.blobs
    data = bytes(range(256)) * 64
    blobs.put("imports/b/source.csv", data)
    assert blobs.get("imports/b/source.csv") == data
