"""Health, docs, CORS, correlation ids, security headers and hostile input through HTTP."""

from __future__ import annotations

import json
import logging
import re
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


@pytest.mark.parametrize(
    "offered",
    [
        "evil\tvalue",  # a tab would split a log line's fields
        "a" * 129,  # one character over the limit, otherwise safe
        "<script>alert(1)</script>",
        'quote"d',
        "",
    ],
)
def test_unsafe_correlation_id_is_replaced(client: Any, json_logs: Any, offered: str) -> None:
    response = client.get("/api/v1/items/missing", headers={"x-correlation-id": offered})
    answered = response.headers["x-correlation-id"]
    assert re.fullmatch("[0-9a-f]{32}", answered), answered  # a fresh id, not a trimmed copy
    logged = {line["correlation_id"] for line in json_logs() if "correlation_id" in line}
    assert logged == {answered}


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


SEED_ITEM = {"name": "Kept", "description": "as is", "price": 5, "category": "Misc"}
SEED_USER = {"userId": "kim", "name": "Kim", "email": "kim@example.com"}
BODY_ROUTES = [
    ("POST", "/api/v1/items/"),
    ("PUT", "/api/v1/items/{item_id}"),
    ("POST", "/api/v1/users"),
]


@pytest.fixture
def seeded(client: Any) -> dict[str, Any]:
    """One item and one user, so "nothing changed" is checked against real data."""
    item = client.post("/api/v1/items/", json=SEED_ITEM).json()
    assert client.post("/api/v1/users", json=SEED_USER).status_code == 201
    return {"item_id": item["item_id"]}


def store(client: Any) -> tuple[Any, Any]:
    """Everything the API can read back: the item list and the seeded user."""
    return client.get("/api/v1/items").json(), client.get("/api/v1/users/kim").json()


@pytest.mark.parametrize(("method", "route"), BODY_ROUTES)
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\xfa invalid utf-8", "application/json"),
        (b'{"name": "\xc3\x28"}', "application/json"),
        (b'{"name": "nul\x00raw"}', "application/json"),
        (b'{"name": "nul\\u0000escaped", "userId": "a\\u0000b"}', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"null", "application/json"),
        (b"", "application/json"),
        (b"name=x&price=1", "application/x-www-form-urlencoded"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "application/json"),
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
    client: Any,
    seeded: dict[str, Any],
    method: str,
    route: str,
    content: bytes,
    content_type: str,
) -> None:
    before = store(client)
    response = client.request(
        method,
        route.format(**seeded),
        content=content,
        headers={"content-type": content_type},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["message"]
    assert store(client) == before


WIDE_ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
JSON_BODIES = [
    ("/api/v1/links", {"url": "https://example.com/wide"}),
    ("/shorten", {"url": "https://example.com/wide"}),
    ("/api/v1/items/", {"name": "Wide", "price": 1, "category": "Misc"}),
]


def _trickled(data: bytes) -> Iterator[bytes]:
    for index in range(len(data)):
        yield data[index : index + 1]


@pytest.mark.parametrize("trickle", [False, True])
@pytest.mark.parametrize("encoding", WIDE_ENCODINGS)
@pytest.mark.parametrize(("path", "body"), JSON_BODIES)
def test_a_json_body_in_utf16_or_utf32_is_a_400_that_asks_for_utf8(
    client: Any, seeded: dict[str, Any], path: str, body: Any, encoding: str, trickle: bool
) -> None:
    """The API reads UTF-8 JSON only (RFC 8259): Python's parser would guess UTF-16 and
    UTF-32 from a BOM or null bytes, and the body was taken."""
    before = store(client)
    data = json.dumps(body).encode(encoding)
    content: Any = _trickled(data) if trickle else data
    response = client.post(path, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    said = response.json()["error" if path == "/shorten" else "message"]  # the classic contract
    assert said == "the body is not valid JSON: it is UTF-16 or UTF-32 text; send it as UTF-8"
    assert store(client) == before
    assert client.get("/api/v1/links").json() == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
@pytest.mark.parametrize(("path", "body"), JSON_BODIES)
def test_a_json_body_in_utf8_is_read_with_or_without_a_bom(
    client: Any, path: str, body: Any, encoding: str
) -> None:
    response = client.post(
        path,
        content=json.dumps(body).encode(encoding),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 201, response.text


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


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/items/%F0%9F%92%A9",
        "/api/v1/items/%00",
        "/api/v1/items/..%2f..%2fetc",
        "/api/v1/items/%2e%2e",
        "/api/v1/items/%ff",
        "/api/v1/users/%00",
        "/api/v1/users/..%2f..%2fetc%2fpasswd",
        "/api/v1/users/%2e%2e",
        "/api/v1/users/%2ekim",
        "/api/v1/users/%ff%fe",
        "/api/v1/users/k%D1%96m",  # a Cyrillic i
        "/api/v1/users/kim%0d%0aSet-Cookie:%20x=1",
    ],
)
def test_odd_paths_are_a_clean_4xx_and_change_nothing(
    client: Any, seeded: dict[str, Any], method: str, path: str
) -> None:
    before = store(client)
    response = client.request(method, path, json={"price": 1} if method == "PUT" else None)
    assert response.status_code in (404, 405, 422), path
    assert response.json()["message"]
    assert "set-cookie" not in response.headers
    assert store(client) == before


@pytest.mark.parametrize(
    "query",
    [
        "category=%00",
        "category=a%0d%0aSet-Cookie:%20x=1",
        "category=%20%20",
        "category=" + "c" * 51,
        "cursor=" + "x" * 1025,
        "cursor=..%2f..%2f",
        "limit=0",
        "limit=101",
        "limit=1e3",
        "limit=%ff",
        "category=Misc&" + "&".join(f"p{n}=v" for n in range(2000)),
    ],
)
def test_hostile_query_strings_are_a_clean_4xx(
    client: Any, seeded: dict[str, Any], query: str
) -> None:
    before = store(client)
    response = client.get(f"/api/v1/items?{query}")
    assert 400 <= response.status_code < 500, (query, response.status_code)
    assert response.json()["message"]
    assert "set-cookie" not in response.headers
    assert store(client) == before


def test_urls_and_headers_past_the_limits_get_414_and_431(client: Any) -> None:
    long_url = client.get("/api/v1/items/" + "a" * 9000)
    assert long_url.status_code == 414
    assert long_url.json()["message"]
    long_query = client.get("/api/v1/items?category=" + "a" * 60_000)  # httpx caps at 64 KiB
    assert long_query.status_code == 414
    big_header = client.get("/health", headers={"x-padding": "a" * 100_000})
    assert big_header.status_code == 431
    assert big_header.json()["message"]


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ({"userId": "k\u0456m"}, 422),  # Cyrillic i in the id
        ({"userId": ".."}, 422),
        ({"userId": ".hidden"}, 422),
        ({"email": "k\u0456m@example.com"}, 422),  # mixed scripts in the local part
        ({"email": "kim@ex\u0430mple.com"}, 422),  # Cyrillic a in the domain
        ({"email": "kim@xn--exmple-4nf.com"}, 422),  # the same domain as punycode
        ({"email": "\uff4b\uff49\uff4d@example.com"}, 409),  # fullwidth kim: the same address
        ({"email": "KIM@EXAMPLE.COM"}, 409),
    ],
)
def test_confusable_ids_and_emails_never_make_a_lookalike_user(
    client: Any, seeded: dict[str, Any], user: dict[str, str], status: int
) -> None:
    before = store(client)
    body = {"userId": "kim2", "name": "Kim Two", "email": "kim2@example.com", **user}
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == status, response.text
    assert response.json()["message"]
    assert store(client) == before
    assert client.get(f"/api/v1/users/{body['userId']}").status_code in (404, 422)


