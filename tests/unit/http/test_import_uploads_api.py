"""POST /api/v1/imports/uploads and the local upload URL through the HTTP app (jwt mode).

The URL must work without an Authorization header (its signature is the
credential); everything else keeps needing one, and another user's import stays 404.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.auth_support import jwt_mode_client, token

DIRECT_MAX = 2048
UPLOAD_MAX = 64 * 1024
ROWS = "\n".join(f"https://example.com/page/{n}" for n in range(200)).encode()  # > DIRECT_MAX


def bearer(sub: str) -> dict[str, str]:
    """A token made now: one made at import expires before a long suite reaches it."""
    return {"authorization": f"Bearer {token(sub)}"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    limits = {"import_max_bytes": DIRECT_MAX, "import_upload_max_bytes": UPLOAD_MAX}
    with jwt_mode_client(tmp_path, **limits) as client:
        yield client


def ask(api: TestClient, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/imports/uploads", json=body, headers=bearer("alice"))
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/api/v1/imports/{answer['import_id']}"
    return answer


def wait_final(api: TestClient, import_id: str) -> dict[str, Any]:
    for _ in range(200):
        body: dict[str, Any] = api.get(
            f"/api/v1/imports/{import_id}", headers=bearer("alice")
        ).json()
        if body["status"] not in ("awaiting_upload", "pending", "running"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"import not finished: {body}")


def test_a_file_over_the_direct_limit_goes_through_an_upload_url(api: TestClient) -> None:
    direct = api.post(
        "/api/v1/imports", content=ROWS, headers={**bearer("alice"), "content-type": "text/csv"}
    )
    assert direct.status_code == 413
    assert "POST /api/v1/imports/uploads" in direct.json()["message"]

    upload = ask(api, filename="pages.csv", size=len(ROWS))
    assert upload["method"] == "PUT"
    assert upload["headers"] == {"content-type": "text/csv"}
    assert upload["upload_url"].startswith(
        f"http://testserver/api/v1/imports/uploads/{upload['import_id']}?expires="
    )
    assert upload["max_bytes"] == UPLOAD_MAX
    waiting = api.get(f"/api/v1/imports/{upload['import_id']}", headers=bearer("alice")).json()
    assert waiting["status"] == "awaiting_upload"
    assert waiting["upload"] == {"expires_at": upload["expires_at"], "size": len(ROWS)}
    assert waiting["filename"] == "pages.csv"

    sent = api.put(upload["upload_url"], content=ROWS, headers=upload["headers"])
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] in ("pending", "running", "succeeded")
    done = wait_final(api, upload["import_id"])
    assert (done["status"], done["counts"]["loaded"]) == ("succeeded", 200)
    assert (
        api.get(f"/api/v1/imports/{upload['import_id']}", headers=bearer("bob")).status_code == 404
    )


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "filename"),
        ({"filename": ""}, "filename"),
        ({"filename": "a\x00b.csv"}, "filename"),
        ({"filename": "x" * 256}, "filename"),
        ({"filename": "a.csv", "size": "12"}, "size"),
        ({"filename": "a.csv", "size": 12.5}, "size"),
        ({"filename": "a.csv", "size": True}, "size"),
        ({"filename": "a.csv", "size": 0}, "size"),
        ({"filename": "a.csv", "size": -1}, "size"),
        ({"filename": "a.csv", "content_type": "image/png"}, "content_type"),
        ({"filename": "a.csv", "url": "https://elsewhere.example/"}, "url"),
    ],
)
def test_an_upload_request_is_validated_strictly(
    api: TestClient, body: dict[str, Any], where: str
) -> None:
    response = api.post("/api/v1/imports/uploads", json=body, headers=bearer("alice"))
    assert response.status_code == 422, response.text
    assert where in response.json()["message"]
    assert response.json()["detail"][0]["loc"][:2] == ["body", where]


def test_a_size_written_as_a_whole_float_is_a_size(api: TestClient) -> None:
    # JSON Schema's integer includes 12.0; a JSON encoder may well write it so.
    response = api.post(
        "/api/v1/imports/uploads", json={"filename": "a.csv", "size": 12.0}, headers=bearer("alice")
    )
    assert response.status_code == 201, response.text


def test_a_declared_size_over_the_limit_is_413_and_needs_a_caller(api: TestClient) -> None:
    too_big = api.post(
        "/api/v1/imports/uploads",
        json={"filename": "a.csv", "size": UPLOAD_MAX + 1},
        headers=bearer("alice"),
    )
    assert too_big.status_code == 413
    assert f"at most {UPLOAD_MAX:,}" in too_big.json()["message"]
    assert api.post("/api/v1/imports/uploads", json={"filename": "a.csv"}).status_code == 401


def test_the_upload_url_refuses_what_a_presigned_url_would(api: TestClient) -> None:
    upload = ask(api, filename="pages.csv", size=len(ROWS))
    url, headers = upload["upload_url"], upload["headers"]
    other = ask(api, filename="other.csv")
    cases = [
        (url.replace(upload["import_id"], other["import_id"]), ROWS, headers, 403),
        (url.replace("signature=", "signature=00"), ROWS, headers, 403),
        # Not hex at all, and not ASCII: still a refused signature, never a 500.
        (url.split("&signature=")[0] + "&signature=%C3%96%F3%BF%85%AE", ROWS, headers, 403),
        (url.replace("expires=", "expires=1"), ROWS, headers, 403),
        (url.replace(upload["import_id"], "f" * 32), ROWS, headers, 404),
        (url, ROWS, {"content-type": "application/json"}, 415),
        (url, ROWS + b"\nhttps://example.com/more", headers, 413),
        (url, ROWS[:-1], headers, 422),
        (url.split("&signature=")[0], ROWS, headers, 422),
    ]
    for target, content, sent_headers, expected in cases:
        response = api.put(target, content=content, headers=sent_headers)
        assert response.status_code == expected, (target, response.text)
        assert response.json()["message"]
    assert api.put(url, content=ROWS, headers=headers).status_code == 200
    reused = api.put(url, content=ROWS, headers=headers)
    assert reused.status_code == 409
    assert "takes no more files" in reused.json()["message"]


def test_a_body_over_the_upload_limit_is_413_before_it_is_read(api: TestClient) -> None:
    upload = ask(api, filename="big.csv")
    huge = b"https://example.com/x\n" * (UPLOAD_MAX // 20)
    response = api.put(upload["upload_url"], content=huge, headers=upload["headers"])
    assert response.status_code == 413
    assert response.json()["message"] == f"request body larger than {UPLOAD_MAX} bytes"
    waiting = api.get(f"/api/v1/imports/{upload['import_id']}", headers=bearer("alice")).json()
    assert waiting["status"] == "awaiting_upload"


def test_a_bad_file_at_the_upload_url_fails_the_import_with_the_reason(api: TestClient) -> None:
    upload = ask(api, filename="latin.csv")
    latin = "https://example.com/caf\u00e9\n".encode("latin-1")
    response = api.put(upload["upload_url"], content=latin, headers=upload["headers"])
    assert response.status_code == 422
    assert "not UTF-8" in response.json()["message"]
    failed = api.get(f"/api/v1/imports/{upload['import_id']}", headers=bearer("alice")).json()
    assert failed["status"] == "failed"
    assert "not UTF-8" in failed["error"]


def test_the_uploads_path_is_no_import_id(api: TestClient) -> None:
    wrong_method = api.get("/api/v1/imports/uploads", headers=bearer("alice"))
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    assert api.get("/api/v1/imports/not-an-import-id", headers=bearer("alice")).status_code == 404
    documented = api.get("/openapi.json").json()
    size = documented["components"]["schemas"]["ImportUploadCreate"]["properties"]["size"]
    assert [choice.get("maximum") for choice in size["anyOf"]] == [UPLOAD_MAX, None]
