"""POST /api/v1/links/batch: per-entry statuses as single POSTs would give, and its limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import Container

URL = "https://example.com/page"
BATCH = "/api/v1/links/batch"


@pytest.fixture
def container(recording_container: Container) -> Container:
    return recording_container


@pytest.fixture
def api(recording_api: TestClient) -> TestClient:
    return recording_api


def single(api: TestClient, body: Any) -> tuple[int, dict[str, Any]]:
    response = api.post("/api/v1/links", json=body)
    return response.status_code, response.json()


def test_each_entry_answers_what_a_single_post_of_it_would(
    api: TestClient, container: Container
) -> None:
    assert single(api, {"url": URL, "alias": "held-by-someone"})[0] == 201
    entries: list[Any] = [
        {"url": URL, "title": "first", "tags": ["Promo"]},
        {"url": "javascript:alert(1)"},
        {"url": URL, "alias": "held-by-someone"},
        {"url": URL, "alias": "fresh-alias"},
        {"url": URL, "alias": "fresh-alias"},  # the earlier entry wins
        "not an object",
        {"url": URL, "colour": "red"},
        {"url": URL, "alias": "docs"},
        {"url": URL, "ttl_days": 0},
    ]
    response = api.post(BATCH, json={"links": entries})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(len(entries)))
    assert [r["status"] for r in results] == [201, 422, 409, 201, 409, 422, 422, 422, 422]
    assert results[0]["link"]["tags"] == ["promo"]
    assert "error" not in results[0]
    assert "link" not in results[1]
    assert results[3]["link"]["short_id"] == "fresh-alias"
    # The same entries one by one, on a store where the batch did not happen: same answers.
    for index in (1, 5, 6, 7, 8):
        status, body = single(api, entries[index])
        assert (status, body["message"]) == (
            results[index]["status"],
            results[index]["error"]["message"],
        )
        assert body.get("detail") == results[index]["error"].get("detail")
    status, body = single(api, {"url": URL, "alias": "fresh-alias"})
    assert (status, body) == (409, results[4]["error"])
    created = {e.detail["short_id"] for e in container.publisher.of_type("LinkCreated")}  # type: ignore[attr-defined]
    assert {results[0]["link"]["short_id"], "fresh-alias"} <= created
    listed = api.get("/api/v1/links?limit=100").json()
    assert len(listed) == 3  # held-by-someone, and the batch's two


def test_a_thousand_entries_are_created_and_one_more_is_refused_naming_the_limit(
    api: TestClient,
) -> None:
    entries = [{"url": f"{URL}/{n}"} for n in range(1000)]
    response = api.post(BATCH, json={"links": entries})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["status"] for r in results} == {201}
    assert len({r["link"]["short_id"] for r in results}) == 1000

    refused = api.post(BATCH, json={"links": [*entries, {"url": URL}]})
    assert refused.status_code == 422
    assert "1000" in refused.json()["message"]
    assert len(api.get("/api/v1/links?limit=100").json()) == 100  # nothing more was written


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b'{"links": [', 422, "JSON"),
        (b'{"links": {"url": "https://example.com/"}}', 422, "links"),
        (b"{}", 422, "links"),
        (b'{"links": [], "extra": 1}', 422, "extra"),
        # Not UTF-8: the JSON parser refuses it, as on every JSON route.
        (
            '{"links": [{"url": "https://example.com/caf\u00e9"}]}'.encode("latin-1"),
            400,
            "not UTF-8",
        ),
        (b'{"links": [{"url": "https://example.com/\x00"}]}', 422, ""),
    ],
)
def test_malformed_or_oddly_encoded_bodies_get_a_4xx(
    api: TestClient, content: bytes, status: int, words: str
) -> None:
    response = api.post(BATCH, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert words in response.json()["message"]


def test_a_utf8_body_is_decoded_whole_and_a_utf16_one_refused(api: TestClient) -> None:
    # Python's JSON parser would read UTF-16 and UTF-32 by their BOM; the API reads UTF-8.
    body = json.dumps({"links": [{"url": URL, "title": "Ünïcödé ✓ 𝄞"}]}, ensure_ascii=False)
    headers = {"content-type": "application/json"}
    refused = api.post(BATCH, content=body.encode("utf-16"), headers=headers)
    assert refused.status_code == 400, refused.text
    assert "send it as UTF-8" in refused.json()["message"]
    response = api.post(BATCH, content=body.encode(), headers=headers)
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert (result["status"], result["link"]["title"]) == (201, "Ünïcödé ✓ 𝄞")


def test_a_body_over_the_batch_limit_is_a_413_before_anything_is_read(api: TestClient) -> None:
    entry = {"url": URL + "/" + "a" * 2000, "title": "t" * 200}
    body = json.dumps({"links": [entry] * 2100}).encode()  # about 4.7 MB
    response = api.post(BATCH, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["message"]
    assert api.get("/api/v1/links").json() == []


def test_the_empty_batch_creates_nothing(api: TestClient) -> None:
    response = api.post(BATCH, json={"links": []})
    assert (response.status_code, response.json()) == (200, {"results": []})
