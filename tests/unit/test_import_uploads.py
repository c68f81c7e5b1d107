"""Imports through upload URLs, at the service layer with the in-memory fakes.

Both ways a file arrives are here: a body sent to the local server's URL
(`admit` + `receive`) and an object landing in the upload area (`landed`, what the
S3 notification calls; the memory blob store stands in for the bucket). Hostile
cases: a forged or foreign signature, a reused or expired URL, a wrong size, a key
naming another owner, a stray object, a repeated event.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.errors import (
    Forbidden,
    ImportAlreadyUploaded,
    ImportNotFound,
    InvalidInput,
    TooLarge,
)
from shortstack.domain.imports import ImportJob, ImportStatus
from shortstack.domain.uploads import LATE_UPLOAD_GRACE, owner_tag, upload_key
from shortstack.service_layer.import_uploads import Landing
from shortstack.service_layer.ports import MissingBlob
from tests.conftest import settings_for
from tests.fakes import FakeClock

CSV = b"url,alias\nhttps://example.com/a,page-a\nhttps://example.com/b,\n"
MAX_BYTES = 4096


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 12, tzinfo=UTC))


@pytest.fixture
def memory_container(tmp_path: Path, clock: FakeClock) -> Iterator[Container]:
    """The in-memory stores on the test's clock, with a small upload limit."""
    settings = settings_for("memory", tmp_path, import_upload_max_bytes=MAX_BYTES)
    built = bootstrap(settings, clock=clock)
    yield built
    built.close()


