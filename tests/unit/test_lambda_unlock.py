"""The password flow on AWS, fed real payload-2.0 events.

A browser's GET reaches the redirect function through its URL (CloudFront) and gets
the form; the form posts to the public route `POST /api/v1/unlock/{short_id}`, which
API Gateway hands to the API function (docs/decisions/0106), the body base64-encoded
as API Gateway delivers a form.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.domain.links import create_link
from shortstack.domain.passwords import WRONG_ATTEMPTS_MAX, ScryptCost, hash_password
from tests.conftest import TABLE_NAME
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event

PASSWORD = "open sesame"
# What the distribution adds to every request it sends the API (the IaC sets both ends).
ORIGIN_SECRET = "b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


@pytest.fixture
def aws(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sho.rt")
    monkeypatch.setenv("CLOUDFRONT_ORIGIN_SECRET", ORIGIN_SECRET)
    now = datetime.now(UTC)
    DynamoDBLinkRepository(moto_dynamodb, TABLE_NAME).add(
        create_link(
            short_id="locked1",
            owner="alice",
            url="https://example.com/secret",
            now=now,
            expires_at=now + timedelta(days=1),
            password_hash=hash_password(PASSWORD, ScryptCost(log2_n=4, r=1, p=1)),
        )
    )
    return moto_dynamodb


@pytest.fixture
def redirect_lambda(aws: Any) -> Any:
    return fresh_import("shortstack.entrypoints.lambda_redirect")


@pytest.fixture
def api_lambda(aws: Any) -> Iterator[Any]:
    module = fresh_import("shortstack.entrypoints.lambda_api")
    yield module
    module.app.state.container.close()


def unlock(
    module: Any,
    password: str,
    accept: str | None = None,
    source_ip: str = "198.51.100.23",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> Any:
    event = load_event("apigw_v2_unlock_post.json", id="locked1")
    event["requestContext"]["http"]["sourceIp"] = source_ip
    event["headers"].update(headers or {})
    body = urlencode({"password": password, **fields}).encode()
    event["body"] = base64.b64encode(body).decode()
    if accept is not None:
        event["headers"]["accept"] = accept
    return module.handler(event, FakeLambdaContext())


def follow(module: Any, accept: str) -> Any:
    event = load_event("lambda_url_redirect_get.json", id="locked1")
    event["headers"]["accept"] = accept
    return module.handler(event, FakeLambdaContext())


def clicks(moto_dynamodb: Any) -> int:
    link = DynamoDBLinkRepository(moto_dynamodb, TABLE_NAME).get("locked1")
    assert link is not None
    return link.click_count


def test_a_browser_gets_the_form_posting_to_the_public_unlock_route(
    redirect_lambda: Any, moto_dynamodb: Any
) -> None:
    page = follow(redirect_lambda, "text/html")
    assert page["statusCode"] == 200
    assert page["headers"]["cache-control"] == "no-store"
    # No script may run on the page: the form is plain HTML, nothing hashes its body.
    assert page["headers"]["content-security-policy"].startswith("default-src 'none'; ")
    assert "script-src" not in page["headers"]["content-security-policy"]
    assert 'action="/api/v1/unlock/locked1"' in page["body"]
    machine = follow(redirect_lambda, "application/json")
    assert machine["statusCode"] == 401
    assert json.loads(machine["body"])["form"]["action"] == "/api/v1/unlock/locked1"
    assert clicks(moto_dynamodb) == 0


def test_the_right_password_redirects_and_counts_a_wrong_one_is_401_with_the_form(
    api_lambda: Any, moto_dynamodb: Any
) -> None:
    wrong = unlock(api_lambda, "not it")
    assert wrong["statusCode"] == 401
    assert 'name="password"' in wrong["body"]
    assert clicks(moto_dynamodb) == 0
    right = unlock(api_lambda, PASSWORD)
    assert (right["statusCode"], right["headers"]["location"]) == (
        302,
        "https://example.com/secret",
    )
    assert clicks(moto_dynamodb) == 1


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_enter_on_the_unlock_address_leads_back_to_the_form(
    api_lambda: Any, moto_dynamodb: Any, method: str
) -> None:
    # After a wrong password the address bar shows the form's target: Enter there is a GET,
    # which API Gateway's public route hands the API function like the form's POST.
    wrong = unlock(api_lambda, "not it")
    assert wrong["statusCode"] == 401
    event = load_event("apigw_v2_unlock_post.json", id="locked1")
    event["routeKey"] = event["requestContext"]["routeKey"] = (
        f"{method} /api/v1/unlock/{{short_id}}"
    )
    event["requestContext"]["http"]["method"] = method
    for name in ("content-length", "content-type", "origin"):
        del event["headers"][name]
    event.pop("body")
    event["isBase64Encoded"] = False
    back = api_lambda.handler(event, FakeLambdaContext())
    assert (back["statusCode"], back["headers"]["location"]) == (303, "/locked1")
    assert not back.get("body")
    # Back on the form: the next wrong password is the second of five, not a 429.
    statuses = [unlock(api_lambda, f"guess {n}")["statusCode"] for n in range(5)]
    assert statuses == [401] * (WRONG_ATTEMPTS_MAX - 1) + [429]
    assert clicks(moto_dynamodb) == 0


def test_wrong_passwords_from_one_client_end_in_429_with_retry_after(
    api_lambda: Any, moto_dynamodb: Any
) -> None:
    statuses = [unlock(api_lambda, f"guess {n}")["statusCode"] for n in range(7)]
    assert statuses == [401] * WRONG_ATTEMPTS_MAX + [429] * (7 - WRONG_ATTEMPTS_MAX)
    limited = unlock(api_lambda, PASSWORD, accept="application/json")
    assert limited["statusCode"] == 429
    assert 1 <= int(limited["headers"]["retry-after"]) <= 15 * 60
    assert clicks(moto_dynamodb) == 0
    # The limit is per client: API Gateway's sourceIp names it.
    other = unlock(api_lambda, PASSWORD, source_ip="203.0.113.50")
    assert other["statusCode"] == 302
    assert clicks(moto_dynamodb) == 1


def test_a_form_in_a_content_coding_is_a_415_page_for_a_browser_json_for_others(
    api_lambda: Any, moto_dynamodb: Any
) -> None:
    # API Gateway hands two Content-Encoding lines over joined, as one list.
    coded = {"content-encoding": "identity, gzip"}
    page = unlock(api_lambda, PASSWORD, headers=coded)
    assert (page["statusCode"], page["headers"]["content-type"]) == (
        415,
        "text/html; charset=utf-8",
    )
    assert page["headers"]["accept-encoding"] == "identity"
    assert "Content-Encoding identity, gzip is not supported" in page["body"]
    machine = unlock(api_lambda, PASSWORD, accept="application/json", headers=coded)
    assert machine["statusCode"] == 415
    assert json.loads(machine["body"])["message"].startswith("Content-Encoding identity, gzip ")
    assert clicks(moto_dynamodb) == 0


def test_a_form_with_another_field_is_a_400(api_lambda: Any) -> None:
    response = unlock(api_lambda, PASSWORD, accept="application/json", csrf="x")
    assert response["statusCode"] == 400
    assert "one field" in json.loads(response["body"])["message"]


def through_cloudfront(viewer: str, secret: str = ORIGIN_SECRET) -> dict[str, str]:
    """What the distribution's origin request adds: its secret, and the viewer's address
    from its viewer-request function and from CloudFront's own header."""
    return {
        "x-shortstack-origin-secret": secret,
        "x-shortstack-viewer-ip": viewer,
        "cloudfront-viewer-address": f"{viewer}:443",
    }


