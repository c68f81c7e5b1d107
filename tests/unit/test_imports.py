"""Bulk import: the workflow over the service, the HTTP API, the Lambda task, the ASL file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.adapters.workflow.runner import LocalStateMachine
from shortstack.adapters.workflow.tasks import DEFINITION, StorageUnavailable, run_task
from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.errors import ImportNotFound, InvalidInput, ServiceUnavailable
from shortstack.domain.imports import ImportStatus
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.local_background import local_background
from tests.conftest import IMPORT_BUCKET, TABLE_NAME, settings_for
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event

MIXED = (
    "url,alias,ttl_days\n"
    "https://example.com/a,,\n"  # row 2: fine
    "javascript:alert(1),,\n"  # row 3: unsafe
    "https://example.com/b,team-page,7\n"  # row 4: fine, with alias
    "https://example.com/c,team-page,\n"  # row 5: alias taken by row 4
    "https://example.com/d,,0\n"  # row 6: bad ttl
    "https://user:pw@example.com/e,,\n"  # row 7: credentials
    "https://example.com/f,no,\n"  # row 8: alias too short
    "\n"  # blank line: skipped
    "https://example.com/g,,30\n"  # row 10: fine
)


def test_bad_rows_are_reported_and_every_good_row_is_loaded(any_store_container: Container) -> None:
    job = any_store_container.imports.submit("local", MIXED.encode(), "mixed.csv")
    done = any_store_container.imports.get("local", job.import_id)
    assert done.status is ImportStatus.PARTIALLY_SUCCEEDED
    counts = done.counts
    # Row 5's alias is row 4's: known from the file alone, so it is invalid, not failed.
    assert (counts.total, counts.valid, counts.invalid) == (8, 3, 5)
    assert (counts.loaded, counts.failed) == (3, 0)
    _, page = any_store_container.imports.status("local", job.import_id, limit=100, cursor=None)
    errors = page.items
    reasons = {error.row: error.reason for error in errors}
    assert set(reasons) == {3, 5, 6, 7, 8}
    assert "javascript" in reasons[3]
    assert reasons[5] == "alias 'team-page' is already taken by row 4 of this file"
    assert "ttl_days" in reasons[6]
    assert "credentials" in reasons[7]
    assert "alias" in reasons[8]
    link = any_store_container.links.get("local", "team-page")
    assert link.url == "https://example.com/b"
    assert (link.expires_at - link.created_at).days == 7
    listed = any_store_container.links.list("local", tag=None, limit=100, cursor=None).items
    assert sorted(item.url for item in listed) == [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/g",
    ]


def test_a_rerun_after_a_crash_creates_nothing_twice(any_store_container: Container) -> None:
    job = any_store_container.imports.submit("local", MIXED.encode())
    # As if the process died before `finish`: the workflow runs again from the top.
    any_store_container.imports.imports.update(
        job.import_id, _update(status=ImportStatus.RUNNING), any_store_container.imports.clock()
    )
    any_store_container.imports.blobs.put(f"imports/{job.import_id}/source.csv", MIXED.encode())
    any_store_container.imports.starter.start(job.import_id)  # type: ignore[union-attr]
    again = any_store_container.imports.get("local", job.import_id)
    assert again.counts.loaded == 3
    listed = any_store_container.links.list("local", tag=None, limit=100, cursor=None).items
    assert len(listed) == 3


class ProcessDied(BaseException):
    """Stands for a SIGKILL: no `except Exception` (the runner's, the starter's) sees it."""


@pytest.mark.parametrize("chunk_rows_after", [5, 2_000], ids=["same-chunks", "new-chunking"])
def test_a_crash_mid_load_then_a_restart_loads_every_row_exactly_once(
    any_store_container: Container, chunk_rows_after: int
) -> None:
    rows = [f"https://example.com/{n}" for n in range(45)]
    rows[7] += ",crash-alias"
    rows[30] += ",,not-a-number"
    service = any_store_container.imports
    service.chunk_rows = 5
    sink, loads = service.sink, 0

    class DyingSink:
        """Writes the first chunks, then half of the fourth, then the process dies."""

        def add_new(self, owner: str, links: Any, created_at: Any) -> Any:
            nonlocal loads
            loads += 1
            if loads == 4:
                sink.add_new(owner, links[: len(links) // 2], created_at)
                raise ProcessDied()
            return sink.add_new(owner, links, created_at)

    service.sink = DyingSink()
    with pytest.raises(ProcessDied):
        service.submit("local", "\n".join(rows).encode())
    [unfinished] = service.imports.list_unfinished(10)
    job = service.get("local", unfinished.import_id)
    assert job.status is ImportStatus.RUNNING
    assert 0 < job.counts.loaded < 44
    service.sink = sink

    if any_store_container.settings.storage == "memory":  # nothing survives a restart: run it again
        service.chunk_rows = chunk_rows_after
        service.start(job.import_id)
        restarted = any_store_container
    else:  # a new process on the same data (maybe a newer version chunking differently)
        restarted = bootstrap(any_store_container.settings)
        restarted.imports.chunk_rows = chunk_rows_after
        assert restarted.import_runner is not None
        restarted.import_runner.start()  # what the server does: resume the unfinished imports
    try:
        done = wait_for(restarted, job.import_id)
        assert (done.status, done.counts.loaded, done.counts.invalid) == (
            ImportStatus.PARTIALLY_SUCCEEDED,
            44,
            1,
        )
        links = restarted.links.list("local", tag=None, limit=100, cursor=None).items
        assert len(links) == 44
        assert sorted(link.url for link in links) == sorted(
            {row.split(",")[0] for index, row in enumerate(rows) if index != 30}
        )
        assert restarted.links.get("local", "crash-alias").url == "https://example.com/7"
    finally:
        if restarted is not any_store_container:
            restarted.close()


def wait_for(container: Container, import_id: str) -> Any:
    """The job once final (the restarted server runs it in its background thread)."""
    import time

    for _ in range(400):
        job = container.imports.get("local", import_id)
        if job.status.is_final:
            return job
        time.sleep(0.025)
    raise AssertionError(f"import {import_id} never finished: {job}")


def _update(**changes: Any) -> Any:
    from shortstack.domain.imports import ImportUpdate

    return ImportUpdate(**changes)


def test_another_owner_cannot_see_an_import(any_store_container: Container) -> None:
    job = any_store_container.imports.submit("local", b"https://example.com/x\n")
    with pytest.raises(ImportNotFound):
        any_store_container.imports.get("someone-else", job.import_id)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    built = bootstrap(settings_for("sqlite", tmp_path, import_max_bytes=64 * 1024))
    # The local server's background: uploads queue for the import runner's thread.
    with TestClient(create_app(built, background=local_background(built))) as client:
        yield client
    built.close()


def wait_final(api: TestClient, location: str) -> dict[str, Any]:
    import time

    for _ in range(200):
        body: dict[str, Any] = api.get(location).json()
        if body["status"] not in ("pending", "running"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"import not finished: {body}")


def test_upload_as_csv_or_multipart_then_poll(api: TestClient) -> None:
    raw = api.post("/api/v1/imports", content=MIXED, headers={"content-type": "text/csv"})
    assert raw.status_code == 202
    assert raw.json()["status"] == "pending"
    body = wait_final(api, raw.headers["location"])
    assert body["status"] == "partially_succeeded"
    assert [error["row"] for error in body["errors"]] == [3, 5, 6, 7, 8]
    paged = api.get(raw.headers["location"] + "?errors_limit=2").json()
    assert [error["row"] for error in paged["errors"]] == [3, 5]
    rest = api.get(f"{raw.headers['location']}?cursor={paged['errors_next_cursor']}").json()
    assert [error["row"] for error in rest["errors"]] == [6, 7, 8]

    multipart = api.post(
        "/api/v1/imports",
        files={"file": ("links.csv", b"\xef\xbb\xbfurl\nhttps://example.com/z\n")},
    )
    assert multipart.status_code == 202
    final = wait_final(api, multipart.headers["location"])
    assert (final["status"], final["filename"]) == ("succeeded", "links.csv")


@pytest.mark.parametrize(
    ("body", "headers", "status", "words"),
    [
        (b"", {"content-type": "text/csv"}, 422, "no rows"),
        (b"\xff\xfeu\x00r\x00l\x00", {"content-type": "text/csv"}, 422, "UTF-8"),
        (b"u\x00r\x00l\x00\n\x00", {"content-type": "text/csv"}, 422, "NUL bytes (line 1)"),
        (
            "url\nhttps://example.com/caf\u00e9\n".encode("latin-1"),
            {"content-type": "text/csv"},
            422,
            "not UTF-8: line 2 holds the byte 0xE9",
        ),
        (b'{"url": "x"}', {"content-type": "application/json"}, 415, "text/csv"),
        (b"x" * 70_000, {"content-type": "text/csv"}, 413, "larger"),
        (b"https://a.com/\n" * 10, {"content-type": "multipart/form-data; boundary=z"}, 400, ""),
    ],
)
def test_unusable_uploads_get_a_clear_4xx(
    api: TestClient, body: bytes, headers: dict[str, str], status: int, words: str
) -> None:
    response = api.post("/api/v1/imports", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert words in response.json()["message"]


def test_too_many_rows_are_refused_before_any_work(tmp_path: Path) -> None:
    built = bootstrap(settings_for("memory", tmp_path))
    built.imports.max_rows = 5
    with pytest.raises(InvalidInput, match="more than 5 rows"):
        built.imports.submit("local", b"https://example.com/\n" * 6)
    built.close()


FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:shortstack-import-tasks"


@pytest.fixture
def lambda_workflow(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The task Lambda's module, imported as a fresh container on AWS settings (moto)."""
    for name, value in {
        "STORAGE": "dynamodb",
        "STAGE": "aws",
        "TABLE_NAME": TABLE_NAME,
        "IMPORTS_BUCKET": IMPORT_BUCKET,
        "IMPORT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:imports",
    }.items():
        monkeypatch.setenv(name, value)
    module = fresh_import("shortstack.entrypoints.lambda_workflow")
    # moto would not run the Lambda tasks: the tests below play Step Functions themselves.
    module.container.imports.starter = None
    return module