def url_parts(url: str) -> tuple[str, int, str]:
    """The import id, expiry and signature of a local upload URL."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return parts.path.rsplit("/", 1)[1], int(query["expires"][0]), query["signature"][0]


def send(container: Container, url: str, data: bytes) -> ImportJob:
    """What the local server does with a PUT to `url`: admit, then receive the body."""
    import_id, expires, signature = url_parts(url)
    job = container.uploads.admit(import_id, expires, signature, len(data))
    return container.uploads.receive(job, data)


def published(container: Container, detail_type: str) -> list[Any]:
    return container.publisher.of_type(detail_type)  # type: ignore[attr-defined, no-any-return]


def test_an_upload_url_starts_nothing_until_its_file_arrives(memory_container: Container) -> None:
    job, target = memory_container.uploads.request("alice", "links.csv", len(CSV))
    assert (job.status, job.filename, job.upload.size) == (  # type: ignore[union-attr]
        ImportStatus.AWAITING_UPLOAD,
        "links.csv",
        len(CSV),
    )
    assert target.method == "PUT"
    assert target.headers == {"content-type": "text/csv"}
    assert target.url.startswith(f"/api/v1/imports/uploads/{job.import_id}?expires=")
    assert target.expires_at == job.created_at + timedelta(minutes=15)
    assert memory_container.imports.imports.list_unfinished(10) == []
    assert published(memory_container, "ImportRequested") == []

    taken = send(memory_container, target.url, CSV)
    assert taken.status is not ImportStatus.AWAITING_UPLOAD
    done = memory_container.imports.get("alice", job.import_id)
    assert (done.status, done.counts.loaded) == (ImportStatus.SUCCEEDED, 2)
    assert memory_container.links.get("alice", "page-a").url == "https://example.com/a"
    [requested] = published(memory_container, "ImportRequested")
    assert requested.detail["import_id"] == job.import_id


def test_a_url_for_one_import_does_not_open_another(memory_container: Container) -> None:
    first, first_target = memory_container.uploads.request("alice", "a.csv")
    second, _ = memory_container.uploads.request("alice", "b.csv")
    _, expires, signature = url_parts(first_target.url)
    with pytest.raises(Forbidden, match="signature does not match"):
        memory_container.uploads.admit(second.import_id, expires, signature, len(CSV))
    with pytest.raises(Forbidden, match="signature does not match"):  # a longer life, forged
        memory_container.uploads.admit(first.import_id, expires + 3600, signature, len(CSV))
    with pytest.raises(ImportNotFound):
        memory_container.uploads.admit("0" * 32, expires, signature, len(CSV))
    direct = memory_container.imports.accept("alice", CSV)  # sent directly: it has no upload URL
    with pytest.raises(ImportNotFound):
        memory_container.uploads.admit(direct.import_id, expires, signature, len(CSV))
    assert (
        memory_container.imports.get("alice", second.import_id).status
        is ImportStatus.AWAITING_UPLOAD
    )


def test_an_upload_url_takes_one_file(memory_container: Container) -> None:
    job, target = memory_container.uploads.request("alice", "links.csv")
    send(memory_container, target.url, CSV)
    with pytest.raises(ImportAlreadyUploaded, match="takes no more files"):
        send(memory_container, target.url, b"https://example.com/other\n")
    assert memory_container.imports.get("alice", job.import_id).counts.total == 2
    assert len(published(memory_container, "ImportRequested")) == 1


def test_an_expired_url_is_refused_and_the_import_ends_when_asked(
    memory_container: Container, clock: FakeClock
) -> None:
    job, target = memory_container.uploads.request("alice", "links.csv")
    clock.advance(minutes=15, seconds=1)
    with pytest.raises(Forbidden, match="expired"):
        send(memory_container, target.url, CSV)
    # Within the grace a slow upload that started in time may still land.
    status, _ = memory_container.imports.status("alice", job.import_id, limit=10, cursor=None)
    assert status.status is ImportStatus.AWAITING_UPLOAD
    clock.now += LATE_UPLOAD_GRACE
    status, _ = memory_container.imports.status("alice", job.import_id, limit=10, cursor=None)
    assert status.status is ImportStatus.FAILED
    assert status.error is not None
    assert "no file arrived" in status.error
    [finished] = published(memory_container, "ImportFinished")
    assert finished.detail["status"] == "failed"


def test_a_body_of_the_wrong_size_is_refused_and_the_url_stays_usable(
    memory_container: Container,
) -> None:
    job, target = memory_container.uploads.request("alice", "links.csv", len(CSV))
    with pytest.raises(TooLarge, match="declared as"):
        send(memory_container, target.url, CSV + b"https://example.com/c\n")
    with pytest.raises(InvalidInput, match="declared as"):
        send(memory_container, target.url, CSV[:-1])
    assert (
        memory_container.imports.get("alice", job.import_id).status is ImportStatus.AWAITING_UPLOAD
    )
    send(memory_container, target.url, CSV)
    assert memory_container.imports.get("alice", job.import_id).status is ImportStatus.SUCCEEDED


def test_sizes_over_the_limit_are_refused_before_and_after_the_url(
    memory_container: Container,
) -> None:
    with pytest.raises(TooLarge, match="at most 4,096"):
        memory_container.uploads.request("alice", "huge.csv", MAX_BYTES + 1)
    _, target = memory_container.uploads.request("alice", "undeclared.csv")
    with pytest.raises(TooLarge, match="at most 4,096"):
        send(memory_container, target.url, b"https://example.com/x\n" * 200)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("https://example.com/caf\u00e9\n".encode("latin-1"), "not UTF-8: line 1"),
        (b"url\n\n", "no rows"),
        (b"url,colour\nhttps://example.com/,red\n", "unknown column"),
    ],
    ids=["latin-1", "no-rows", "bad-header"],
)
def test_a_file_that_cannot_be_an_import_fails_it_with_the_reason(
    memory_container: Container, data: bytes, reason: str
) -> None:
    job, target = memory_container.uploads.request("alice", "bad.csv")
    with pytest.raises(InvalidInput, match=reason):
        send(memory_container, target.url, data)
    failed = memory_container.imports.get("alice", job.import_id)
    assert failed.status is ImportStatus.FAILED
    assert failed.error is not None
    assert reason in failed.error
    with pytest.raises(ImportAlreadyUploaded):
        send(memory_container, target.url, CSV)


def test_another_owner_sees_no_upload_import(memory_container: Container) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv")
    with pytest.raises(ImportNotFound):
        memory_container.imports.status("bob", job.import_id, limit=10, cursor=None)


# -- objects landing in the upload area (the S3 notification's path) ------------------------


def land(container: Container, job: ImportJob, data: bytes, key: str | None = None) -> Landing:
    key = key or upload_key(job)
    container.imports.blobs.put(key, data)
    return container.uploads.landed(key, len(data))


def assert_removed(container: Container, key: str) -> None:
    with pytest.raises(MissingBlob):
        container.imports.blobs.get(key)


def test_a_landed_file_starts_its_import_once_and_is_removed(memory_container: Container) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv", len(CSV))
    key = upload_key(job)
    assert key == f"uploads/{owner_tag('alice')}/{job.import_id}.csv"
    assert land(memory_container, job, CSV) is Landing.STARTED
    assert_removed(memory_container, key)
    assert memory_container.imports.get("alice", job.import_id).status is ImportStatus.SUCCEEDED
    # S3 may deliver the event again; a reused URL may store a second file.
    assert memory_container.uploads.landed(key, len(CSV)) is Landing.IGNORED
    assert land(memory_container, job, b"https://example.com/second\n") is Landing.IGNORED
    assert_removed(memory_container, key)
    done = memory_container.imports.get("alice", job.import_id)
    assert (done.status, done.counts.total) == (ImportStatus.SUCCEEDED, 2)
    assert len(published(memory_container, "ImportRequested")) == 1


def test_a_key_must_name_the_import_and_its_owner(memory_container: Container) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv")
    forged = f"uploads/{owner_tag('mallory')}/{job.import_id}.csv"
    assert land(memory_container, job, CSV, key=forged) is Landing.IGNORED
    assert_removed(memory_container, forged)
    for stray in ("uploads/", f"uploads/{job.import_id}.csv", "uploads/x/../y.csv"):
        assert land(memory_container, job, CSV, key=stray) is Landing.IGNORED
    assert (
        memory_container.imports.get("alice", job.import_id).status is ImportStatus.AWAITING_UPLOAD
    )
    assert land(memory_container, job, CSV) is Landing.STARTED


def test_a_stray_folder_marker_takes_no_other_upload_with_it(memory_container: Container) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv")
    memory_container.imports.blobs.put(upload_key(job), CSV)
    memory_container.imports.blobs.put("uploads/", b"")
    assert memory_container.uploads.landed("uploads/", 0) is Landing.IGNORED
    assert memory_container.imports.blobs.get(upload_key(job)) == CSV


def test_a_landed_file_over_the_limit_fails_its_import_unread(memory_container: Container) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv")
    huge = b"https://example.com/x\n" * 300
    assert land(memory_container, job, huge) is Landing.REFUSED
    assert_removed(memory_container, upload_key(job))
    failed = memory_container.imports.get("alice", job.import_id)
    assert failed.status is ImportStatus.FAILED
    assert failed.error == f"the file is {len(huge):,} bytes; an import takes at most 4,096"


def test_a_landed_file_of_another_size_than_declared_fails_its_import(
    memory_container: Container,
) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv", size=10)
    assert land(memory_container, job, CSV) is Landing.REFUSED
    failed = memory_container.imports.get("alice", job.import_id)
    assert failed.error is not None
    assert "declared as 10" in failed.error


def test_a_file_landing_after_the_import_gave_up_is_dropped(
    memory_container: Container, clock: FakeClock
) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv")
    clock.now += timedelta(minutes=15, seconds=1) + LATE_UPLOAD_GRACE
    memory_container.imports.status("alice", job.import_id, limit=10, cursor=None)
    assert land(memory_container, job, CSV) is Landing.IGNORED
    assert_removed(memory_container, upload_key(job))
    assert memory_container.imports.get("alice", job.import_id).status is ImportStatus.FAILED


def test_a_repeat_after_a_crash_before_the_start_starts_the_import(
    memory_container: Container,
) -> None:
    job, _ = memory_container.uploads.request("alice", "links.csv")
    starter = memory_container.imports.starter
    started: list[str] = []

    class DiesBeforeStarting:
        def start(self, import_id: str) -> None:
            raise ConnectionError("Step Functions unreachable")

    memory_container.imports.starter = DiesBeforeStarting()
    with pytest.raises(ConnectionError):
        land(memory_container, job, CSV)
    assert memory_container.imports.get("alice", job.import_id).status is ImportStatus.PENDING

    class Recording:
        def start(self, import_id: str) -> None:
            started.append(import_id)
            starter.start(import_id)  # type: ignore[union-attr]

    memory_container.imports.starter = Recording()
    assert memory_container.uploads.landed(upload_key(job), len(CSV)) is Landing.IGNORED
    assert started == [job.import_id]
    assert memory_container.imports.get("alice", job.import_id).status is ImportStatus.SUCCEEDED


def test_an_uploaded_export_keeps_the_format_its_header_tells(memory_container: Container) -> None:
    export = (Path(__file__).parents[1] / "fixtures" / "imports" / "bitly.csv").read_bytes()
    job, target = memory_container.uploads.request("alice", "bitly.csv")
    assert job.format == "shortstack"  # nothing read yet
    send(memory_container, target.url, export)
    assert memory_container.imports.get("alice", job.import_id).format == "bitly"
