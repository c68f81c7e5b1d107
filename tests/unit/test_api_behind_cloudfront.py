"""The API Lambda behind CloudFront: short links on the host the viewer asked for.

CloudFront cannot forward Host to API Gateway, so the API sees its own execute-api
name; the distribution's viewer-request function copies the viewer's Host into
X-Forwarded-Host (infra/, docs/decisions/0404). Without a custom short domain
(no PUBLIC_BASE_URL) that host is the distribution's, where short links are served.
The event is the payload API Gateway hands Lambda for such a request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from tests.conftest import TABLE_NAME, settings_for
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event, response_json

DISTRIBUTION = "d111111abcdef8.cloudfront.net"
VIA_CLOUDFRONT = "apigw_v2_shorten_via_cloudfront.json"


@pytest.fixture
def api(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    module = fresh_import("shortstack.entrypoints.lambda_api")
    yield module
    module.app.state.container.close()


def shorten(api: Any, event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = api.handler(event, FakeLambdaContext())
    return response


def test_short_links_use_the_distributions_name(api: Any) -> None:
    response = shorten(api, load_event(VIA_CLOUDFRONT))
    assert response["statusCode"] == 201, response
    body = response_json(response)
    assert body["short_url"] == f"https://{DISTRIBUTION}/{body['short_id']}"


def test_a_link_back_to_the_distribution_is_refused(api: Any) -> None:
    event = load_event(VIA_CLOUDFRONT)
    event["body"] = json.dumps({"url": f"https://{DISTRIBUTION}/abc1234"})
    response = shorten(api, event)
    assert response["statusCode"] == 400, response
    assert "error" in response_json(response)


def test_straight_to_the_gateway_the_gateways_own_name_is_used(api: Any) -> None:
    event = load_event(VIA_CLOUDFRONT)
    del event["headers"]["x-forwarded-host"]
    body = response_json(shorten(api, event))
    assert body["short_url"].startswith(f"https://{event['headers']['host']}/")


def test_a_custom_short_domain_wins_over_the_viewers_host(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sho.rt")
    module = fresh_import("shortstack.entrypoints.lambda_api")
    try:
        body = response_json(shorten(module, load_event(VIA_CLOUDFRONT)))
    finally:
        module.app.state.container.close()
    assert body["short_url"] == f"https://sho.rt/{body['short_id']}"


def test_locally_a_forwarded_host_is_not_believed(tmp_path: Path) -> None:
    container = bootstrap(settings_for("memory", tmp_path, public_base_url="http://127.0.0.1:8000"))
    try:
        client = TestClient(create_app(container))
        response = client.post(
            "/shorten",
            json={"url": "https://www.example.com/"},
            headers={"x-forwarded-host": "evil.example"},
        )
    finally:
        container.close()
    assert response.status_code == 201
    assert response.json()["short_url"].startswith("http://127.0.0.1:8000/")


@pytest.fixture
def api_with_origin_secret(api: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("CLOUDFRONT_ORIGIN_SECRET", ORIGIN_SECRET)
    module = fresh_import("shortstack.entrypoints.lambda_api")
    yield module
    module.app.state.container.close()


def create_at(path: str, **headers: str) -> dict[str, Any]:
    """The CloudFront event, sent to `path` (/shorten: FastAPI; /api/v1/links: the light
    front), with `headers` added."""
    event = load_event(VIA_CLOUDFRONT)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["routeKey"] = f"POST {path}"
    event["headers"].update(headers)
    return event


ORIGIN_SECRET = "a-secret-only-the-distribution-sends"


@pytest.mark.parametrize("path", ["/shorten", "/api/v1/links"])
def test_with_an_origin_secret_only_the_distributions_requests_name_the_host(
    api_with_origin_secret: Any, path: str
) -> None:
    # Straight to the execute-api endpoint a caller could name any X-Forwarded-Host, and
    # with it the host its short links are built on and checked against (decision 0704).
    proven = create_at(path, **{"x-shortstack-origin-secret": ORIGIN_SECRET})
    body = response_json(shorten(api_with_origin_secret, proven))
    assert body["short_url"].startswith(f"https://{DISTRIBUTION}/"), body
    for forged in (create_at(path), create_at(path, **{"x-shortstack-origin-secret": "guess"})):
        body = response_json(shorten(api_with_origin_secret, forged))
        assert body["short_url"].startswith(f"https://{forged['headers']['host']}/"), body
