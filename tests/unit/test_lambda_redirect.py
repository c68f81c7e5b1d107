"""Both Lambda entries for links, fed real API Gateway payload-2.0 events, on moto DynamoDB.

The redirect Lambda (`lambda_redirect.handler`) answers `GET/HEAD /{short_id}`; the API
Lambda (`lambda_api.handler`, Mangum) serves /shorten and /api/v1/links. Links made
through one are followed through the other, as in the AWS deployment.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.domain.links import create_link
from shortstack.domain.orphan_visits import browser_family
from shortstack.domain.visits import visitor_hash
from tests.concurrency import race
from tests.conftest import TABLE_NAME
from tests.counting import count_clients_built, count_events_built
from tests.event_tap import BusTap
from tests.lambda_support import (
    EVENTS_DIR,
    FakeLambdaContext,
    fresh_import,
    load_event,
    response_json,
)
from tests.stream_esm import committed_events

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HEAVY = ("fastapi", "pydantic", "pydantic_settings", "starlette", "mangum", "aws_lambda_powertools")


@pytest.fixture
def bus_tap(moto_dynamodb: Any) -> BusTap:
    return BusTap()


@pytest.fixture
def aws_env(moto_dynamodb: Any, bus_tap: BusTap, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sho.rt")
    return moto_dynamodb


@pytest.fixture
def redirect_lambda(aws_env: Any) -> Any:
    return fresh_import("shortstack.entrypoints.lambda_redirect")


@pytest.fixture
def api_lambda(aws_env: Any) -> Iterator[Any]:
    module = fresh_import("shortstack.entrypoints.lambda_api")
    yield module
    module.app.state.container.close()


JSON = "application/json"


def invoke(
    module: Any, fixture: str, accept: str | None = None, **placeholders: str
) -> dict[str, Any]:
    """The handler's answer to a fixture event; `accept` replaces the browser's Accept."""
    event = load_event(fixture, **placeholders)
    if accept is not None:
        event["headers"]["accept"] = accept
    response: dict[str, Any] = module.handler(event, FakeLambdaContext())
    return response


def shorten(api_lambda: Any) -> str:
    created = invoke(api_lambda, "apigw_v2_shorten.json")
    assert created["statusCode"] == 201, created
    short_id: str = response_json(created)["short_id"]
    return short_id


def clicks(api_lambda: Any, short_id: str) -> int:
    link = response_json(invoke(api_lambda, "apigw_v2_links_get.json", id=short_id))
    count: int = link["click_count"]
    return count


def clicked_events(tap: BusTap) -> list[Any]:
    """The LinkClicked events the table's stream announces (nothing goes to the bus)."""
    assert tap.events("LinkClicked") == []  # the redirect Lambda publishes nothing
    return committed_events(
        boto3.client("dynamodb", region_name="us-east-1"), TABLE_NAME, "LinkClicked"
    )


def test_shorten_then_follow_through_both_lambdas(
    bus_tap: BusTap, api_lambda: Any, redirect_lambda: Any
) -> None:
    created = invoke(api_lambda, "apigw_v2_shorten.json")
    body = response_json(created)
    assert body["short_url"] == f"https://sho.rt/{body['short_id']}"
    response = invoke(redirect_lambda, "apigw_v2_redirect_get.json", id=body["short_id"])
    assert response["statusCode"] == 302
    headers = response["headers"]
    assert headers["location"] == "https://www.example.com/blog/2026/launch?utm_source=mail"
    assert headers["cache-control"] == "private, max-age=0"
    assert headers["x-correlation-id"] == "JqLw2hR8FiAEMbg="  # API Gateway's request id
    assert headers["x-content-type-options"] == "nosniff"
    assert response["body"] == ""
    assert clicks(api_lambda, body["short_id"]) == 1
    [event] = clicked_events(bus_tap)
    assert event.detail == {
        "short_id": body["short_id"],
        "occurred_at": event.detail["occurred_at"],
        "referrer": "https://news.example.org",
        "user_agent": load_event("apigw_v2_redirect_get.json")["headers"]["user-agent"],
        "country": "FR",
        "visitor": None,  # API Gateway sends no CloudFront-Viewer-Address
        "rule": None,
        "variant": None,
    }
    assert datetime.fromisoformat(event.detail["occurred_at"]) == event.time


