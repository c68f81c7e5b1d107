"""Items API through HTTP (TestClient on the SQLite-backed app)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

BOOK = {"name": "Dune", "description": "A desert planet", "price": 9.99, "category": "Books"}


def create(client: Any, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/items/", json={**BOOK, **overrides})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_returns_the_whole_item(client: Any) -> None:
    item = create(client)
    assert set(item) == {
        "item_id",
        "name",
        "description",
        "price",
        "category",
        "created_at",
        "updated_at",
    }
    assert (item["name"], item["price"], item["category"]) == ("Dune", 9.99, "Books")
    assert item["created_at"] == item["updated_at"]
    assert item["created_at"].endswith("Z")


@pytest.mark.parametrize("path", ["/api/v1/items/", "/api/v1/items"])
def test_both_spellings_of_the_collection_work_without_redirect(client: Any, path: str) -> None:
    created = client.post(path, json=BOOK, follow_redirects=False)
    assert created.status_code == 201
    listed = client.get(path, follow_redirects=False)
    assert listed.status_code == 200
    assert created.json()["item_id"] in [i["item_id"] for i in listed.json()]


def test_get_and_404(client: Any) -> None:
    item = create(client)
    assert client.get(f"/api/v1/items/{item['item_id']}").json() == item
    missing = client.get("/api/v1/items/nope")
    assert missing.status_code == 404
    assert "not found" in missing.json()["message"]


def test_partial_put_changes_only_sent_fields_and_moves_updated_at(client: Any) -> None:
    item = create(client)
    response = client.put(f"/api/v1/items/{item['item_id']}", json={"price": 12.5})
    assert response.status_code == 200
    updated = response.json()
    assert updated["price"] == 12.5
    assert {k: updated[k] for k in ("name", "description", "category", "created_at")} == {
        k: item[k] for k in ("name", "description", "category", "created_at")
    }
    assert updated["updated_at"] >= item["updated_at"]


def test_put_with_null_description_clears_it(client: Any) -> None:
    item = create(client)
    response = client.put(f"/api/v1/items/{item['item_id']}", json={"description": None})
    assert response.json()["description"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"price": -1},
        {"name": ""},
        {"name": None},
        {"price": None},
        {"unknown": 1},
        {"name": "x" * 101},
    ],
)
def test_put_rejects_invalid_changes_with_422_and_changes_nothing(client: Any, body: Any) -> None:
    item = create(client)
    response = client.put(f"/api/v1/items/{item['item_id']}", json=body)
    assert response.status_code == 422
    assert response.json()["message"]
    assert client.get(f"/api/v1/items/{item['item_id']}").json() == item


def test_put_of_missing_item_is_404(client: Any) -> None:
    assert client.put("/api/v1/items/nope", json={"price": 1}).status_code == 404


def test_delete_is_204_with_no_body_then_404(client: Any) -> None:
    item = create(client)
    response = client.delete(f"/api/v1/items/{item['item_id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.delete(f"/api/v1/items/{item['item_id']}").status_code == 404
    assert client.get(f"/api/v1/items/{item['item_id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": 1, "category": "Books"}, "name"),
        ({**BOOK, "name": "x" * 101}, "name"),
        ({**BOOK, "name": "   "}, "name"),
        ({**BOOK, "description": "x" * 501}, "description"),
        ({**BOOK, "price": 0}, "price"),
        ({**BOOK, "price": -3}, "price"),
        ({**BOOK, "price": "cheap"}, "price"),
        ({**BOOK, "price": 1e12}, "price"),
        ({**BOOK, "price": 1e-200}, "price"),
        ({**BOOK, "price": 5e-324}, "price"),
        ({**BOOK, "category": ""}, "category"),
        ({**BOOK, "category": "c" * 51}, "category"),
        ({**BOOK, "name": 42}, "name"),
        ({**BOOK, "name": "nul\u0000byte"}, "name"),
        ({**BOOK, "name": "bad \ud800 surrogate"}, "name"),
        ({**BOOK, "extra": True}, "extra"),
    ],
)
def test_invalid_create_is_422_with_per_field_details(client: Any, body: Any, field: str) -> None:
    # json.dumps escapes lone surrogates as \\uXXXX, as a hostile client would send them.
    response = client.post(
        "/api/v1/items/", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    payload = response.json()
    assert payload["message"].startswith("invalid request")
    assert field in [error["loc"][-1] for error in payload["detail"]]
    assert client.get("/api/v1/items").json() == []


def test_description_keeps_newlines_and_unicode(client: Any) -> None:
    text = "Zeile 1\nLigne 2 \u2014 \u6f22\u5b57 \U0001f680"
    assert create(client, description=text)["description"] == text


def test_prices_keep_their_decimal_value(client: Any) -> None:
    assert create(client, price=0.1)["price"] == 0.1
    assert create(client, price=19.99)["price"] == 19.99


def test_pagination_with_next_cursor_and_link_headers(client: Any) -> None:
    ids = [create(client, name=f"n{i}")["item_id"] for i in range(5)]
    seen: list[str] = []
    url = "/api/v1/items/?limit=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen.extend(i["item_id"] for i in response.json())
        cursor = response.headers.get("x-next-cursor")
        link = response.headers.get("link")
        if cursor is None:
            assert link is None
            break
        assert link.endswith('>; rel="next"')
        next_url = link[1 : link.index(">")]
        assert parse_qs(urlparse(next_url).query)["cursor"] == [cursor]
        url = next_url
    assert seen == list(reversed(ids))


def test_default_limit_is_50_and_max_is_100(client: Any) -> None:
    for i in range(55):
        create(client, name=f"n{i}")
    assert len(client.get("/api/v1/items").json()) == 50
    assert client.get("/api/v1/items?limit=100").status_code == 200
    assert client.get("/api/v1/items?limit=101").status_code == 422
    assert client.get("/api/v1/items?limit=0").status_code == 422


def test_category_filter(client: Any) -> None:
    create(client, category="Books")
    create(client, category="Games")
    books = client.get("/api/v1/items?category=Books").json()
    assert [i["category"] for i in books] == ["Books"]


def test_category_filter_keeps_category_in_next_link(client: Any) -> None:
    for i in range(3):
        create(client, name=f"b{i}", category="Books")
    response = client.get("/api/v1/items?category=Books&limit=2")
    assert "category=Books" in response.headers["link"]


@pytest.mark.parametrize("cursor", ["garbage", "%00", "eyJrIjoxfQ"])
def test_bad_cursor_is_400(client: Any, cursor: str) -> None:
    response = client.get(f"/api/v1/items?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()["message"]


@pytest.mark.parametrize("control", ["\x1c", "\x1d", "\x1e", "\x1f", "\x85"])
def test_a_trailing_control_character_is_refused_not_stripped(client: Any, control: str) -> None:
    # Python's str.strip() takes these as whitespace; the documented pattern (ECMA-262
    # \s) does not. The server refuses them, as the schema says.
    assert client.get("/api/v1/items", params={"category": f"a{control}"}).status_code == 422
    response = client.post("/api/v1/items/", json={**BOOK, "name": f"Lamp{control}"})
    assert response.status_code == 422
    assert (
        client.post("/api/v1/items/", json={**BOOK, "name": "\u3000Lamp "}).json()["name"] == "Lamp"
    )


def test_a_422_names_the_limit_a_client_needs_to_word_the_refusal(client: Any) -> None:
    response = client.post("/api/v1/items", json={"name": "x" * 101, "price": 0, "category": "c"})
    assert response.status_code == 422
    details = {item["loc"][-1]: item for item in response.json()["detail"]}
    assert details["name"]["ctx"] == {"max_length": 100}
    assert details["price"]["type"] in ("greater_than", "greater_than_equal")
    assert set(details["price"]["ctx"]) & {"gt", "ge"}


def tagged(client: Any) -> tuple[str, str]:
    """A new item's id and the ETag its creation answered."""
    response = client.post("/api/v1/items/", json=BOOK)
    assert response.status_code == 201
    return response.json()["item_id"], response.headers["etag"]


