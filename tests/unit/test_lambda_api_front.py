"""The API Lambda's light front answers exactly as the FastAPI app behind Mangum does.

Two containers, on two tables of one moto DynamoDB, with the same clock and the same
sequence of random ids: the first answers through the Lambda's handler logic (the front,
or the app when the front passes), the second through the app alone. Every event, good
and bad, must get the same status, headers and body bytes from both.
"""

from __future__ import annotations

import base64
import copy
import gzip
import itertools
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from mangum import Mangum

from shortstack.adapters.dynamodb.table import create_table
from shortstack.api_config import load_api_settings
from shortstack.bootstrap import Container, bootstrap
from shortstack.config import Settings
from shortstack.domain.auth import Principal
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.lambda_api_front import FallThrough, Front
from shortstack.light_wiring import front_services
from tests.auth_support import JWT_SETTINGS, access_token
from tests.conftest import TABLE_NAME
from tests.lambda_support import FakeLambdaContext, load_event

TWIN_TABLE = "shortstack-twin"
NOW = datetime(2026, 11, 24, 9, 15, 42, 123456, tzinfo=UTC)
ORIGIN = "https://app.example.com"
Handler = Callable[[dict[str, Any]], dict[str, Any]]


class Pair:
    """The same deployment twice: through the front (and its fallback), and through the app."""

    def __init__(self, moto: Any, **settings: Any) -> None:
        create_table(moto, TWIN_TABLE)
        self.containers = [self._container(table, settings) for table in (TABLE_NAME, TWIN_TABLE)]
        # The front runs on its own light wiring and settings reader, as on Lambda before
        # the app is needed; the app it falls back to draws from the same sequence of ids.
        environment = {
            name: str(value) for name, value in self._fields(TABLE_NAME, settings).items()
        }
        light_settings = load_api_settings(environment)
        assert light_settings is not None
        services = front_services(light_settings, moto, clock=lambda: NOW)
        services.links.new_id = self.containers[0].links.new_id
        self.front = Front(services)
        self.apps = [Mangum(create_app(c), lifespan="off") for c in self.containers]
        self.answered_by_front: list[bool] = []

    @staticmethod
    def _fields(table: str, settings: dict[str, Any]) -> dict[str, Any]:
        return {
            "storage": "dynamodb",
            "stage": "aws",
            "table_name": table,
            "frontend_origin": ORIGIN,
            **settings,
        }

    @classmethod
    def _container(cls, table: str, settings: dict[str, Any]) -> Container:
        container = bootstrap(Settings(**cls._fields(table, settings)), clock=lambda: NOW)
        ids = (f"id{n:05d}" for n in itertools.count())
        container.links.new_id = lambda: next(ids)
        return container

    def light(self, event: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.front(copy.deepcopy(event))
        except FallThrough:
            self.answered_by_front.append(False)
            return self.apps[0](copy.deepcopy(event), FakeLambdaContext())
        self.answered_by_front.append(True)
        return answer

    def full(self, event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.apps[1](copy.deepcopy(event), FakeLambdaContext())
        return response

    def same(self, event: dict[str, Any]) -> dict[str, Any]:
        """Both answers, which must be equal; returns the light one."""
        light, full = self.light(event), self.full(event)
        assert light == full
        return light

    def by_front(self, event: dict[str, Any]) -> dict[str, Any]:
        answer = self.same(event)
        assert self.answered_by_front[-1], "the front passed a request it should answer"
        return answer

    def by_app(self, event: dict[str, Any]) -> dict[str, Any]:
        answer = self.same(event)
        assert not self.answered_by_front[-1], "the front answered a request it should pass"
        return answer

    def close(self) -> None:
        for container in self.containers:
            container.close()


@pytest.fixture(autouse=True)
def same_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A link's first version is random: the two tables of a pair must agree on it, since
    the ETags the two answers carry are compared."""
    monkeypatch.setattr("shortstack.domain.links.new_version", lambda: 7)


@pytest.fixture
def pair(moto_dynamodb: Any) -> Iterator[Pair]:
    made = Pair(moto_dynamodb)
    yield made
    made.close()


def event(name: str, **placeholders: str) -> dict[str, Any]:
    return load_event(name, **placeholders)


def at(path: str, query: str = "", method: str = "GET", **headers: str) -> dict[str, Any]:
    found = event("apigw_v2_links_get.json")
    found["rawPath"] = found["requestContext"]["http"]["path"] = path
    found["requestContext"]["http"]["method"] = method
    found["rawQueryString"] = query
    found["headers"].update(headers)
    return found


def create(
    body: Any, *, raw: bytes | None = None, content_type: str = "application/json", **headers: str
) -> dict[str, Any]:
    found = event("apigw_v2_links_create.json")
    data = raw if raw is not None else json.dumps(body).encode()
    found["headers"]["content-type"] = content_type
    found["headers"]["content-length"] = str(len(data))
    found["headers"].update(headers)
    try:
        found["body"] = data.decode()
        found["isBase64Encoded"] = False
    except UnicodeDecodeError:
        found["body"] = base64.b64encode(data).decode()
        found["isBase64Encoded"] = True
    return found


BODY = {"url": "https://shop.example.com/sale", "alias": "summer-sale", "tags": ["promo"]}


def test_health_and_the_correlation_id(pair: Pair) -> None:
    health = pair.by_front(event("apigw_v2_health.json"))
    assert health["statusCode"] == 200
    assert health["headers"]["x-correlation-id"] == "client-supplied-42"
    for offered in ("", "not safe!", "x" * 200):
        changed = event("apigw_v2_health.json")
        changed["headers"]["x-correlation-id"] = offered
        light = pair.light(changed)
        full = pair.full(changed)
        # A refused id is replaced by a fresh random one: only that header may differ.
        assert light["headers"].pop("x-correlation-id") != offered
        assert full["headers"].pop("x-correlation-id") != offered
        assert light == full
    assert pair.by_front(at("/health", "anything=1"))["statusCode"] == 200
    assert pair.by_front(at("/health", origin=ORIGIN))["headers"]["vary"] == "Origin"


def test_health_of_any_service_name_and_version(moto_dynamodb: Any) -> None:
    """Health's text as the deployment names it: markup, escapes, non-ASCII, emoji."""
    named = Pair(moto_dynamodb, service_name=AWKWARD.strip(), version="2.0.0+café😀")
    try:
        answer = named.by_front(event("apigw_v2_health.json"))
        assert json.loads(answer["body"])["version"] == "2.0.0+café😀"
    finally:
        named.close()


def test_create_read_and_list_links(pair: Pair) -> None:
    created = pair.by_front(event("apigw_v2_links_create.json"))
    assert created["statusCode"] == 201
    random_id = pair.by_front(create({"url": "https://example.org/a", "tags": ["promo"]}))
    assert json.loads(random_id["body"])["short_id"] == "id00000"
    for n in range(3):
        pair.by_front(create({"url": f"https://example.org/{n}", "expires_at": None}))
    got = pair.by_front(event("apigw_v2_links_get.json", id="summer-sale"))
    assert got["statusCode"] == 200
    assert json.loads(got["body"])["short_url"].startswith("https://a1b2c3d4e5.execute-api")
    assert pair.by_front(event("apigw_v2_links_get.json", id="nope"))["statusCode"] == 404
    assert pair.by_front(event("apigw_v2_links_list.json"))["statusCode"] == 200
    page = pair.by_front(at("/api/v1/links", "limit=2"))
    assert page["headers"]["x-next-cursor"]
    assert page["headers"]["link"].endswith('rel="next"')
    cursor = page["headers"]["x-next-cursor"]
    pair.by_front(at("/api/v1/links", f"limit=2&cursor={cursor}"))
    pair.by_front(at("/api/v1/links", "tag=promo&limit=1"))
    pair.by_front(at("/api/v1/links", "tag="))
    pair.by_front(at("/api/v1/links", "tag=%C3%A9t%C3%A9&limit=5"))
    pair.by_front(at("/api/v1/links", "tag=bad%00tag"))
    pair.by_front(at("/api/v1/links", "cursor="))
    assert pair.by_front(at("/api/v1/links", "cursor=garbage"))["statusCode"] == 400
    # Behind CloudFront the short URL takes the viewer's host.
    behind = at("/api/v1/links/summer-sale", **{"x-forwarded-host": "go.example.com"})
    assert json.loads(pair.by_front(behind)["body"])["short_url"] == (
        "https://go.example.com/summer-sale"
    )


# Text JSON escapes or might: quotes, backslash, solidus, markup, the line and paragraph
# separators, non-ASCII and emoji.
AWKWARD = 'Say "hi" \\ a/b </script> <b> \u2028\u2029 café 日本 😀👍🏽 \t'


def test_every_kind_of_link_reads_alike_through_the_front(pair: Pair) -> None:
    bodies = [
        {"url": "https://example.org/plain", "alias": "plain1", "tags": ["promo"]},
        {
            "url": "https://example.org/every?x=1",
            "alias": "every1",
            "title": AWKWARD,
            "tags": ["promo", "summer.sale"],
            "expires_at": "2026-12-24T10:00:00.5Z",
            "max_visits": 50,
            "redirect_status": 307,
            "fallback_url": "https://example.org/fallback",
            "password": "correct horse",
            "forward_query": True,
            "rules": [
                {"url": "https://example.org/ios", "device": "ios"},
                {"url": "https://example.org/fr", "language": "fr", "country": "FR"},
                {"url": "https://example.org/q", "query": {"utm": "mail", "ref": "x"}},
            ],
            "variants": [
                {"url": "https://example.org/a", "weight": 3},
                {"url": "https://example.org/b", "weight": 1},
            ],
            "preview": {
                "title": AWKWARD,
                "description": "Line\u2028two",
                "image_url": "https://example.org/card.png",
            },
        },
        {
            "url": "https://example.org/later",
            "alias": "later1",
            "valid_since": "2027-01-01T00:00:00Z",
            "expires_at": None,
        },
        {"url": "https://example.org/never", "alias": "never1", "expires_at": None},
        {
            "url": "https://example.org/gone",
            "alias": "gone1",
            "ttl_days": 1,
            "preview": {"title": "t"},
        },
        {"url": "https://example.org/ünï/😀?q=é", "alias": "unicode1", "title": "😀"},
    ]
    for body in bodies:
        made = pair.same(create(body))
        assert made["statusCode"] == 201, made["body"]
    for body in bodies:
        got = pair.by_front(event("apigw_v2_links_get.json", id=body["alias"]))
        assert got["statusCode"] == 200, got
        assert json.loads(got["body"])["short_id"] == body["alias"]
    # Pages of them, whole and one or two at a time following the cursor, with a tag filter
    # and without, and an empty one.
    for query in ("", "limit=1", "limit=2", "tag=promo", "tag=promo&limit=1", "tag=none-such"):
        page = pair.by_front(at("/api/v1/links", query))
        pages = 1
        while "x-next-cursor" in page["headers"]:
            cursor = page["headers"]["x-next-cursor"]
            page = pair.by_front(at("/api/v1/links", f"{query}&cursor={cursor}"))
            pages += 1
        assert pages == {"limit=1": 6, "limit=2": 3, "tag=promo&limit=1": 2}.get(query, 1)
    assert json.loads(pair.by_front(at("/api/v1/links"))["body"])[0]["title"] == "😀"
    assert pair.by_front(at("/api/v1/links", "tag=none-such"))["body"] == "[]"
    # The domain's 404, and the ids no link can have (too long: the app's 422 or 404).
    assert pair.by_front(event("apigw_v2_links_get.json", id="missing1"))["statusCode"] == 404
    assert pair.by_front(event("apigw_v2_links_get.json", id="ab"))["statusCode"] == 404
    pair.same(event("apigw_v2_links_get.json", id="x" * 65))


def test_domain_errors_of_a_create(pair: Pair) -> None:
    pair.by_front(create(BODY))
    taken = pair.by_front(create(BODY))
    assert taken["statusCode"] == 409
    unsafe = pair.by_front(create({"url": "http://127.0.0.1/admin"}))
    assert unsafe["statusCode"] == 422
    reserved = pair.by_front(create({"url": "https://example.org", "alias": "health"}))
    assert reserved["statusCode"] == 422
    own = pair.by_front(create({"url": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/x"}))
    assert own["statusCode"] == 422


def test_bad_bodies_are_the_apps_to_word(pair: Pair) -> None:
    cases = [
        create(None, raw=b'{"url": '),  # not JSON
        create(None, raw=b'{"url": "https://example.org/\xff"}'),  # not UTF-8
        create(None, raw=b"[" * 100_000 + b"]" * 100_000),  # nested too deeply
        create(None, raw=b""),
        create([BODY]),  # not an object
        create({"url": "https://example.org", "colour": "red"}),  # unknown field
        create({"url": 5}),
        create({"url": "https://example.org", "ttl_days": "5"}),
        create({"url": "https://example.org", "expires_at": "tomorrow"}),
        create(BODY, content_type="text/plain"),
        create(BODY, content_type="application/merge-patch+json"),
        create({"url": "https://example.org/" + "a" * 1_100_000}),  # over the body limit
    ]
    huge = create(BODY)
    huge["headers"]["content-length"] = "99999999"
    declared_wrong = create(BODY)
    declared_wrong["headers"]["content-length"] = "twelve"
    with_query = create(BODY)
    with_query["rawQueryString"] = "url=x"
    statuses = [pair.by_app(case)["statusCode"] for case in [*cases, huge, declared_wrong]]
    # application/*+json is JSON to FastAPI: the app created that one.
    assert statuses == [422, 400, 400, 422, 422, 422, 422, 422, 422, 422, 201, 413, 413, 400]
    assert pair.by_app(with_query)["statusCode"] == 409


def test_the_front_reads_a_body_as_json_loads_and_validation_do(pair: Pair) -> None:
    """pydantic-core reads the body's bytes itself: what it takes, it takes as the app does."""
    url = '"url": "https://example.org/a"'
    taken = [
        b'{"url": "https://example.org/first", ' + url.encode() + b"}",  # the last key wins
        b" \n\t{" + url.encode() + b', "ttl_days": 2.0, "max_visits": 1e1}\r\n ',
        b'{"url": "https:\\/\\/example.org\\/caf\\u00e9", "max_visits": 0.1e2}',
        b"{" + url.encode() + b', "title": "\\ud83d\\ude00 \\"quoted\\" \\\\"}',
        b"{" + url.encode() + b', "title": "caf\xc3\xa9", "expires_at": null}',
        b"{" + url.encode() + b', "variants": [{"url": "https://example.org/b", "weight": "3"}]}',
        b"{" + url.encode() + b', "rules": [{"url": "https://example.org/c", '
        b'"query": {"k": "1", "k": "2"}}]}',
    ]
    for raw in taken:
        assert pair.by_front(create(None, raw=raw))["statusCode"] == 201
    passed = [
        b"\xef\xbb\xbf{" + url.encode() + b"}",  # json.loads skips a byte order mark
        b"{" + url.encode() + b', "ttl_days": NaN}',
        b"{" + url.encode() + b', "ttl_days": 01}',
        b"{" + url.encode() + b', "title": "\\ud800"}',
        b"{" + url.encode() + b', "title": "a\tb"}',
        b"{" + url.encode() + b",}",
        b"{" + url.encode() + b"} {}",
    ]
    statuses = [pair.by_app(create(None, raw=raw))["statusCode"] for raw in passed]
    assert statuses == [201, 422, 422, 422, 422, 422, 422]


def test_unusual_requests_are_the_apps(pair: Pair) -> None:
    pair.by_front(create(BODY))
    for path, query in [
        ("/api/v1/links/", ""),
        ("/api/v1/links/summer%2Dsale", ""),
        ("/api/v1/links/with.dot", ""),
        ("/api/v1/links/batch", ""),
        ("/api/v1/links/bulk", ""),
        ("/api/v1/links", "limit=0"),
        ("/api/v1/links", "limit=101"),
        ("/api/v1/links", "limit=ten"),
        ("/api/v1/links", "limit=1&limit=2"),
        ("/api/v1/links", "q=sale"),
        ("/api/v1/links", "state=active"),
        ("/api/v1/links", "sort=clicks&page=1"),
        ("/api/v1/links", "tag=" + "t" * 65),
        ("/api/v1/links", "tag=été"),
        ("/api/v1/links", "cursor=" + "c" * 1025),
        ("/api/v1/links", "x=" + "y" * 9000),  # 414
        ("/api/v1/links/summer-sale/stats", ""),
        ("/health/", ""),
        ("/openapi.json", ""),
    ]:
        pair.by_app(at(path, query))
    assert pair.by_app(at("/api/v1/links", "x=" + "y" * 9000))["statusCode"] == 414
    big_headers = at("/api/v1/links", **{f"x-h{n}": "v" * 1000 for n in range(20)})
    assert pair.by_app(big_headers)["statusCode"] == 431
    pair.by_app(at("/api/v1/links", method="HEAD"))
    pair.by_app(at("/api/v1/links/summer-sale", method="DELETE"))
    pair.by_app(event("apigw_v2_items_preflight.json"))
    pair.by_app(at("/api/v1/links", accept="text/csv"))
    assert pair.by_app(at("/api/v1/links", **{"content-length": "99999999"}))["statusCode"] == 413
    assert pair.by_app(at("/api/v1/links", **{"content-length": "many"}))["statusCode"] == 400
    with_body = at("/api/v1/links/summer-sale")
    with_body["body"] = "{}"
    pair.by_app(with_body)
    pair.by_app(at("/api/v1/links/summer-sale", **{"x-forwarded-host": "gö.example"}))
    pair.by_app(at("/api/v1/links", **{"X-Upper": "1"}))
    with_cookies = at("/api/v1/links")
    with_cookies["cookies"] = ["a=b"]
    pair.by_app(with_cookies)


def test_cors_headers(pair: Pair) -> None:
    allowed = pair.by_front(at("/api/v1/links", origin=ORIGIN))
    assert allowed["headers"]["access-control-allow-origin"] == ORIGIN
    refused = pair.by_front(at("/api/v1/links", origin="https://evil.example"))
    assert "access-control-allow-origin" not in refused["headers"]
    assert pair.by_front(create(BODY, origin=ORIGIN))["statusCode"] == 201
    assert pair.by_front(at("/api/v1/links/nope", origin=ORIGIN))["statusCode"] == 404


@pytest.fixture
def jwt_pair(moto_dynamodb: Any) -> Iterator[Pair]:
    made = Pair(moto_dynamodb, auth_mode="jwt", trust_gateway_claims=True, **JWT_SETTINGS)
    yield made
    made.close()


def claims_event(path: str, method: str = "GET", **changes: Any) -> dict[str, Any]:
    found = event("apigw_v2_users_me_jwt.json")
    found["rawPath"] = found["requestContext"]["http"]["path"] = path
    found["requestContext"]["http"]["method"] = method
    found.update(changes)
    return found


def test_callers_in_jwt_mode(jwt_pair: Pair) -> None:
    body = create(BODY)
    with_claims = claims_event("/api/v1/links", "POST", body=body["body"], isBase64Encoded=False)
    with_claims["headers"].update({"content-type": "application/json"})
    with_claims["headers"].pop("content-length", None)
    assert jwt_pair.by_front(with_claims)["statusCode"] == 201
    assert jwt_pair.by_front(claims_event("/api/v1/links/summer-sale"))["statusCode"] == 200
    assert jwt_pair.by_front(claims_event("/api/v1/links"))["statusCode"] == 200
    # Another user pool's claims, no credentials at all, a token that does not verify.
    foreign = claims_event("/api/v1/links/summer-sale")
    foreign["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] = "https://evil.example/"
    assert jwt_pair.by_front(foreign)["statusCode"] == 401
    anonymous = at("/api/v1/links/summer-sale")
    refused = jwt_pair.by_front(anonymous)
    assert refused["statusCode"] == 401
    assert refused["headers"]["www-authenticate"].startswith("Bearer")
    assert jwt_pair.by_front(at("/api/v1/links"))["statusCode"] == 401
    forged = at("/api/v1/links/summer-sale", authorization="Bearer not-a-token")
    assert "invalid_token" in jwt_pair.by_front(forged)["headers"]["www-authenticate"]
    # The caller is solved before the body is validated, and after it is parsed.
    assert jwt_pair.by_front(create({"url": 5}))["statusCode"] == 401
    assert jwt_pair.by_app(create(None, raw=b"{"))["statusCode"] == 422
    signed = at("/api/v1/links", authorization=f"Bearer {access_token('erin')}")
    assert jwt_pair.by_front(signed)["statusCode"] == 200


def test_api_keys(jwt_pair: Pair) -> None:
    owner = Principal(sub="kim", via="jwt")
    secrets = [container.apikeys.create(owner, "ci")[1] for container in jwt_pair.containers]
    # The front's own ApiKeysService reads the same table as the first container's.
    answers = []
    for secret, handler in zip(secrets, (jwt_pair.light, jwt_pair.full), strict=True):
        answers.append(handler(create(BODY, authorization=f"Bearer {secret}")))
        answers.append(handler(at("/api/v1/links", authorization=f"Bearer {secret}")))
        answers.append(handler(at("/api/v1/links", authorization=f"Bearer {secret}x")))
    assert answers[:3] == answers[3:]
    assert [a["statusCode"] for a in answers[:3]] == [201, 200, 401]
    assert jwt_pair.answered_by_front == [True, True, True]


def test_an_unexpected_error_is_the_apps_500(pair: Pair) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the table is gone")

    for links in (pair.front.services.links, pair.containers[1].links):
        links.get = fail  # type: ignore[method-assign]
    answer = pair.by_front(at("/api/v1/links/abc"))
    assert answer["statusCode"] == 500


# What a cold container must not have loaded: the framework, the container, the request models,
# the redirect's answers and the events a write announces.
HEAVY = (
    "sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette', 'mangum')"
    " or m in ('shortstack.bootstrap', 'shortstack.entrypoints.http.schemas.links',"
    " 'shortstack.domain.imports', 'shortstack.entrypoints.redirects',"
    " 'shortstack.service_layer.redirects', 'shortstack.entrypoints.redirect_pages',"
    " 'shortstack.domain.events'))"
)


def in_a_cold_container(code: str) -> Any:
    """What `code` prints last (JSON), run in a fresh process as a new API Lambda on DynamoDB."""
    setup = (
        "import json, os, sys;"
        "os.environ.update(STORAGE='dynamodb', STAGE='aws', TABLE_NAME='t-t',"
        " AWS_DEFAULT_REGION='eu-west-1', AWS_ACCESS_KEY_ID='x', AWS_SECRET_ACCESS_KEY='x');"
    )
    out = subprocess.run(
        [sys.executable, "-c", setup + code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_cold_api_container_on_dynamodb_loads_only_what_the_front_needs() -> None:
    """What the cold start saves, kept: no framework, no container, no request models."""
    assert (
        in_a_cold_container(f"import shortstack.entrypoints.lambda_api; print(json.dumps({HEAVY}))")
        == []
    )


def test_a_body_in_a_content_coding_is_the_apps_415(pair: Pair) -> None:
    compressed = gzip.compress(json.dumps(BODY).encode())
    answer = pair.by_app(create(None, raw=compressed, **{"content-encoding": "gzip"}))
    assert answer["statusCode"] == 415


@pytest.mark.parametrize("coding", ["gzip", "br", " GZIP ", "gzip, identity"])
def test_a_body_that_names_a_coding_it_is_not_in_is_the_apps_415(pair: Pair, coding: str) -> None:
    answer = pair.by_app(create(BODY, **{"content-encoding": coding}))
    assert answer["statusCode"] == 415
    assert answer["headers"]["accept-encoding"] == "identity"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32-le"])
def test_a_json_body_in_utf16_or_utf32_is_the_apps_400(pair: Pair, encoding: str) -> None:
    answer = pair.by_app(create(None, raw=json.dumps(BODY).encode(encoding)))
    assert answer["statusCode"] == 400
    assert "send it as UTF-8" in json.loads(answer["body"])["message"]


@pytest.mark.parametrize("coding", ["identity", "Identity", ""])
def test_a_body_named_identity_is_the_fronts_to_create(pair: Pair, coding: str) -> None:
    answer = pair.by_front(create(BODY, **{"content-encoding": coding}))
    assert answer["statusCode"] == 201


def unlock_get(short_id: str, method: str = "GET", **headers: str) -> dict[str, Any]:
    """Enter on the address bar after a wrong password: the form's target, as a GET."""
    found = event("apigw_v2_unlock_get.json", id=short_id)
    found["requestContext"]["http"]["method"] = method
    found["routeKey"] = found["requestContext"]["routeKey"] = (
        f"{method} /api/v1/unlock/{{short_id}}"
    )
    found["headers"].update(headers)
    return found


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_enter_on_the_unlock_address_leads_back_to_the_form_from_the_front(
    pair: Pair, method: str
) -> None:
    for short_id in ("locked1", "summer-sale", "a_b", "x" * 64):
        answer = pair.by_front(unlock_get(short_id, method))
        assert answer["statusCode"] == 303
        assert answer["headers"]["location"] == f"/{short_id}"
        assert answer["headers"]["cache-control"] == "no-store"
        assert answer["body"] == ""
    assert pair.by_front(unlock_get("locked1", method, origin=ORIGIN))["statusCode"] == 303
    query = unlock_get("locked1", method)
    query["rawQueryString"] = "password=nope"
    assert pair.by_front(query)["headers"]["location"] == "/locked1"
    # Public and read-free: a credential, good or bad, changes nothing.
    assert (
        pair.by_front(unlock_get("locked1", method, authorization="Bearer forged"))["statusCode"]
        == 303
    )
    # Ids no link can have: too short, too long, a reserved word in any case.
    for short_id in ("ab", "x" * 65, "api", "Docs"):
        assert pair.by_front(unlock_get(short_id, method))["statusCode"] == 404


def test_unusual_unlock_addresses_are_the_apps(pair: Pair) -> None:
    for path in (
        "/api/v1/unlock/",
        "/api/v1/unlock/locked1/",
        "/api/v1/unlock/lock%2Ded1",
        "/api/v1/unlock/with.dot",
        "/api/v1/unlock/locked1/more",
        "/api/v1/unlock",
    ):
        found = unlock_get("locked1")
        found["rawPath"] = found["requestContext"]["http"]["path"] = path
        pair.by_app(found)
    with_body = unlock_get("locked1")
    with_body["body"] = "password=x"
    pair.by_app(with_body)
    pair.by_app(unlock_get("locked1", **{"content-length": "10"}))
    pair.by_app(unlock_get("locked1", "DELETE"))
    pair.by_app(unlock_get("locked1", **{"X-Upper": "1"}))


def test_a_cold_api_container_leads_back_to_the_form_without_the_framework() -> None:
    """Enter on the unlock address is a person waiting: the front answers, nothing loads."""
    code = (
        "from shortstack.entrypoints.lambda_api import handler;"
        "from tests.lambda_support import load_event;"
        "answer = handler(load_event('apigw_v2_unlock_get.json', id='locked1'), None);"
        f"print(json.dumps([answer['statusCode'], answer['headers']['location'], {HEAVY}]))"
    )
    assert in_a_cold_container(code) == [303, "/locked1", []]


# A new API Lambda on a moto table, its handler and front imported, and one event loader.
ON_A_TABLE = (
    "from moto import mock_aws; mock_aws().start();"
    "import boto3;"
    "from shortstack.adapters.dynamodb.table import create_table;"
    "create_table(boto3.client('dynamodb'), 't-t');"
    "from shortstack.entrypoints.lambda_api import handler, front;"
    "from shortstack.domain.auth import LOCAL_USER;"
    "from tests.lambda_support import load_event;"
)


def test_a_cold_api_container_reads_a_link_without_pydantic() -> None:
    """The first GET of a link (and its 404) loads neither Pydantic nor the framework; a page
    of links and health neither; a create then loads what it needs, and answers."""
    code = (
        ON_A_TABLE
        + "front.services.links.create(LOCAL_USER, url='https://example.com/a', alias='seen1');"
        "found = handler(load_event('apigw_v2_links_get.json', id='seen1'), None);"
        "missing = handler(load_event('apigw_v2_links_get.json', id='unseen1'), None);"
        "light = sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic');"
        # Seeding the link with a create loads the domain's events: not the GET's doing.
        f"heavy = [m for m in {HEAVY} if m != 'shortstack.domain.events'];"
        "listed = handler(load_event('apigw_v2_links_list.json'), None);"
        "health = handler(load_event('apigw_v2_health.json'), None);"
        "made = handler(load_event('apigw_v2_links_create.json'), None);"
        "print(json.dumps([found['statusCode'], json.loads(found['body'])['short_id'],"
        " missing['statusCode'], light, heavy, 'pydantic' in sys.modules,"
        " listed['statusCode'], health['statusCode'], made['statusCode']]))"
    )
    assert in_a_cold_container(code) == [200, "seen1", 404, [], [], True, 200, 200, 201]


@pytest.mark.parametrize(
    ("first", "status"),
    [
        ("load_event('apigw_v2_links_list.json')", 200),  # tag=promo&limit=10
        ("page", 200),  # a page of one link, with a next page's cursor
        ("load_event('apigw_v2_health.json')", 200),
        ("bad", 400),  # a cursor no page wrote: the domain's refusal, no model either
    ],
)
def test_a_cold_api_containers_first_page_or_health_loads_no_pydantic(
    first: str, status: int
) -> None:
    """A container whose first request is a page of links, health or a bad cursor's 400
    answers it without Pydantic or the framework (each in a fresh container); a create still
    works after it. (A limit out of range is FastAPI's 422: it loads both.)"""
    code = (
        ON_A_TABLE
        + "[front.services.links.create(LOCAL_USER, url='https://example.com/a', alias=a,"
        " tags=['promo']) for a in ('seen1', 'seen2')];"
        "page = load_event('apigw_v2_links_list.json');"
        "page['rawQueryString'] = 'limit=1';"
        "bad = load_event('apigw_v2_links_list.json');"
        "bad['rawQueryString'] = 'cursor=garbage';"
        f"answer = handler({first}, None);"
        "light = sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic');"
        # Seeding the links with a create loads the domain's events: not the read's doing.
        f"heavy = [m for m in {HEAVY} if m != 'shortstack.domain.events'];"
        "made = handler(load_event('apigw_v2_links_create.json'), None);"
        "listed = handler(page, None);"
        "print(json.dumps([answer['statusCode'], json.loads(answer['body']), light, heavy,"
        " made['statusCode'], listed['statusCode'], 'x-next-cursor' in listed['headers'],"
        " 'pydantic' in sys.modules]))"
    )
    answered, body, light, heavy, made, listed, next_page, loaded = in_a_cold_container(code)
    assert [answered, light, heavy, made, listed, next_page, loaded] == [
        status,
        [],
        [],
        201,
        200,
        True,
        True,
    ]
    if "health" in first:
        assert body["status"] == "healthy"
    elif first == "bad":
        assert body == {"message": "invalid pagination cursor"}
    elif first == "page":
        assert [link["short_id"] for link in body] in (["seen1"], ["seen2"])
    else:
        assert sorted(link["short_id"] for link in body) == ["seen1", "seen2"]


# What Lambda hands back at most from a synchronous invocation; past it API Gateway answers
# its own 500 and the client never sees the page.
LAMBDA_RESPONSE_MAX = 6 * 1024 * 1024


def largest_link(n: int) -> dict[str, Any]:
    """A create's body near every size limit: ten rules with queries, five variants, a
    preview, an emoji title (its answer is about 70 KB, escaped once more on Lambda)."""
    url = "https://example.com/" + "u" * 2020
    rule = {"url": url, "query": {f"k{i}" + "q" * 60: "v" * 256 for i in range(10)}}
    return {
        "url": url,
        "alias": f"big{n:03d}",
        "title": "\U0001f600" * 200,
        "fallback_url": url,
        "rules": [rule] * 10,
        "variants": [{"url": url, "weight": 20}] * 5,
        "preview": {"title": "T" * 200, "description": "D" * 500, "image_url": url},
    }


def create_largest_links(pair: Pair, count: int) -> None:
    for n in range(count):
        assert pair.light(create(largest_link(n)))["statusCode"] == 201
        assert pair.full(create(largest_link(n)))["statusCode"] == 201


def test_a_page_of_the_largest_links_fits_in_a_lambda_response(pair: Pair) -> None:
    """100 links near their size limits (ten rules with queries, five variants, a preview,
    an emoji title) make a 7 MB page: on AWS `GET /api/v1/links?limit=100` could not be
    answered at all. A page ends before that; its cursor leads to the rest."""
    create_largest_links(pair, 100)
    seen: list[str] = []
    query = "limit=100"
    while True:
        page = pair.by_front(at("/api/v1/links", query))
        assert page["statusCode"] == 200
        assert len(json.dumps(page)) < LAMBDA_RESPONSE_MAX
        seen += [link["short_id"] for link in json.loads(page["body"])]
        cursor = page["headers"].get("x-next-cursor")
        if not cursor:
            break
        query = f"limit=100&cursor={cursor}"
    assert sorted(seen) == [f"big{n:03d}" for n in range(100)]


def test_a_numbered_page_past_a_lambda_response_is_refused_naming_the_limit_that_fits(
    pair: Pair,
) -> None:
    """A search or numbered page (`?q=`, `?sort=`, `?page=`) starts at `(page - 1) * limit`:
    cut short, the next page would skip what it left out. So a page that would not fit is
    a 422 naming the largest `limit` that fits it; at that limit every page fits, the total
    stays 100 and no link is skipped. The links page's 20 a page always fit."""
    create_largest_links(pair, 100)
    for query in ("q=big&limit=100", "sort=clicks&limit=100", "page=1&limit=100"):
        refused = pair.by_app(at("/api/v1/links", query))
        assert refused["statusCode"] == 422, query
        body = json.loads(refused["body"])
        assert body["detail"][0]["loc"] == ["query", "limit"]
        found = re.search(r"limit=(\d+)", body["message"])
        assert found, body["message"]
        fits = int(found.group(1))
        assert 20 <= fits < 100
    seen: list[str] = []
    for page in range(1, -(-100 // fits) + 1):
        answer = pair.by_app(at("/api/v1/links", f"q=big&limit={fits}&page={page}"))
        assert answer["statusCode"] == 200
        assert len(json.dumps(answer)) < LAMBDA_RESPONSE_MAX
        assert answer["headers"]["x-total-count"] == "100"
        seen += [link["short_id"] for link in json.loads(answer["body"])]
    assert sorted(seen) == [f"big{n:03d}" for n in range(100)]
    assert pair.by_app(at("/api/v1/links", "q=big&limit=20&page=5"))["statusCode"] == 200


def test_a_conditional_read_of_a_link_is_the_fronts_304_as_the_apps(pair: Pair) -> None:
    pair.by_front(create({"url": "https://example.org/c", "alias": "cond123"}))
    read = pair.by_front(at("/api/v1/links/cond123"))
    tag = read["headers"]["etag"]
    unchanged = pair.by_front(at("/api/v1/links/cond123", **{"if-none-match": tag}))
    assert (unchanged["statusCode"], unchanged["body"]) == (304, "")
    assert unchanged["headers"]["etag"] == tag
    other = pair.by_front(at("/api/v1/links/cond123", **{"if-none-match": '"1"'}))
    assert other["statusCode"] == 200
    cors = pair.by_front(at("/api/v1/links/cond123", origin=ORIGIN))
    assert "etag" in cors["headers"]["access-control-expose-headers"]


def test_if_match_on_a_links_read_is_the_fronts_412_as_the_apps(pair: Pair) -> None:
    pair.by_front(create({"url": "https://example.org/c", "alias": "cond124"}))
    tag = pair.by_front(at("/api/v1/links/cond124"))["headers"]["etag"]
    assert pair.by_front(at("/api/v1/links/cond124", **{"if-match": tag}))["statusCode"] == 200
    stale = pair.by_front(at("/api/v1/links/cond124", **{"if-match": '"1"'}))
    assert stale["statusCode"] == 412
    both = pair.by_front(at("/api/v1/links/cond124", **{"if-match": '"1"', "if-none-match": tag}))
    assert both["statusCode"] == 412
    assert pair.by_front(at("/api/v1/links/cond124", **{"if-match": "junk"}))["statusCode"] == 400
    for header in ("*", f"W/{tag}", f'"x", {tag}'):
        answer = pair.by_front(at("/api/v1/links/cond124", **{"if-none-match": header}))
        assert answer["statusCode"] == 304, header