def test_single_script_international_emails_are_welcome(client: Any) -> None:
    for user_id, email in [("ivan", "иван@пример.рф"), ("taro", "山田たろう@example.jp")]:
        body = {"userId": user_id, "name": "Intl", "email": email}
        assert client.post("/api/v1/users", json=body).status_code == 201, email


def test_logging_does_not_use_the_root_logger(
    caplog: pytest.LogCaptureFixture, client: Any
) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/health")
    assert all(record.name != "root" for record in caplog.records)


@pytest.mark.parametrize(
    "path", ["/%0A", "/%0D%0A", "/api/v1/items%0A", "/abc1234%00", "/assets/app.js%0A", "/%7F"]
)
def test_control_characters_in_the_path_are_a_json_404_never_a_page(client: Any, path: str) -> None:
    # Route patterns end in `$`, which also matches before a final newline: without the
    # edge check, GET /%0A would be served the frontend as if it were GET /.
    for method in ("GET", "HEAD", "POST"):
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
        if method != "HEAD":
            assert "control characters" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/keys", {"name": "a\nb"}, "name"),
        ("/api/v1/links", {"url": "https://example.com", "title": "a\u0007b"}, "title"),
        ("/api/v1/items/", {"name": "x\u0000", "price": 1, "category": "c"}, "name"),
    ],
)
def test_a_validators_refusal_reads_as_a_sentence_not_pydantics_label(
    client: Any, path: str, body: dict[str, Any], field: str
) -> None:
    # Pydantic labels the message of a ValueError raised in a validator "Value error, ...";
    # the web page trimmed it, every other client read it.
    response = client.post(path, json=body)
    assert response.status_code == 422
    answer = response.json()
    assert (
        answer["message"] == f"invalid request: {field}: text must not contain control characters"
    )
    assert all(not detail["msg"].startswith("Value error") for detail in answer["detail"])


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "said"),
    [
        ("PUT", "/api/v1/items/{item}", {"price": "abc"}, "price", "a valid number"),
        ("PATCH", "/api/v1/links/{link}", {"tags": "x"}, "tags", "a valid list"),
        ("PATCH", "/api/v1/links/{link}", {"rules": 3}, "rules", "a valid list"),
        ("PATCH", "/api/v1/webhooks/{hook}", {"active": "yes"}, "active", "a valid boolean"),
    ],
)
def test_a_wrong_type_in_a_field_that_may_be_null_is_one_error_on_that_field(
    client: Any, method: str, path: str, body: dict[str, Any], field: str, said: str
) -> None:
    # Pydantic tries each member of `X | None` and names both in the location
    # ("active.bool", "active.none"): a client placing errors by field found none.
    item = {"name": "n", "price": 1, "category": "c"}
    ids = {
        "item": client.post("/api/v1/items/", json=item).json()["item_id"],
        "link": client.post("/api/v1/links", json={"url": "https://example.com/a"}).json()[
            "short_id"
        ],
        "hook": client.post(
            "/api/v1/webhooks", json={"url": "https://example.com/h", "events": ["LinkCreated"]}
        ).json()["webhook_id"],
    }
    response = client.request(method, path.format(**ids), json=body)
    assert response.status_code == 422
    payload = response.json()
    said = f"Input should be {said}"
    assert payload["detail"] == [
        {"loc": ["body", field], "msg": said, "type": payload["detail"][0]["type"]}
    ]
    assert payload["message"] == f"invalid request: {field}: {said}"
