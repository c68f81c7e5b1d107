"""Health, docs, CORS, correlation ids, security headers and hostile input through HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from tests.conftest import settings_for


def test_health(client: Any) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["service"] == "shortstack"
    assert body["version"]


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_docs_are_served(client: Any, path: str) -> None:
    assert client.get(path).status_code == 200


def test_openapi_documents_every_resource(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/api/v1/items", "/api/v1/items/{item_id}", "/api/v1/users"} <= set(paths)


def test_frontend_page_is_served_with_a_csp(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


def test_security_headers_on_api_responses(client: Any) -> None:
    response = client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]


def test_correlation_id_is_generated_when_absent(client: Any) -> None:
    first = client.get("/health").headers["x-correlation-id"]
    second = client.get("/health").headers["x-correlation-id"]
    assert first
    assert second
    assert first != second


def test_correlation_id_is_echoed_and_logged(client: Any, json_logs: Any) -> None:
    response = client.get("/api/v1/items/missing", headers={"x-correlation-id": "req-123"})
    assert response.headers["x-correlation-id"] == "req-123"
    lines = json_logs()
    request_lines = [line for line in lines if line.get("path") == "/api/v1/items/missing"]
    assert request_lines
    assert all(line["correlation_id"] == "req-123" for line in request_lines)


def test_unsafe_correlation_id_is_replaced(client: Any) -> None:
    response = client.get("/health", headers={"x-correlation-id": "evil\tvalue" + "x" * 200})
    assert response.headers["x-correlation-id"] != "evil"
    assert len(response.headers["x-correlation-id"]) <= 128


def test_access_log_leaves_out_query_strings(client: Any, json_logs: Any) -> None:
    client.get("/api/v1/items?cursor=secret-token-value")
    assert json_logs()
    assert "secret-token-value" not in json.dumps(json_logs())


@pytest.fixture
def cors_client(tmp_path: Path) -> Iterator[TestClient]:
    container = bootstrap(
        settings_for(
            "memory", tmp_path, frontend_origin="https://app.example.com, https://b.example.com/"
        )
    )
    with TestClient(create_app(container)) as test_client:
        yield test_client


def test_cors_preflight_for_an_allowed_origin(cors_client: TestClient) -> None:
    response = cors_client.options(
        "/api/v1/items",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_cors_second_configured_origin_without_trailing_slash(cors_client: TestClient) -> None:
    response = cors_client.get("/health", headers={"Origin": "https://b.example.com"})
    assert response.headers["access-control-allow-origin"] == "https://b.example.com"


def test_cors_headers_absent_for_other_origins(cors_client: TestClient) -> None:
    response = cors_client.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in response.headers
    preflight = cors_client.options(
        "/api/v1/items",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_exposes_pagination_headers(cors_client: TestClient) -> None:
    response = cors_client.get("/api/v1/items", headers={"Origin": "https://app.example.com"})
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-next-cursor" in exposed
    assert "link" in exposed


def test_no_cors_headers_when_no_origin_is_configured(client: Any) -> None:
    response = client.get("/health", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\xfa invalid utf-8", "application/json"),
        (b'{"name": "\xc3\x28"}', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"null", "application/json"),
        (b"", "application/json"),
        (b"name=x&price=1", "application/x-www-form-urlencoded"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (
            json.dumps({"name": "x" * 1_000_000, "price": 1, "category": "c"}).encode(),
            "application/json",
        ),
        (b'{"name": "a", "price": 1e400, "category": "c"}', "application/json"),
        (b'{"name": "a", "price": NaN, "category": "c"}', "application/json"),
        (
            b'{"name": "a", "name": "b", "price": 1, "category": "c", "category": 5}',
            "application/json",
        ),
    ],
)
def test_malformed_bodies_get_4xx_json_and_store_nothing(
    client: Any, content: bytes, content_type: str
) -> None:
    response = client.post(
        "/api/v1/items/", content=content, headers={"content-type": content_type}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["message"]
    assert client.get("/api/v1/items").json() == []


def test_body_over_the_limit_is_413_before_parsing(client: Any) -> None:
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/items/", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["message"]


def test_streamed_body_over_the_limit_is_413(client: Any) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 65536

    response = client.post(
        "/api/v1/items/", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_unknown_route_is_json_404(client: Any) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["message"]


def test_wrong_method_is_json_405(client: Any) -> None:
    response = client.patch("/api/v1/users")
    assert response.status_code == 405
    assert response.json()["message"]


def test_odd_unicode_in_paths_is_a_clean_404(client: Any) -> None:
    for path in [
        "/api/v1/items/%F0%9F%92%A9",
        "/api/v1/items/%00",
        "/api/v1/items/..%2f..%2fetc",
        "/api/v1/items/%ff",
    ]:
        response = client.get(path)
        assert response.status_code in (404, 422), path
        assert response.json()["message"]


def test_logging_does_not_use_the_root_logger(
    caplog: pytest.LogCaptureFixture, client: Any
) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/health")
    assert all(record.name != "root" for record in caplog.records)
