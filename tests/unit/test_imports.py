"""Bulk import: the workflow over the service, the HTTP API, the Lambda task, the ASL file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.imports import ImportStatus
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.workflow_tasks import DEFINITION, UnknownTask, run_task
from tests.conftest import TABLE_NAME, settings_for
from tests.lambda_support import FakeLambdaContext, fresh_import

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


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    extra: dict[str, Any] = {}
    if request.param == "dynamodb":
        request.getfixturevalue("moto_dynamodb")
    built = bootstrap(settings_for(request.param, tmp_path, **extra))
    yield built
    built.close()


def test_bad_rows_are_reported_and_every_good_row_is_loaded(container: Container) -> None:
    job = container.imports.submit("local", MIXED.encode(), "mixed.csv")
    done = container.imports.get("local", job.import_id)
    assert done.status is ImportStatus.PARTIALLY_SUCCEEDED
    counts = done.counts
    assert (counts.total, counts.valid, counts.invalid) == (8, 4, 4)
    assert (counts.loaded, counts.failed) == (3, 1)
    errors = container.imports.errors("local", job.import_id, limit=100, cursor=None).items
    reasons = {error.row: error.reason for error in errors}
    assert set(reasons) == {3, 5, 6, 7, 8}
    assert "javascript" in reasons[3]
    assert "already taken" in reasons[5]
    assert "ttl_days" in reasons[6]
    assert "credentials" in reasons[7]
    assert "alias" in reasons[8]
    link = container.links.get("local", "team-page")
    assert link.url == "https://example.com/b"
    assert (link.expires_at - link.created_at).days == 7
    listed = container.links.list("local", tag=None, limit=100, cursor=None).items
    assert sorted(item.url for item in listed) == [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/g",
    ]


def test_a_rerun_after_a_crash_creates_nothing_twice(container: Container) -> None:
    job = container.imports.submit("local", MIXED.encode())
    # As if the process died before `finish`: the workflow runs again from the top.
    container.imports.imports.update(
        job.import_id, _update(status=ImportStatus.RUNNING), container.imports.clock()
    )
    container.imports.blobs.put(f"imports/{job.import_id}/source.csv", MIXED.encode())
    container.imports.starter.start(job.import_id)  # type: ignore[union-attr]
    again = container.imports.get("local", job.import_id)
    assert again.counts.loaded == 3
    listed = container.links.list("local", tag=None, limit=100, cursor=None).items
    assert len(listed) == 3


def _update(**changes: Any) -> Any:
    from shortstack.domain.imports import ImportUpdate

    return ImportUpdate(**changes)


def test_another_owner_cannot_see_an_import(container: Container) -> None:
    job = container.imports.submit("local", b"https://example.com/x\n")
    with pytest.raises(Exception, match="not found"):
        container.imports.get("someone-else", job.import_id)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    built = bootstrap(settings_for("sqlite", tmp_path, import_max_bytes=64 * 1024))
    with TestClient(create_app(built)) as client:
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
    with pytest.raises(Exception, match="more than 5 rows"):
        built.imports.submit("local", b"https://example.com/\n" * 6)
    built.close()


def test_the_lambda_task_handler_runs_the_step_its_payload_names(
    moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "STORAGE": "dynamodb",
        "STAGE": "aws",
        "TABLE_NAME": TABLE_NAME,
        "IMPORTS_BUCKET": "shortstack-imports-test",
        "IMPORT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:imports",
    }.items():
        monkeypatch.setenv(name, value)
    module = fresh_import("shortstack.entrypoints.lambda_workflow")
    imports = module.container.imports
    job_data = b"https://example.com/1\nhttps://example.com/2\nnot-a-url\n"
    # Store the job without starting Step Functions (moto would not run Lambda tasks).
    imports.starter = None
    job = imports.submit("owner-1", job_data)
    context = FakeLambdaContext(function_name="shortstack-import-tasks")
    validated = module.handler({"task": "validate", "import_id": job.import_id}, context)
    assert validated == {"import_id": job.import_id, "valid": 2, "chunks": [0]}
    for task in ("transform", "load"):
        module.handler({"task": task, "import_id": job.import_id, "chunk": 0}, context)
    assert module.handler({"task": "finish", "import_id": job.import_id}, context) == {
        "import_id": job.import_id,
        "status": "partially_succeeded",
    }
    with pytest.raises(UnknownTask):
        run_task(imports, {"task": "explode"})


def test_the_definition_is_accepted_by_step_functions_on_moto(moto_dynamodb: Any) -> None:
    import boto3

    text = DEFINITION.read_text().replace(
        "${ImportTaskFunctionArn}", "arn:aws:lambda:us-east-1:123456789012:function:tasks"
    )
    definition = json.loads(text)
    client = boto3.client("stepfunctions", region_name="us-east-1")
    arn = client.create_state_machine(
        name="bulk-import",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/shortstack-workflow",
    )["stateMachineArn"]
    described = client.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"])["StartAt"] == "Validate"
    states = definition["States"]
    assert {state["Type"] for state in states.values()} >= {"Task", "Choice", "Map", "Fail"}
    tasks = [s for s in states.values() if s["Type"] == "Task"]
    assert all(s["Parameters"]["FunctionName"].endswith(":function:tasks") for s in tasks)