def test_every_answer_about_one_item_carries_its_strong_etag(client: Any) -> None:
    item_id, created = tagged(client)
    assert created.startswith('"')
    assert created.endswith('"')
    read = client.get(f"/api/v1/items/{item_id}")
    assert read.headers["etag"] == created
    changed = client.put(f"/api/v1/items/{item_id}", json={"price": 1.5})
    assert changed.headers["etag"] not in (created, None)
    assert client.get(f"/api/v1/items/{item_id}").headers["etag"] == changed.headers["etag"]


def test_if_none_match_of_the_current_tag_is_a_304_with_no_body_on_get_and_head(
    client: Any,
) -> None:
    item_id, tag = tagged(client)
    for method in ("GET", "HEAD"):
        for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            response = client.request(
                method, f"/api/v1/items/{item_id}", headers={"If-None-Match": header}
            )
            assert (response.status_code, response.content) == (304, b""), header
            assert response.headers["etag"] == tag
    for header in ('"other"', "not a tag"):
        response = client.get(f"/api/v1/items/{item_id}", headers={"If-None-Match": header})
        assert response.status_code == 200
        assert response.json()["item_id"] == item_id
    head = client.head(f"/api/v1/items/{item_id}")
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", tag)


def test_if_match_of_an_old_tag_is_a_412_and_changes_nothing(client: Any) -> None:
    item_id, tag = tagged(client)
    first = client.put(f"/api/v1/items/{item_id}", json={"name": "mine"}, headers={"If-Match": tag})
    assert first.status_code == 200
    late = client.put(
        f"/api/v1/items/{item_id}", json={"name": "theirs"}, headers={"If-Match": tag}
    )
    assert late.status_code == 412
    assert "changed since you read it" in late.json()["message"]
    assert first.headers["etag"] in late.json()["message"]
    gone = client.delete(f"/api/v1/items/{item_id}", headers={"If-Match": tag})
    assert gone.status_code == 412
    assert client.get(f"/api/v1/items/{item_id}").json()["name"] == "mine"
    deleted = client.delete(f"/api/v1/items/{item_id}", headers={"If-Match": first.headers["etag"]})
    assert deleted.status_code == 204


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("*", 200),
        ('"1", {tag}', 200),
        ("{tag} ,", 200),
        ("W/{tag}", 412),  # weak tags never match If-Match
        ('"1"', 412),
        ('"not-ours"', 412),
        ("{tag}x", 400),
        ("no quotes", 400),
        ("", 400),
    ],
)
def test_if_match_forms(client: Any, header: str, status: int) -> None:
    item_id, tag = tagged(client)
    response = client.put(
        f"/api/v1/items/{item_id}",
        json={"price": 2.5},
        headers={"If-Match": header.format(tag=tag)},
    )
    assert response.status_code == status, response.text
    assert response.json()["message" if status != 200 else "item_id"]