def test_mobile_visit_keeps_the_callers_correlation_id(
    bus_tap: BusTap, api_lambda: Any, redirect_lambda: Any
) -> None:
    short_id = shorten(api_lambda)
    response = invoke(redirect_lambda, "apigw_v2_redirect_get_mobile.json", id=short_id)
    assert response["statusCode"] == 302
    assert response["headers"]["x-correlation-id"] == "campaign-mail-7"
    [event] = clicked_events(bus_tap)
    assert (event.detail["country"], event.detail["referrer"]) == ("DE", None)


def test_head_from_a_link_unfurler_does_not_count(
    bus_tap: BusTap, api_lambda: Any, redirect_lambda: Any
) -> None:
    short_id = shorten(api_lambda)
    response = invoke(redirect_lambda, "apigw_v2_redirect_head.json", id=short_id)
    assert response["statusCode"] == 302
    assert response["headers"]["location"].startswith("https://www.example.com/")
    assert response["body"] == ""
    assert clicks(api_lambda, short_id) == 0
    assert clicked_events(bus_tap) == []


def test_full_link_lifecycle_across_the_two_lambdas(api_lambda: Any, redirect_lambda: Any) -> None:
    created = invoke(api_lambda, "apigw_v2_links_create.json")
    assert created["statusCode"] == 201
    link = response_json(created)
    assert (link["short_id"], link["redirect_status"], link["tags"]) == (
        "summer-sale",
        307,
        ["promo", "summer"],
    )
    assert invoke(api_lambda, "apigw_v2_links_create.json")["statusCode"] == 409
    listed = invoke(api_lambda, "apigw_v2_links_list.json")
    assert [item["short_id"] for item in response_json(listed)] == ["summer-sale"]

    followed = invoke(redirect_lambda, "apigw_v2_redirect_get.json", id="summer-sale")
    assert followed["statusCode"] == 307
    assert followed["headers"]["location"] == "https://shop.example.com/sale"

    disabled = invoke(api_lambda, "apigw_v2_links_update.json", id="summer-sale")
    assert response_json(disabled)["is_active"] is False
    gone = invoke(redirect_lambda, "apigw_v2_redirect_get.json", JSON, id="summer-sale")
    assert gone["statusCode"] == 410
    assert json.loads(gone["body"]) == {"message": "link is disabled"}
    assert gone["headers"]["cache-control"] == "no-store"
    assert gone["headers"]["content-type"] == "application/json"
    page = invoke(redirect_lambda, "apigw_v2_redirect_get.json", id="summer-sale")  # a browser
    assert (page["statusCode"], page["headers"]["content-type"]) == (
        410,
        "text/html; charset=utf-8",
    )
    assert "This link has been turned off" in page["body"]

    assert invoke(api_lambda, "apigw_v2_links_delete.json", id="summer-sale")["statusCode"] == 204
    missing = invoke(redirect_lambda, "apigw_v2_redirect_get.json", JSON, id="summer-sale")
    assert missing["statusCode"] == 404
    assert "not found" in json.loads(missing["body"])["message"]
    missing_page = invoke(redirect_lambda, "apigw_v2_redirect_get.json", id="summer-sale")
    assert (missing_page["statusCode"], "No link here" in missing_page["body"]) == (404, True)


def test_invalid_shorten_is_a_400_with_error(api_lambda: Any) -> None:
    response = invoke(api_lambda, "apigw_v2_shorten_invalid.json")
    assert response["statusCode"] == 400
    assert "javascript" in response_json(response)["error"]


def test_expired_and_used_up_links_are_410(aws_env: Any, redirect_lambda: Any) -> None:
    repo = DynamoDBLinkRepository(aws_env, TABLE_NAME)
    past = datetime.now(UTC) - timedelta(days=2)
    repo.add(
        create_link(
            short_id="old-link",
            owner="local",
            url="https://example.com/",
            now=past,
            expires_at=past + timedelta(days=1),
        )
    )
    now = datetime.now(UTC)
    repo.add(
        create_link(
            short_id="twice",
            owner="local",
            url="https://example.com/",
            now=now,
            expires_at=now + timedelta(days=1),
            max_visits=2,
        )
    )
    expired = invoke(redirect_lambda, "apigw_v2_redirect_get.json", JSON, id="old-link")
    assert (expired["statusCode"], json.loads(expired["body"])) == (
        410,
        {"message": "link has expired"},
    )
    statuses = [
        invoke(redirect_lambda, "apigw_v2_redirect_get.json", id="twice")["statusCode"]
        for _ in range(3)
    ]
    assert statuses == [302, 302, 410]
    head = invoke(redirect_lambda, "apigw_v2_redirect_head.json", id="twice")
    assert (head["statusCode"], head["body"]) == (410, "")


