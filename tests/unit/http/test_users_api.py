"""Users API through HTTP."""

from __future__ import annotations

from typing import Any

import pytest

ADA = {"userId": "ada", "name": "Ada Lovelace", "email": "ada@example.com"}


def test_create_get_delete(client: Any) -> None:
    created = client.post("/api/v1/users", json=ADA)
    assert created.status_code == 201
    assert created.json() == {"message": "User created successfully", "userId": "ada"}
    fetched = client.get("/api/v1/users/ada")
    assert fetched.status_code == 200
    body = fetched.json()
    assert {k: body[k] for k in ("userId", "name", "email")} == ADA
    assert body["createdAt"].endswith("Z")
    deleted = client.delete("/api/v1/users/ada")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get("/api/v1/users/ada").status_code == 404
    assert client.delete("/api/v1/users/ada").status_code == 404


def test_existing_user_id_is_409(client: Any) -> None:
    client.post("/api/v1/users", json=ADA)
    response = client.post("/api/v1/users", json={**ADA, "email": "other@example.com"})
    assert response.status_code == 409
    assert "userId" in response.json()["message"]


def test_existing_email_is_409_whatever_its_case(client: Any) -> None:
    client.post("/api/v1/users", json=ADA)
    response = client.post(
        "/api/v1/users", json={**ADA, "userId": "ada2", "email": "ADA@EXAMPLE.COM"}
    )
    assert response.status_code == 409
    assert "email" in response.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {**ADA, "email": "not-an-email"},
        {**ADA, "email": "a@b"},
        {**ADA, "userId": ""},
        {**ADA, "userId": "x" * 65},
        {**ADA, "userId": "has/slash"},
        {**ADA, "userId": "white space"},
        {**ADA, "name": ""},
        {"userId": "ada", "email": "ada@example.com"},
        {**ADA, "admin": True},
    ],
)
def test_invalid_user_is_422(client: Any, body: Any) -> None:
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == 422
    assert response.json()["message"]


def test_unknown_user_is_404_with_message(client: Any) -> None:
    response = client.get("/api/v1/users/nobody")
    assert response.status_code == 404
    assert response.json() == {"message": "user 'nobody' not found"}


def test_the_local_operator_lists_every_user_newest_first_in_pages(client: Any) -> None:
    for n in range(5):
        body = {"userId": f"user-{n}", "name": f"User {n}", "email": f"u{n}@example.com"}
        assert client.post("/api/v1/users", json=body).status_code == 201
    first = client.get("/api/v1/users", params={"limit": 3})
    assert first.status_code == 200
    cursor = first.headers["x-next-cursor"]
    second = client.get("/api/v1/users", params={"limit": 3, "cursor": cursor})
    assert "x-next-cursor" not in second.headers
    listed = [user["userId"] for user in first.json() + second.json()]
    assert sorted(listed) == [f"user-{n}" for n in range(5)]
    assert len(set(listed)) == 5
    assert client.get("/api/v1/users", params={"cursor": "nonsense"}).status_code == 400