def test_the_lambda_handler_runs_the_definition_s_payloads(lambda_workflow: ModuleType) -> None:
    imports = lambda_workflow.container.imports
    job = imports.submit("owner-1", b"https://example.com/1\nhttps://example.com/2\nnot-a-url\n")
    context = FakeLambdaContext(function_name="shortstack-import-tasks")
    events: list[dict[str, Any]] = []

    def invoke(payload: dict[str, Any]) -> Any:
        # What lambda:invoke hands the function: the Payload Parameters rendered, as JSON.
        event = json.loads(json.dumps(payload))
        events.append(event)
        return lambda_workflow.handler(event, context)

    machine = LocalStateMachine.from_text(
        DEFINITION.read_text(), {FUNCTION_ARN: invoke}, {"ImportTaskFunctionArn": FUNCTION_ARN}
    )
    result = machine.execute({"import_id": job.import_id})
    assert (result.status, result.output) == ("SUCCEEDED", {"status": "partially_succeeded"})
    assert events[0] == load_event("stepfunctions_import_validate.json", import_id=job.import_id)
    assert load_event("stepfunctions_import_load.json", import_id=job.import_id) in events
    assert [event["task"] for event in events] == ["validate", "transform", "load", "finish"]
    done = imports.get("owner-1", job.import_id)
    assert (done.counts.loaded, done.counts.invalid) == (2, 1)


