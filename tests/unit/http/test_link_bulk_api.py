"""POST /api/v1/links/bulk: per-link statuses as a PATCH or DELETE of each would give, the
envelope's refusals, and its events, on SQLite and DynamoDB (moto)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.bootstrap import Container

URL = "https://example.com/page"
BULK = "/api/v1/links/bulk"
FUTURE = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture
def container(recording_container: Container) -> Container:
    # moto's table is not safe for threads; ten in flight run on DynamoDB Local
    # (tests/contract/test_link_bulk.py).
    recording_container.links.bulk_workers = 1
    return recording_container


@pytest.fixture
def api(recording_api: TestClient, container: Container) -> TestClient:
    return recording_api


def published(container: Container, kind: str) -> list[str]:
    publisher = container.publisher
    assert isinstance(publisher, MemoryEventPublisher)
    return [event.detail["short_id"] for event in publisher.of_type(kind)]


def new_links(api: TestClient, count: int, **fields: Any) -> list[str]:
    return [
        api.post("/api/v1/links", json={"url": URL, **fields}).json()["short_id"]
        for _ in range(count)
    ]


def bulk(api: TestClient, body: Any) -> tuple[int, dict[str, Any]]:
    response = api.post(BULK, json=body)
    return response.status_code, response.json()


def statuses(answer: dict[str, Any]) -> dict[str, int]:
    return {result["id"]: result["status"] for result in answer["results"]}


def test_each_link_answers_what_its_patch_would_and_one_bad_id_fails_alone(
    api: TestClient, container: Container
) -> None:
    ids = new_links(api, 3)
    etags = [api.get(f"/api/v1/links/{i}").headers["etag"] for i in ids]
    body = {"action": "disable", "ids": [*ids, "no-such-link", ids[0]]}
    status, answer = bulk(api, body)
    assert status == 200
    assert statuses(answer) == {**dict.fromkeys(ids, 200), "no-such-link": 404}
    assert (answer["action"], answer["changed"], answer["failed"]) == ("disable", 3, 1)
    assert "error" not in answer["results"][0]
    assert answer["results"][3]["error"]["message"] == "short link 'no-such-link' not found"
    for short_id, etag in zip(ids, etags, strict=True):
        read = api.get(f"/api/v1/links/{short_id}")
        assert read.json()["is_active"] is False
        assert read.headers["etag"] != etag  # the version moved, as a PATCH moves it
    assert sorted(published(container, "LinkUpdated")) == sorted(ids)


def test_a_stale_if_match_is_that_links_412_and_a_fresh_one_changes_it(api: TestClient) -> None:
    fresh, stale = new_links(api, 2)
    tag = api.get(f"/api/v1/links/{fresh}").headers["etag"]
    api.patch(f"/api/v1/links/{stale}", json={"title": "moved on"})
    old = '"1.0123456789abcdef"'
    body = {
        "action": "set_expiry",
        "expires_at": FUTURE,
        "ids": [{"id": fresh, "if_match": tag}, {"id": stale, "if_match": old}],
    }
    status, answer = bulk(api, body)
    assert status == 200
    assert statuses(answer) == {fresh: 200, stale: 412}
    assert "changed since you read it" in answer["results"][1]["error"]["message"]
    assert api.get(f"/api/v1/links/{fresh}").json()["expires_at"] == FUTURE
    assert api.get(f"/api/v1/links/{stale}").json()["expires_at"] != FUTURE


def test_another_users_link_is_a_404_and_stays_as_it_was(
    api: TestClient, container: Container
) -> None:
    [theirs] = new_links(api, 1)
    # Another owner: the link is moved to one the local caller is not.
    repository = container.links.links
    link = container.links.get("local", theirs)
    repository.delete("local", theirs)
    repository.add(replace(link, owner="someone-else"))
    status, answer = bulk(api, {"action": "delete", "ids": [theirs]})
    assert (status, statuses(answer)) == (200, {theirs: 404})
    assert repository.get(theirs) is not None


def test_deleted_links_answer_204_then_404(api: TestClient, container: Container) -> None:
    ids = new_links(api, 2)
    status, answer = bulk(api, {"action": "delete", "ids": ids})
    assert (status, statuses(answer)) == (200, dict.fromkeys(ids, 204))
    assert all(api.get(f"/api/v1/links/{i}").status_code == 404 for i in ids)
    assert sorted(published(container, "LinkDeleted")) == sorted(ids)
    assert statuses(bulk(api, {"action": "delete", "ids": ids})[1]) == dict.fromkeys(ids, 404)


def test_tags_are_added_and_removed_and_a_link_already_so_is_not_written(
    api: TestClient, container: Container
) -> None:
    [tagged] = new_links(api, 1, tags=["promo"])
    [bare] = new_links(api, 1)
    etag = api.get(f"/api/v1/links/{tagged}").headers["etag"]
    status, answer = bulk(api, {"action": "add_tag", "tag": " Promo ", "ids": [tagged, bare]})
    assert (status, statuses(answer)) == (200, {tagged: 200, bare: 200})
    assert api.get(f"/api/v1/links/{bare}").json()["tags"] == ["promo"]
    assert api.get(f"/api/v1/links/{tagged}").headers["etag"] == etag
    assert published(container, "LinkUpdated") == [bare]
    bulk(api, {"action": "remove_tag", "tag": "promo", "ids": [tagged, bare]})
    assert api.get(f"/api/v1/links/{tagged}").json()["tags"] == []
    listed = api.get("/api/v1/links", params={"tag": "promo"}).json()
    assert listed == []


def test_enable_and_clear_expiry(api: TestClient) -> None:
    [short_id] = new_links(api, 1)
    bulk(api, {"action": "disable", "ids": [short_id]})
    bulk(api, {"action": "enable", "ids": [short_id]})
    bulk(api, {"action": "clear_expiry", "ids": [short_id]})
    read = api.get(f"/api/v1/links/{short_id}").json()
    assert (read["is_active"], read["expires_at"]) == (True, None)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"action": "disable", "ids": []}, "ids: List should have at least 1 item"),
        ({"action": "disable", "ids": ["a"] * 1001}, "ids: List should have at most 1000 items"),
        ({"action": "archive", "ids": ["a"]}, "action must be one of disable, enable, add_tag"),
        ({"ids": ["a"]}, "action must be one of"),
        ({"action": "add_tag", "ids": ["a"]}, "invalid request: tag: Field required"),
        ({"action": "add_tag", "tag": "no spaces", "ids": ["a"]}, "a tag is 1-32 characters"),
        ({"action": "set_expiry", "ids": ["a"]}, "invalid request: expires_at: Field required"),
        ({"action": "disable", "tag": "x", "ids": ["a"]}, "invalid request: tag: Extra inputs"),
        (
            {"action": "set_expiry", "expires_at": "2001-01-01T00:00:00Z", "ids": ["a"]},
            "expires_at must be in the future",
        ),
        ({"action": "delete", "ids": [{"id": "a"}]}, "if_match: Field required"),
        ({"action": "delete", "ids": [{"id": "a", "if_match": "12"}]}, "if_match: String"),
        ({"action": "delete", "ids": [""]}, "at least 1 character"),
        ([{"action": "delete", "ids": ["a"]}], "the body must be a JSON object"),
    ],
)
def test_a_bad_envelope_is_a_422_that_says_why_and_changes_nothing(
    api: TestClient, container: Container, body: Any, said: str
) -> None:
    status, answer = bulk(api, body)
    assert status == 422, answer
    assert said in answer["message"]
    assert published(container, "LinkUpdated") == published(container, "LinkDeleted") == []


def test_ids_of_the_wrong_type_are_said_once_each_naming_no_union_branch(
    api: TestClient,
) -> None:
    """An entry is a string or an object: one of the two is said about it, by the entry's
    place in the list, not both under Pydantic's names for them ("ids.0.constrained-str",
    "ids.0.BulkTarget"), nor under the action's ("disable.ids")."""
    status, answer = bulk(
        api, {"action": "disable", "ids": [1, {}, "", {"id": 3, "if_match": "*"}, None]}
    )
    assert status == 422, answer
    assert answer["message"] == (
        "invalid request: ids[0]: a short id is a string, or an object {id, if_match};"
        " ids[1].id: Field required; ids[1].if_match: Field required;"
        " ids[2]: String should have at least 1 character; ids[3].id: Input should be a valid"
        " string (and 1 more)"
    )
    assert [error["loc"] for error in answer["detail"]] == [
        ["body", "ids", "0"],
        ["body", "ids", "1", "id"],
        ["body", "ids", "1", "if_match"],
        ["body", "ids", "2"],
        ["body", "ids", "3", "id"],
        ["body", "ids", "4"],
    ]
    assert answer["detail"][0]["type"] == answer["detail"][-1]["type"] == "short_id_type"


def test_a_huge_body_is_a_413_before_it_is_read(api: TestClient) -> None:
    ids = [{"id": "x" * 250, "if_match": '"' + "1" * 1000 + '"'}] * 1000
    body = json.dumps({"action": "delete", "ids": ids})
    response = api.post(BULK, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "message" in response.json()


def test_bulk_is_no_link_name(api: TestClient) -> None:
    response = api.post("/api/v1/links", json={"url": URL, "alias": "Bulk"})
    assert response.status_code == 422
    assert api.get(BULK).status_code == 404
    assert api.put(BULK).headers["allow"] == "POST"