@pytest.mark.parametrize("secret", [None, "", "a guess", ORIGIN_SECRET[:-1]])
def test_straight_to_the_api_a_forged_viewer_address_is_ignored(
    api_lambda: Any, moto_dynamodb: Any, secret: str | None
) -> None:
    # The execute-api endpoint answers anyone: without the distribution's secret a
    # CloudFront-Viewer-Address is the client's own words, and sourceIp names the client.
    def forged(n: int) -> dict[str, str]:
        headers = through_cloudfront(f"203.0.113.{n}", secret or "")
        if secret is None:
            del headers["x-shortstack-origin-secret"]
        return headers

    statuses = [unlock(api_lambda, "guess", headers=forged(n))["statusCode"] for n in range(7)]
    assert statuses == [401] * WRONG_ATTEMPTS_MAX + [429] * (7 - WRONG_ATTEMPTS_MAX)
    assert unlock(api_lambda, PASSWORD, headers=forged(99))["statusCode"] == 429
    assert clicks(moto_dynamodb) == 0


def test_through_the_distribution_each_viewer_address_has_its_own_limit(
    api_lambda: Any, moto_dynamodb: Any
) -> None:
    # Every request through CloudFront comes from an edge's address (one sourceIp here):
    # with the secret the viewer's address is CloudFront's header, so one guesser behind an
    # edge does not lock out the next viewer there.
    guesser = through_cloudfront("203.0.113.7")
    statuses = [unlock(api_lambda, "guess", headers=guesser)["statusCode"] for n in range(6)]
    assert statuses == [401] * WRONG_ATTEMPTS_MAX + [429]
    other = unlock(api_lambda, PASSWORD, headers=through_cloudfront("198.51.100.8"))
    assert other["statusCode"] == 302
    assert clicks(moto_dynamodb) == 1


def test_through_the_distribution_the_functions_address_outranks_a_sent_one(
    api_lambda: Any, moto_dynamodb: Any
) -> None:
    # Whether CloudFront replaces a CloudFront-Viewer-Address the viewer sent on /api/* is
    # not documented; the viewer-request function's header is CloudFront's record of the
    # connection, written over any the viewer sent, so it decides (decision 0704).
    def forged(n: int) -> dict[str, str]:
        return {**through_cloudfront("203.0.113.7"), "cloudfront-viewer-address": f"192.0.2.{n}:1"}

    statuses = [unlock(api_lambda, "guess", headers=forged(n))["statusCode"] for n in range(6)]
    assert statuses == [401] * WRONG_ATTEMPTS_MAX + [429]
    assert clicks(moto_dynamodb) == 0