def test_the_lambda_handler_marks_a_caught_failure_without_its_stack_trace(
    lambda_workflow: ModuleType,
) -> None:
    imports = lambda_workflow.container.imports
    job = imports.submit("owner-1", b"https://example.com/1\n")
    event = load_event("stepfunctions_import_fail.json", import_id=job.import_id)
    answer = lambda_workflow.handler(event, FakeLambdaContext())
    assert answer == {"import_id": job.import_id, "status": "failed"}
    failed = imports.get("owner-1", job.import_id)
    assert failed.status is ImportStatus.FAILED
    assert failed.error is not None
    assert failed.error.startswith("StorageUnavailable: ProvisionedThroughputExceededException")
    assert "stackTrace" not in failed.error
    assert "/var/task" not in failed.error


def test_transient_store_failures_take_the_retried_name(lambda_workflow: ModuleType) -> None:
    from botocore.exceptions import ClientError, ReadTimeoutError

    imports = lambda_workflow.container.imports
    job = imports.submit("owner-1", b"https://example.com/1\n")
    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        "PutItem",
    )
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetItem")
    for raised, expected in (
        (throttled, StorageUnavailable),
        (ReadTimeoutError(endpoint_url="https://dynamodb"), StorageUnavailable),
        (sqlite3.OperationalError("database is locked"), StorageUnavailable),
        (ServiceUnavailable("DynamoDB kept returning unprocessed items"), StorageUnavailable),
        (denied, ClientError),  # not transient: retrying cannot help, the Catch takes it
    ):

        def broken(import_id: str, error: BaseException = raised) -> Any:
            raise error

        imports.validate = broken
        with pytest.raises(expected):
            lambda_workflow.handler({"task": "validate", "import_id": job.import_id}, None)