def test_a_missing_item_is_a_404_whatever_if_match_says(client: Any) -> None:
    for header in ("*", '"1"'):
        assert (
            client.put("/api/v1/items/nope", json={}, headers={"If-Match": header}).status_code
            == 404
        )
        assert client.delete("/api/v1/items/nope", headers={"If-Match": header}).status_code == 404


def test_if_none_match_on_a_write_is_evaluated_412_when_it_names_the_current_tag_or_star(
    client: Any,
) -> None:
    """Found by the outsider pass (fails before the fix): an origin server MUST evaluate
    If-None-Match on any method and answer 412 to a write whose condition is false (RFC 9110
    13.1.2, 13.2.1); the PUT or DELETE went through, so `If-None-Match: *` ("only if it
    does not exist") changed or deleted an existing item."""
    item_id, tag = tagged(client)
    path = f"/api/v1/items/{item_id}"
    for header in ("*", tag, f"W/{tag}", f'"1", {tag}'):
        refused = client.put(path, json={"name": "theirs"}, headers={"If-None-Match": header})
        assert refused.status_code == 412, header
        assert "changed since you read it" not in refused.json()["message"]
        assert client.delete(path, headers={"If-None-Match": header}).status_code == 412
    assert client.get(path).json()["name"] == BOOK["name"]
    assert (
        client.put("/api/v1/items/nope", json={}, headers={"If-None-Match": "*"}).status_code == 404
    )
    changed = client.put(path, json={"name": "mine"}, headers={"If-None-Match": '"1"'})
    assert changed.status_code == 200
    both = {"If-Match": changed.headers["etag"], "If-None-Match": tag}
    assert client.delete(path, headers=both).status_code == 204


def test_if_match_on_a_read_is_evaluated_412_when_it_names_no_current_tag(client: Any) -> None:
    """Found by the outsider pass (fails before the fix): RFC 9110 13.1.1 has an origin
    server answer 412 to any method whose If-Match is false, a GET or HEAD too (a client
    reading only the version it holds); it was ignored."""
    item_id, tag = tagged(client)
    path = f"/api/v1/items/{item_id}"
    for method in ("GET", "HEAD"):
        assert client.request(method, path, headers={"If-Match": '"1"'}).status_code == 412
        assert client.request(method, path, headers={"If-Match": f"W/{tag}"}).status_code == 412
        for header in (tag, "*", f'"1", {tag}'):
            assert client.request(method, path, headers={"If-Match": header}).status_code == 200
        assert client.request(method, path, headers={"If-Match": "junk"}).status_code == 400
    # If-Match is evaluated first (RFC 9110 13.2.2): a stale one is a 412, not a 304.
    both = {"If-Match": '"1"', "If-None-Match": tag}
    assert client.get(path, headers=both).status_code == 412
