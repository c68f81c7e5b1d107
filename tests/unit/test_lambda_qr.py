"""A link's QR code through the API Lambda: an <img>'s GET, as CloudFront hands it on."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TABLE_NAME
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event, response_json
from tests.qr_decoding import decode_png, png_pixels


@pytest.fixture
def api(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    module = fresh_import("shortstack.entrypoints.lambda_api")
    yield module
    module.app.state.container.close()


def test_an_img_gets_the_png_of_the_short_url_on_the_viewers_host(api: Any) -> None:
    """No token (the route is public), the picture base64 in the proxy answer, and the
    code encodes the host the viewer addressed through the distribution (0404)."""
    event = load_event("apigw_v2_links_create.json")
    event["headers"]["x-forwarded-host"] = "sho.rt"
    created = response_json(api.handler(event, FakeLambdaContext()))
    assert created["short_url"].startswith("https://sho.rt/")
    answer = api.handler(
        load_event("apigw_v2_qr_get.json", id=created["short_id"]), FakeLambdaContext()
    )
    assert answer["statusCode"] == 200
    assert answer["headers"]["content-type"] == "image/png"
    assert answer["headers"]["cache-control"] == "public, max-age=3600"
    assert answer["isBase64Encoded"] is True
    picture = base64.b64decode(answer["body"])
    assert png_pixels(picture)[:2] == (256, 256)
    assert decode_png(picture) == [created["short_url"]]


def test_an_unknown_link_gets_the_redirects_404_as_json(api: Any) -> None:
    answer = api.handler(load_event("apigw_v2_qr_get.json", id="nosuch1"), FakeLambdaContext())
    assert answer["statusCode"] == 404
    assert "not found" in response_json(answer)["message"]


def test_head_and_a_revalidation_through_the_lambda(api: Any) -> None:
    created = response_json(
        api.handler(load_event("apigw_v2_links_create.json"), FakeLambdaContext())
    )

    def qr_event(method: str, **headers: str) -> dict[str, Any]:
        event = load_event("apigw_v2_qr_get.json", id=created["short_id"])
        event["requestContext"]["http"]["method"] = method
        event["rawQueryString"] = "format=svg"
        event["queryStringParameters"] = {"format": "svg"}
        event["headers"].update(headers)
        return event

    got = api.handler(qr_event("GET"), FakeLambdaContext())
    assert got["headers"]["content-type"] == "image/svg+xml"
    head = api.handler(qr_event("HEAD"), FakeLambdaContext())
    assert head["statusCode"] == 200
    # Mangum hands a HEAD's body on, as for every HEAD the app answers; HTTP framing keeps
    # it off the wire (API Gateway, CloudFront). The headers are the GET's.
    for name in ("etag", "content-type", "content-length", "cache-control"):
        assert head["headers"][name] == got["headers"][name]
    again = api.handler(
        qr_event("GET", **{"if-none-match": got["headers"]["etag"]}), FakeLambdaContext()
    )
    assert (again["statusCode"], again.get("body") or "") == (304, "")