def test_the_cli_imports_into_data_dir_with_a_progress_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from shortstack.entrypoints.cli import main

    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(MIXED)
    assert main(["import", str(mixed)]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["status"] == "partially_succeeded"
    assert [error["row"] for error in summary["errors"]] == [3, 5, 6, 7, 8]
    assert "[##############################] 100%  3/3 rows loaded, 5 errors" in captured.err

    bad_only = tmp_path / "bad.csv"
    bad_only.write_text("javascript:alert(1)\n")
    assert main(["import", str(bad_only), "--quiet"]) == 1  # nothing loaded: failed
    assert capsys.readouterr().err == ""
    latin = tmp_path / "latin.csv"
    latin.write_bytes("https://example.com/caf\u00e9\n".encode("latin-1"))
    assert main(["import", str(latin)]) == 2
    assert "not UTF-8: line 1" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.csv")]) == 2
    stored = bootstrap(settings_for("sqlite", tmp_path))
    try:
        assert len(stored.links.list("local", tag=None, limit=100, cursor=None).items) == 3
    finally:
        stored.close()


def test_a_derived_id_someone_else_holds_moves_that_row_to_the_next_id(
    any_store_container: Container,
) -> None:
    from shortstack.domain.imports import derive_short_id
    from shortstack.domain.links import create_link

    service = any_store_container.imports
    rows = "\n".join(f"https://example.com/many/{n}" for n in range(260)).encode()
    job = service.accept("local", rows)
    secret = service.imports.get(job.import_id).secret  # type: ignore[union-attr]
    taken = derive_short_id(secret, job.import_id, 5)
    now = service.clock()
    squatter = create_link(
        short_id=taken,
        owner="someone-else",
        url="https://other.example/",
        now=now,
        expires_at=now + timedelta(days=1),
    )
    any_store_container.links.links.add(squatter)
    service.start(job.import_id)
    done = service.get("local", job.import_id)
    assert (done.status, done.counts.loaded) == (ImportStatus.SUCCEEDED, 260)
    mine = all_links(any_store_container)
    assert len(mine) == 260
    assert taken not in {link.short_id for link in mine}
    assert derive_short_id(secret, job.import_id, 5, attempt=1) in {link.short_id for link in mine}
    assert any_store_container.links.links.get(taken) == squatter


def all_links(container: Container) -> list[Any]:
    """Every link of the local owner, page after page."""
    found: list[Any] = []
    cursor = None
    while True:
        page = container.links.list("local", tag=None, limit=100, cursor=cursor)
        found += page.items
        if not page.next_cursor:
            return found
        cursor = page.next_cursor


FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
# Per sample export: the format, the links kept (code -> imported clicks, title, tags) and
# the rows refused (line -> words of the reason).
MIGRATIONS: dict[str, tuple[str, dict[str, tuple[int, str | None, tuple[str, ...]]], Any]] = {
    "yourls.csv": (
        "yourls",
        {
            "spring": (1523, "Spring sale, 20% off", ()),
            "manual": (87, "User manual", ()),
        },
        {
            4: "short code 'docs' cannot be kept: the service reserves it",
            5: "short code 'my.page' cannot be kept: aliases are 3-64 characters",
            6: "short code 'taken' cannot be kept: it is already taken",
        },
    ),
    "bitly.csv": (
        "bitly",
        {
            "spring": (2048, "Spring campaign", ("marketing", "q1-launch")),
            "4kLmNo2": (310, "Blog post", ("blog",)),
        },
        {4: "short code 'status' cannot be kept: the service reserves it", 5: "ftp"},
    ),
    "shlink.csv": (
        "shlink",
        {
            "launch": (3120, "Launch day", ("product", "launch")),
            "k9Xw2": (45, None, ("pricing",)),
        },
        {
            4: "short code 'health' cannot be kept: the service reserves it",
            5: "short code 'a/b' cannot be kept: aliases are 3-64 characters",
        },
    ),
    "kutt.csv": (
        "kutt",
        {
            "newsletter": (1234, "Newsletter sign-up", ()),
            "Xy7Qp": (56, None, ()),
        },
        {4: "short code 'api' cannot be kept: the service reserves it"},
    ),
}


@pytest.mark.parametrize("name", sorted(MIGRATIONS))
def test_another_shortener_s_export_keeps_codes_titles_tags_and_old_visits_apart(
    any_store_container: Container, name: str
) -> None:
    from shortstack.domain.links import create_link

    expected_format, kept, refused = MIGRATIONS[name]
    now = any_store_container.imports.clock()
    any_store_container.links.links.add(
        create_link(
            short_id="taken", owner="someone-else", url="https://other.example/", now=now,
            expires_at=None,
        )
    )  # fmt: skip
    job = any_store_container.imports.submit("local", (FIXTURES / name).read_bytes(), name)
    assert job.format == expected_format
    done = any_store_container.imports.get("local", job.import_id)
    assert (done.status, done.format) == (ImportStatus.PARTIALLY_SUCCEEDED, expected_format)
    assert done.counts.loaded == len(kept)
    _, page = any_store_container.imports.status("local", job.import_id, limit=100, cursor=None)
    reasons = {error.row: error.reason for error in page.items}
    assert set(reasons) == set(refused)
    for row, words in refused.items():
        assert words in reasons[row]
    for code, (clicks, title, tags) in kept.items():
        link = any_store_container.links.get("local", code)
        assert (link.imported_clicks, link.click_count) == (clicks, 0)
        assert (link.title, link.tags, link.expires_at) == (title, tags, None)


def test_the_import_status_and_the_link_show_the_format_and_the_imported_clicks(
    api: TestClient,
) -> None:
    body = (FIXTURES / "kutt.csv").read_bytes()
    accepted = api.post("/api/v1/imports", content=body, headers={"content-type": "text/csv"})
    assert (accepted.status_code, accepted.json()["format"]) == (202, "kutt")
    final = wait_final(api, accepted.headers["location"])
    assert (final["format"], final["counts"]["loaded"]) == ("kutt", 2)
    link = api.get("/api/v1/links/newsletter").json()
    assert (link["imported_clicks"], link["click_count"], link["expires_at"]) == (1234, 0, None)
    api.get("/newsletter", follow_redirects=False)
    again = api.get("/api/v1/links/newsletter").json()
    assert (again["imported_clicks"], again["click_count"]) == (1234, 1)


def test_step_functions_runs_a_migration_through_the_task_lambda(
    lambda_workflow: ModuleType,
) -> None:
    imports = lambda_workflow.container.imports
    job = imports.submit("owner-1", (FIXTURES / "shlink.csv").read_bytes(), "shlink.csv")

    def invoke(payload: dict[str, Any]) -> Any:
        return lambda_workflow.handler(json.loads(json.dumps(payload)), FakeLambdaContext())

    machine = LocalStateMachine.from_text(
        DEFINITION.read_text(), {FUNCTION_ARN: invoke}, {"ImportTaskFunctionArn": FUNCTION_ARN}
    )
    result = machine.execute({"import_id": job.import_id})
    assert (result.status, result.output) == ("SUCCEEDED", {"status": "partially_succeeded"})
    done = imports.get("owner-1", job.import_id)
    assert (done.format, done.counts.loaded, done.counts.invalid) == ("shlink", 2, 2)
    launch = lambda_workflow.container.links.get("owner-1", "launch")
    assert (launch.imported_clicks, launch.tags) == (3120, ("product", "launch"))


def test_the_cli_names_the_format_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from shortstack.entrypoints.cli import main

    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert main(["import", str(FIXTURES / "yourls.csv"), "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["format"], summary["counts"]["loaded"]) == ("yourls", 3)


def test_the_earlier_row_keeps_an_alias_whatever_order_the_map_loads_its_chunks_in(
    any_store_container: Container,
) -> None:
    # The Map runs two chunks at once (MaxConcurrency 2, on Step Functions and locally),
    # so chunk 1's Load may well commit before chunk 0's: the row order must still decide.
    imports = any_store_container.imports
    imports.starter, imports.chunk_rows = None, 2
    data = (
        b"https://example.com/first,promo-x\n"  # row 1, chunk 0
        b"https://example.com/b,\n"  # row 2, chunk 0
        b"https://example.com/later,promo-x\n"  # row 3, chunk 1: the same alias
        b"https://example.com/d,\n"  # row 4, chunk 1
    )
    job = imports.submit("local", data, "links.csv")
    tasks = [
        {"task": "validate"},
        {"task": "transform", "chunk": 0},
        {"task": "transform", "chunk": 1},
        {"task": "load", "chunk": 1},
        {"task": "load", "chunk": 0},
        {"task": "finish"},
    ]
    for task in tasks:
        run_task(imports, {**task, "import_id": job.import_id})
    assert any_store_container.links.get("local", "promo-x").url == "https://example.com/first"
    _, page = imports.status("local", job.import_id, limit=100, cursor=None)
    [error] = page.items
    assert error.row == 3
    assert "already taken" in error.reason
    assert "row 1" in error.reason
    done = imports.get("local", job.import_id)
    counts = done.counts
    assert (counts.total, counts.loaded, counts.invalid + counts.failed) == (4, 3, 1)