@pytest.mark.parametrize("short_id", ["ab", "api", "health", "has.dot", "%F0%9F%92%A9"])
def test_ids_that_cannot_be_links_are_404(redirect_lambda: Any, short_id: str) -> None:
    response = invoke(redirect_lambda, "apigw_v2_redirect_get.json", JSON, id=short_id)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["message"]


def test_other_methods_are_405(redirect_lambda: Any) -> None:
    event = load_event("apigw_v2_redirect_get.json", id="abc1234")
    event["requestContext"]["http"]["method"] = "PUT"
    response = redirect_lambda.handler(event, FakeLambdaContext())
    assert response["statusCode"] == 405


def test_a_storage_failure_is_a_logged_json_500(
    redirect_lambda: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(short_id: str, now: datetime) -> None:
        raise ConnectionError("DynamoDB unreachable")

    monkeypatch.setattr(redirect_lambda.redirects.links, "record_click", broken)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(redirect_lambda.log.handlers[0].formatter)
    redirect_lambda.log.addHandler(handler)
    try:
        response = invoke(redirect_lambda, "apigw_v2_redirect_get.json", id="abc1234")
    finally:
        redirect_lambda.log.removeHandler(handler)
    assert response["statusCode"] == 500
    assert "correlation id" in json.loads(response["body"])["message"]
    line = json.loads(stream.getvalue().splitlines()[0])
    assert line["level"] == "ERROR"
    assert line["correlation_id"] == "JqLw2hR8FiAEMbg="
    assert "DynamoDB unreachable" in line["exception"]


def test_the_api_lambda_answers_redirect_events_the_same_way(
    api_lambda: Any, redirect_lambda: Any
) -> None:
    short_id = shorten(api_lambda)
    for fixture, target in [
        ("apigw_v2_redirect_get.json", short_id),
        ("apigw_v2_redirect_head.json", short_id),
        ("apigw_v2_redirect_get.json", "missing1"),
    ]:
        light = invoke(redirect_lambda, fixture, id=target)
        full = invoke(api_lambda, fixture, id=target)
        assert light["statusCode"] == full["statusCode"], fixture
        # Mangum labels even an empty 30x body application/json (as API Gateway would).
        compared = ["location", "cache-control", "x-correlation-id"]
        if light["statusCode"] >= 400:
            compared.append("content-type")
        for name in compared:
            assert light["headers"].get(name) == full["headers"].get(name), name
        assert light["body"] == full["body"]


@pytest.mark.slow
def test_200_parallel_redirects_count_exactly_200(
    bus_tap: BusTap, api_lambda: Any, redirect_lambda: Any
) -> None:
    short_id = shorten(api_lambda)

    def follow(n: int) -> str:
        return str(invoke(redirect_lambda, "apigw_v2_redirect_get.json", id=short_id)["statusCode"])

    assert race(200, follow) == ["302"] * 200
    assert clicks(api_lambda, short_id) == 200
    assert len(clicked_events(bus_tap)) == 200


def test_50_racing_alias_creates_get_one_201_and_49_409s(api_lambda: Any) -> None:
    def create(n: int) -> str:
        # Mangum runs each event on the calling thread's event loop: give each thread one.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            return str(invoke(api_lambda, "apigw_v2_links_create.json")["statusCode"])
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    assert sorted(race(50, create)) == ["201"] + ["409"] * 49


@pytest.mark.slow
def test_the_redirect_lambda_loads_no_web_framework_validation_or_powertools() -> None:
    """In a fresh interpreter: importing the handler and answering an event loads none of HEAVY."""
    code = f"""
import json, os, sys
os.environ.update(STORAGE="dynamodb", STAGE="aws", TABLE_NAME="t-t", AWS_DEFAULT_REGION="eu-west-1")
import shortstack.entrypoints.lambda_redirect as entry
after_import = sorted(m for m in {HEAVY!r} if m in sys.modules)
from shortstack.adapters.memory.links import MemoryLinkRepository
entry.redirects.links = MemoryLinkRepository()
event = json.load(open({str(EVENTS_DIR / "apigw_v2_redirect_get.json")!r}))
status = entry.handler(event, None)["statusCode"]
after_event = sorted(m for m in {HEAVY!r} if m in sys.modules)
print(json.dumps([after_import, after_event, status, "boto3" in sys.modules]))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    after_import, after_event, status, has_boto3 = json.loads(out.stdout.strip().splitlines()[-1])
    assert after_import == []
    assert after_event == []
    assert status == 404
    assert has_boto3


def test_storage_memory_builds_the_in_memory_fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """STORAGE=memory (tests, bench/warm_overhead.py): counted redirects, a LinkClicked each."""
    monkeypatch.setenv("STORAGE", "memory")
    monkeypatch.setenv("STAGE", "local")
    entry = fresh_import("shortstack.entrypoints.lambda_redirect")
    now = datetime.now(UTC)
    link = create_link(
        short_id="memlink1",
        owner="local",
        url="https://example.com/memory",
        now=now,
        expires_at=now + timedelta(days=1),
    )
    entry.redirects.links.add(link)
    statuses = [invoke(entry, "apigw_v2_redirect_get.json", id="memlink1")["statusCode"]]
    statuses.append(invoke(entry, "apigw_v2_redirect_get.json", id="memlink1")["statusCode"])
    assert statuses == [302, 302]
    assert entry.redirects.links.get("memlink1").click_count == 2
    assert len(entry.redirects.uow.publisher.of_type("LinkClicked")) == 2


def test_sqlite_storage_is_refused_by_the_redirect_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("STAGE", "local")
    with pytest.raises(ValueError, match="STORAGE=dynamodb"):
        fresh_import("shortstack.entrypoints.lambda_redirect")


def test_a_function_url_event_through_cloudfront_redirects_and_records_the_viewer(
    aws_env: Any, api_lambda: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Payload 2.0 from a function URL: no route parameters, the path is the id."""
    monkeypatch.setenv("VISITOR_HASH_SALT", "s3cret")
    redirect_lambda = fresh_import("shortstack.entrypoints.lambda_redirect")
    short_id = shorten(api_lambda)
    response = invoke(redirect_lambda, "lambda_url_redirect_get.json", id=short_id)
    assert response["statusCode"] == 302
    assert response["headers"]["location"].startswith("https://www.example.com/")
    assert response["headers"]["x-correlation-id"] == "5d1f2c3b-8a9e-4f70-b6c1-2d3e4f5a6b7c"
    [event] = committed_events(aws_env, TABLE_NAME, "LinkClicked")
    assert (event.detail["country"], event.detail["referrer"]) == ("DE", "https://mail.example.net")
    expected = visitor_hash(
        "s3cret",
        event.time,
        "203.0.113.77",
        load_event("lambda_url_redirect_get.json")["headers"]["user-agent"],
    )
    assert event.detail["visitor"] == expected  # the viewer's, not CloudFront's address


def test_a_function_url_path_with_an_escaped_letter_names_the_same_link(
    api_lambda: Any, redirect_lambda: Any
) -> None:
    """A function URL hands the path on as the viewer sent it, escapes and all; `/%61bc` is
    the path `/abc` (RFC 3986, 6.2.2.2), as the local server and API Gateway read it."""
    short_id = shorten(api_lambda)
    escaped = f"%{ord(short_id[0]):02X}{short_id[1:]}"
    response = invoke(redirect_lambda, "lambda_url_redirect_get.json", id=escaped)
    assert response["statusCode"] == 302
    assert response["headers"]["location"].startswith("https://www.example.com/")
    assert clicks(api_lambda, short_id) == 1
    # An escaped "/" is still no short link's path.
    slash = invoke(redirect_lambda, "lambda_url_redirect_get.json", id=f"{short_id}%2Fx")
    assert slash["statusCode"] == 404


@pytest.mark.parametrize(
    "purpose", [{"sec-purpose": "prefetch;prerender"}, {"purpose": "prefetch"}]
)
def test_a_browser_prefetch_through_cloudfront_is_redirected_but_not_counted(
    aws_env: Any, api_lambda: Any, redirect_lambda: Any, purpose: dict[str, str]
) -> None:
    short_id = shorten(api_lambda)
    event = load_event("lambda_url_redirect_get.json", id=short_id)
    event["headers"].update(purpose)
    ahead = redirect_lambda.handler(event, FakeLambdaContext())
    assert ahead["statusCode"] == 302
    assert ahead["headers"]["location"].startswith("https://www.example.com/")
    assert clicks(api_lambda, short_id) == 0
    assert committed_events(aws_env, TABLE_NAME, "LinkClicked") == []
    followed = invoke(redirect_lambda, "lambda_url_redirect_get.json", id=short_id)
    assert followed["headers"]["location"] == ahead["headers"]["location"]
    assert clicks(api_lambda, short_id) == 1


def test_on_dynamodb_the_redirect_lambda_builds_one_boto3_client_for_the_table(
    api_lambda: Any, aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its cold start builds the table's client alone; the first orphan visit builds its own."""
    short_id = shorten(api_lambda)
    built = count_clients_built(monkeypatch)
    redirect_lambda = fresh_import("shortstack.entrypoints.lambda_redirect")
    assert built == {"dynamodb": 1}
    for fixture in ("apigw_v2_redirect_get.json", "lambda_url_redirect_get.json"):
        assert invoke(redirect_lambda, fixture, id=short_id)["statusCode"] == 302
    assert invoke(redirect_lambda, "apigw_v2_redirect_head.json", id=short_id)["statusCode"] == 302
    assert built == {"dynamodb": 1}
    orphan = invoke(redirect_lambda, "lambda_url_redirect_get.json", JSON, id="no-such-id")
    assert orphan["statusCode"] == 404
    assert built == {"dynamodb": 2}


def test_a_dynamodb_redirect_builds_no_event_and_the_stream_announces_it(
    aws_env: Any, api_lambda: Any, redirect_lambda: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The click's UpdateItem carries the visit; the stream consumer derives the event."""
    short_id = shorten(api_lambda)
    crawler = load_event("apigw_v2_redirect_get.json", id=short_id)
    crawler["headers"]["user-agent"] = GOOGLEBOT
    built = count_events_built(monkeypatch)
    assert invoke(redirect_lambda, "apigw_v2_redirect_get.json", id=short_id)["statusCode"] == 302
    assert redirect_lambda.handler(crawler, None)["statusCode"] == 302
    assert built == []
    monkeypatch.undo()
    [clicked] = committed_events(aws_env, TABLE_NAME, "LinkClicked")
    [crawled] = committed_events(aws_env, TABLE_NAME, "LinkVisitedByBot")
    assert clicked.detail["short_id"] == crawled.detail["short_id"] == short_id
    assert crawled.detail["bot"] == "crawler"


@pytest.mark.parametrize("path", ["/", "/a/b", "/favicon.ico", "/api"])
def test_a_function_url_path_that_is_not_one_short_id_is_404(
    redirect_lambda: Any, path: str
) -> None:
    event = load_event("lambda_url_redirect_get.json", id="x")
    event["headers"]["accept"] = JSON
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    response = redirect_lambda.handler(event, None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["message"]


def test_an_unknown_id_through_cloudfront_is_an_orphan_visit_the_api_lists(
    aws_env: Any, api_lambda: Any, redirect_lambda: Any
) -> None:
    for _ in range(2):
        response = invoke(redirect_lambda, "lambda_url_redirect_get.json", JSON, id="no-such-id")
        assert response["statusCode"] == 404
    assert (
        invoke(redirect_lambda, "lambda_url_redirect_get.json", JSON, id="api")["statusCode"] == 404
    )
    assert committed_events(aws_env, TABLE_NAME, "LinkClicked") == []
    event = load_event("apigw_v2_links_list.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v1/visits/orphan"
    event["rawQueryString"] = ""
    listed = response_json(api_lambda.handler(event, FakeLambdaContext()))
    [row] = listed
    user_agent = load_event("lambda_url_redirect_get.json")["headers"]["user-agent"]
    assert (row["path"], row["visits"], row["referrer_host"]) == (
        "/no-such-id",
        2,
        "mail.example.net",
    )
    assert row["browser"] == browser_family(user_agent)
