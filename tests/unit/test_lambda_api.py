"""The API Lambda entry, fed real API Gateway HTTP API (payload 2.0) events, on moto DynamoDB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.lambda_api import deferred_validators
from tests.conftest import TABLE_NAME
from tests.lambda_support import (
    EVENTS_DIR,
    FakeLambdaContext,
    fresh_import,
    load_event,
    response_json,
)


@pytest.fixture
def api(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("FRONTEND_ORIGIN", "https://app.example.com")
    module = fresh_import("shortstack.entrypoints.lambda_api")
    yield module
    module.app.state.container.close()


def invoke(api: Any, name: str, **placeholders: str) -> dict[str, Any]:
    response: dict[str, Any] = api.handler(load_event(name, **placeholders), FakeLambdaContext())
    return response


def test_item_lifecycle_through_lambda_events(api: Any) -> None:
    created = invoke(api, "apigw_v2_items_create.json")
    assert created["statusCode"] == 201
    item = response_json(created)
    assert item["name"] == "Dune"
    assert created["headers"]["content-type"] == "application/json"

    fetched = invoke(api, "apigw_v2_items_get.json", item_id=item["item_id"])
    assert fetched["statusCode"] == 200
    assert response_json(fetched) == item

    listed = invoke(api, "apigw_v2_items_list.json")
    assert listed["statusCode"] == 200
    assert [i["item_id"] for i in response_json(listed)] == [item["item_id"]]

    updated = invoke(api, "apigw_v2_items_update.json", item_id=item["item_id"])
    assert updated["statusCode"] == 200
    assert response_json(updated)["price"] == 12.5
    assert response_json(updated)["name"] == "Dune"

    deleted = invoke(api, "apigw_v2_items_delete.json", item_id=item["item_id"])
    assert deleted["statusCode"] == 204
    assert not deleted.get("body")
    assert invoke(api, "apigw_v2_items_get.json", item_id=item["item_id"])["statusCode"] == 404


def test_pagination_headers_through_lambda(api: Any) -> None:
    for _ in range(3):
        invoke(api, "apigw_v2_items_create.json")
    listed = invoke(api, "apigw_v2_items_list.json")
    assert len(response_json(listed)) == 2
    headers = listed["headers"]
    assert headers["x-next-cursor"]
    assert headers["link"].endswith('rel="next"')
    assert "category=Books" in headers["link"]


def test_base64_encoded_body_is_decoded(api: Any) -> None:
    created = invoke(api, "apigw_v2_items_create_base64.json")
    assert created["statusCode"] == 201
    assert response_json(created)["category"] == "Books"


def test_invalid_body_is_422_with_details(api: Any) -> None:
    response = invoke(api, "apigw_v2_items_create_invalid.json")
    assert response["statusCode"] == 422
    fields = {error["loc"][-1] for error in response_json(response)["detail"]}
    assert {"name", "price", "category"} <= fields


def test_user_lifecycle_through_lambda_events(api: Any) -> None:
    created = invoke(api, "apigw_v2_users_create.json")
    assert created["statusCode"] == 201
    assert response_json(created) == {"message": "User created successfully", "userId": "ada"}
    assert invoke(api, "apigw_v2_users_create.json")["statusCode"] == 409
    fetched = invoke(api, "apigw_v2_users_get.json")
    assert response_json(fetched)["email"] == "ada@example.com"
    assert invoke(api, "apigw_v2_users_delete.json")["statusCode"] == 204
    assert invoke(api, "apigw_v2_users_get.json")["statusCode"] == 404


def test_health_echoes_the_callers_correlation_id(api: Any) -> None:
    response = invoke(api, "apigw_v2_health.json")
    assert response["statusCode"] == 200
    assert response_json(response)["status"] == "healthy"
    assert response["headers"]["x-correlation-id"] == "client-supplied-42"


def test_request_id_becomes_the_correlation_id_when_none_is_sent(api: Any) -> None:
    response = invoke(api, "apigw_v2_items_list.json")
    assert response["headers"]["x-correlation-id"] == "IcR8gjM9IAMEbqg="


def test_cors_preflight_through_lambda(api: Any) -> None:
    response = invoke(api, "apigw_v2_items_preflight.json")
    assert response["statusCode"] == 200
    assert response["headers"]["access-control-allow-origin"] == "https://app.example.com"


def test_the_app_is_built_once_per_container(api: Any) -> None:
    first = api.app
    invoke(api, "apigw_v2_health.json")
    invoke(api, "apigw_v2_health.json")
    assert api.app is first


def test_models_defined_in_the_block_defer_their_validators_and_only_those() -> None:
    with deferred_validators():

        class Deferred(BaseModel):
            n: int

    class Built(BaseModel):
        n: int

    assert not Deferred.__pydantic_complete__
    assert Built.__pydantic_complete__
    assert "defer_build" not in BaseModel.model_config
    assert Deferred.model_validate({"n": "3"}).n == 3  # built on first use, same rules
    with pytest.raises(ValueError, match="valid integer"):
        Deferred.model_validate({"n": "three"})


# A cold container: imports the entry, answers GET /health (the light front), then GET
# /api/v1/items and GET /openapi.json (the app); says which frameworks were loaded when,
# which validators were still unbuilt once the app was, and whether the QR encoder loaded.
_COLD_CONTAINER = """
import json, sys
import shortstack.entrypoints.lambda_api as api
frameworks = ("fastapi", "starlette", "mangum")
loaded = [any(name in sys.modules for name in frameworks)]
event = json.load(open(sys.argv[1]))
health = api.handler(event, None)
loaded.append(any(name in sys.modules for name in frameworks))
event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v1/items"
items = api.handler(event, None)
from fastapi.openapi.models import OpenAPI
from shortstack.entrypoints.http.schemas.links import LinkPublic
unbuilt = [not OpenAPI.__pydantic_complete__, not LinkPublic.__pydantic_complete__]
document_keys = len(api.app.openapi_schema or {})
event["rawPath"] = event["requestContext"]["http"]["path"] = "/openapi.json"
document = api.handler(event, None)
print(json.dumps({"loaded": loaded, "unbuilt": unbuilt, "document_keys": document_keys,
                  "segno": "segno" in sys.modules,
                  "health": health["statusCode"], "items": items["statusCode"],
                  "document": document}))
