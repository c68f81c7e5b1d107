"""The OpenAPI document tells the truth: what schemathesis found, pinned as plain tests."""

from __future__ import annotations

import re
from typing import Any

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
# The classic tutorial's contract: its 400 says `error`, not `message` (README, "What is in
# the box").
CLASSIC_ERRORS = {("POST /shorten", "400"): {"$ref": "#/components/schemas/ShortenError"}}


def operations(client: Any) -> list[tuple[str, str, dict[str, Any]]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method, path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_every_operation_documents_the_edge_errors_with_the_error_body(client: Any) -> None:
    for method, path, operation in operations(client):
        responses = operation["responses"]
        label = f"{method.upper()} {path}"
        assert "400" in responses, label
        if "requestBody" in operation:
            assert "413" in responses, label
        if "requestBody" in operation or operation.get("parameters"):
            assert "422" in responses, label
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                expected = CLASSIC_ERRORS.get(
                    (label, status), {"$ref": "#/components/schemas/ErrorBody"}
                )
                assert schema == expected, (label, status)


def test_a_too_large_body_answers_the_documented_413(client: Any) -> None:
    response = client.post(
        "/api/v1/users",
        content=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert set(response.json()) == {"message"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/api/v1/items", "GET, POST"),
        ("PATCH", "/api/v1/items/some-id", "GET, PUT, DELETE"),
        ("PUT", "/api/v1/users", "POST"),
        ("PATCH", "/api/v1/users/kim", "GET, DELETE"),
        ("POST", "/health", "GET"),
    ],
)
def test_405_names_every_method_of_the_path(
    client: Any, method: str, path: str, allowed: str
) -> None:
    # Starlette's router names only the first matching route's methods (Allow: POST);
    # the 405 handler asks every route of the path (http/errors.allowed_methods).
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json()["message"]


def test_update_schema_does_not_offer_null_where_the_route_refuses_it(client: Any) -> None:
    update = client.get("/openapi.json").json()["components"]["schemas"]["ItemUpdate"]
    for field in ("name", "price", "category"):
        assert update["properties"][field].get("type") != "null"
        assert "anyOf" not in update["properties"][field], field
    description = update["properties"]["description"]["anyOf"]
    assert {"type": "null"} in description


def test_text_patterns_match_what_the_validators_accept(client: Any) -> None:
    create = client.get("/openapi.json").json()["components"]["schemas"]["ItemCreate"]
    name = re.compile(create["properties"]["name"]["pattern"])
    description = re.compile(create["properties"]["description"]["anyOf"][0]["pattern"])
    for text, single, multi in [
        ("Dune", True, True),
        ("  Dune\t", True, True),
        ("two\nlines", False, True),
        ("bell\x07", False, False),
        ("   ", False, True),
        ("", False, True),
    ]:
        assert bool(name.match(text)) is single, text
        assert bool(description.match(text)) is multi, text
        body = {"name": text, "description": text, "price": 1, "category": "c"}
        status = client.post("/api/v1/items", json=body).status_code
        assert status == (201 if single and multi else 422), text


def test_lengths_count_what_the_client_sent_then_text_is_stripped(client: Any) -> None:
    too_long = client.post(
        "/api/v1/items", json={"name": "x" * 100 + " ", "price": 1, "category": "c"}
    )
    assert too_long.status_code == 422
    created = client.post("/api/v1/items", json={"name": " Dune ", "price": 1, "category": " c "})
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["category"]) == ("Dune", "c")


def test_blank_text_is_refused_after_stripping(client: Any) -> None:
    response = client.post("/api/v1/items", json={"name": " \t ", "price": 1, "category": "c"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "name"