"""


def cold_container(**environ: str) -> dict[str, Any]:
    env = {**os.environ, "STORAGE": "memory", **environ}
    found = subprocess.run(
        # Every warning is an error: a model built later must be built as quietly.
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            _COLD_CONTAINER,
            str(EVENTS_DIR / "apigw_v2_health.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    answer: dict[str, Any] = json.loads(found.stdout.strip().splitlines()[-1])
    return answer


def test_a_cold_api_container_defers_the_openapi_models_and_documents_the_same_api() -> None:
    answer = cold_container()
    assert answer["loaded"] == [False, False]  # no framework for the import and GET /health
    assert answer["items"] == 200  # the app answered, loaded on demand
    assert answer["unbuilt"] == [True, False]  # FastAPI's OpenAPI models, not ours
    assert answer["document_keys"] == 0  # no document built at import
    assert answer["segno"] is False  # QR codes load their encoder when one is drawn (0115)
    assert answer["health"] == 200
    assert answer["document"]["statusCode"] == 200
    container = bootstrap(Settings(storage="memory"))
    try:
        expected = create_app(container).openapi()
    finally:
        container.close()
    assert response_json(answer["document"]) == json.loads(json.dumps(expected))


def test_under_snapstart_the_document_and_every_model_are_built_before_the_snapshot() -> None:
    answer = cold_container(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    assert answer["loaded"] == [True, True]  # the app is built before the snapshot
    assert answer["unbuilt"] == [False, False]
    assert answer["document_keys"] > 0
    assert answer["health"] == 200


def test_a_bulk_change_goes_through_the_app(api: Any) -> None:
    # The light front answers none of /api/v1/links/bulk: Mangum and FastAPI do, on the table.
    short_id = response_json(invoke(api, "apigw_v2_links_create.json"))["short_id"]
    event = load_event("apigw_v2_links_create.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v1/links/bulk"
    event["body"] = json.dumps({"action": "disable", "ids": [short_id, "no-such-link"]})
    event["headers"]["content-length"] = str(len(event["body"]))
    answer = api.handler(event, FakeLambdaContext())
    assert answer["statusCode"] == 200
    results = response_json(answer)["results"]
    assert [(r["id"], r["status"]) for r in results] == [(short_id, 200), ("no-such-link", 404)]
    fetched = invoke(api, "apigw_v2_links_get.json", id=short_id)
    assert response_json(fetched)["is_active"] is False
