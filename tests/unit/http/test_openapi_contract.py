"""The OpenAPI document tells the truth: what schemathesis found, pinned as plain tests."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from shortstack.domain.clock import utc_now
from shortstack.domain.link_fields import REDIRECT_STATUSES
from shortstack.domain.passwords import PASSWORD_MAX
from shortstack.entrypoints.http.routes import redirects, shorten
from shortstack.entrypoints.redirects import FORM_TYPE

HTTP_METHODS = {"get", "head", "put", "post", "delete", "patch"}
# Operations that can never answer some of the edge's statuses (the routes say why).
UNANSWERED = {**redirects.UNANSWERED, **shorten.UNANSWERED}
# The classic tutorial's contract: its 400 says `error`, not `message` (README, "What is in
# the box").
CLASSIC_ERRORS = {("POST /shorten", "400"): {"$ref": "#/components/schemas/ShortenError"}}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    paths = document["paths"]
    return [
        (method, path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_every_operation_documents_the_edge_errors_with_the_error_body(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        responses = operation["responses"]
        label = f"{method.upper()} {path}"
        unanswered = UNANSWERED.get(operation["operationId"], ())
        assert "400" in responses, label
        if "requestBody" in operation:
            assert "413" in responses, label
        if "requestBody" in operation or operation.get("parameters"):
            assert ("422" in responses) is ("422" not in unanswered), label
        assert not set(unanswered) & set(responses), label
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                expected = CLASSIC_ERRORS.get(
                    (label, status), {"$ref": "#/components/schemas/ErrorBody"}
                )
                assert schema == expected, (label, status)


@pytest.mark.parametrize("redirect_status", REDIRECT_STATUSES)
def test_a_redirect_answers_a_documented_status_with_a_location(
    client: Any, document: dict[str, Any], redirect_status: int
) -> None:
    body = {"url": "https://example.com/moved", "redirect_status": redirect_status}
    short_id = client.post("/api/v1/links", json=body).json()["short_id"]
    redirect = document["paths"]["/{short_id}"]
    for method in ("get", "head"):
        response = client.request(method, f"/{short_id}", follow_redirects=False)
        assert response.status_code == redirect_status
        assert response.headers["location"] == body["url"]
        documented = redirect[method]["responses"][str(redirect_status)]
        assert documented["headers"]["Location"]["required"] is True


def test_the_edge_refusals_never_reach_a_redirect(client: Any) -> None:
    short_id = client.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    long_query = client.get(f"/{short_id}?q={'a' * 20_000}", follow_redirects=False)
    big_header = client.get(f"/{short_id}", headers={"x-pad": "a" * 20_000}, follow_redirects=False)
    assert (long_query.status_code, big_header.status_code) == (302, 302)  # not 414, 431


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
        ("PATCH", "/api/v1/items/some-id", "GET, HEAD, PUT, DELETE"),
        ("PUT", "/api/v1/users", "GET, POST"),
        ("PATCH", "/api/v1/users/kim", "GET, DELETE"),
        ("POST", "/health", "GET"),
        # A concrete path is not the templated one next to it: no link is named "batch".
        ("PUT", "/api/v1/links/batch", "POST"),
        ("PUT", "/api/v1/links/bulk", "POST"),
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


def test_update_schema_does_not_offer_null_where_the_route_refuses_it(
    document: dict[str, Any],
) -> None:
    update = document["components"]["schemas"]["ItemUpdate"]
    for field in ("name", "price", "category"):
        assert update["properties"][field].get("type") != "null"
        assert "anyOf" not in update["properties"][field], field
    description = update["properties"]["description"]["anyOf"]
    assert {"type": "null"} in description


def test_text_patterns_match_what_the_validators_accept(
    client: Any, document: dict[str, Any]
) -> None:
    create = document["components"]["schemas"]["ItemCreate"]
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


# One valid JSON body per operation that takes one; each field is then sent with a value of
# every JSON type its schema does not allow. A new operation must add its body here.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/items"): {"name": "Lamp", "price": 12.5, "category": "Home"},
    ("PUT", "/api/v1/items/{item_id}"): {"name": "Lamp"},
    ("POST", "/api/v1/users"): {"userId": "kim", "name": "Kim", "email": "kim@example.com"},
    ("POST", "/api/v1/links"): {"url": "https://example.com/"},
    ("POST", "/api/v1/links/batch"): {"links": [{"url": "https://example.com/"}]},
    ("POST", "/api/v1/links/bulk"): {"action": "add_tag", "tag": "promo", "ids": ["some-link"]},
    ("PATCH", "/api/v1/links/{short_id}"): {"title": "Launch"},
    ("POST", "/api/v1/keys"): {"name": "ci"},
    ("POST", "/api/v1/webhooks"): {
        "url": "https://hooks.example.com/in",
        "events": ["LinkCreated"],
    },
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): {"events": ["LinkCreated"]},
    ("POST", "/shorten"): {"url": "https://example.com/"},
    ("POST", "/api/v1/imports/uploads"): {"filename": "links.csv", "size": 1024},
}
# The classic tutorial's endpoint refuses with 400 `{"error"}` (README); the rest with 422.
REFUSAL = {("POST", "/shorten"): 400}
# A batch refuses a bad entry in that entry's result (422 there), the request being a 200.
PER_ENTRY = {("POST", "/api/v1/links/batch")}
SAMPLES: dict[str, Any] = {
    "string": "1",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": ["1"],
    "object": {"1": 1},
    "null": None,
}
# Strings of the right type that a format still refuses (lax parsing took them as seconds).
FORMAT_SAMPLES = {"date-time": "1900000000"}


def members(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas of a union's members (anyOf; oneOf where they exclude each other)."""
    return list(schema.get("anyOf") or schema.get("oneOf") or [schema])


def json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a (sub)schema admits; an integer is a number, not the other way."""
    variants = members(schema)
    types = {t for v in variants for t in ([v["type"]] if isinstance(v.get("type"), str) else [])}
    return types | ({"integer"} if "number" in types else set())


def wrong_values(schema: dict[str, Any]) -> list[Any]:
    """A value of each JSON type `schema` refuses, and strings its formats refuse."""
    allowed = json_types(schema)
    values = [sample for kind, sample in SAMPLES.items() if kind not in allowed]
    variants = members(schema)
    values += [FORMAT_SAMPLES[v["format"]] for v in variants if v.get("format") in FORMAT_SAMPLES]
    for variant in variants:
        if variant.get("type") == "array" and "items" in variant:
            values += [[value] for value in wrong_values(variant["items"])]
    return values


def test_every_json_body_operation_has_a_valid_body_to_mutate(document: dict[str, Any]) -> None:
    with_json_bodies = {
        (method.upper(), path)
        for method, path, operation in operations(document)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert with_json_bodies == set(VALID_BODIES)


def json_body_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The JSON request body's schema of an operation, its $ref resolved; of a oneOf (a
    bulk change's actions), the member whose constants the operation's valid body holds."""
    content = document["paths"][path][method.lower()]["requestBody"]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    members = schema.get("oneOf", [schema])
    resolved = [
        document["components"]["schemas"][member["$ref"].rsplit("/", 1)[-1]]
        if "$ref" in member
        else member
        for member in members
    ]
    valid = VALID_BODIES[(method, path)]
    [chosen] = [
        member
        for member in resolved
        if all(
            valid.get(name) == field["const"]
            for name, field in member.get("properties", {}).items()
            if "const" in field
        )
    ]
    return chosen


@pytest.mark.parametrize(("method", "path"), sorted(VALID_BODIES))
def test_a_field_of_the_wrong_json_type_is_refused(
    client: Any, document: dict[str, Any], method: str, path: str
) -> None:
    """Lax parsing took "5" for a price, 0 for a boolean and 1900000000 for a date-time."""
    schema = json_body_schema(document, method, path)
    url = path.replace("{item_id}", "some-item").replace("{short_id}", "some-link")
    refusal = REFUSAL.get((method, path), 422)
    tried = 0
    for field, field_schema in schema["properties"].items():
        for value in wrong_values(field_schema):
            body = {**VALID_BODIES[(method, path)], field: value}
            response = client.request(method, url, json=body)
            if (method, path) in PER_ENTRY and isinstance(value, list):
                statuses = [result["status"] for result in response.json()["results"]]
                assert (response.status_code, statuses) == (200, [422]), (value, response.text)
            else:
                assert response.status_code == refusal, (field, value, response.text)
            tried += 1
    assert tried >= len(schema["properties"])


@pytest.mark.parametrize("day", ["0", "0.0", "86400", "2026-11-01T00:00:00", "2026-1-1"])
def test_a_stats_day_is_a_date_as_format_date_says(client: Any, day: str) -> None:
    short_id = client.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    for parameter in ("from", "to"):
        response = client.get(f"/api/v1/links/{short_id}/stats", params={parameter: day})
        assert response.status_code == 422, (parameter, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", parameter]
    recent = (utc_now().date() - timedelta(days=10)).isoformat()
    assert client.get(f"/api/v1/links/{short_id}/stats?from={recent}").status_code == 200


# The calendar's first and last days, and moments whose offset puts them outside it in UTC:
# the parsers take them all, and arithmetic on them (a default range ending in year 1, the
# day after 9999-12-31, a conversion to UTC) raised OverflowError, a 500.
EDGE_DAYS = ("0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31")
EDGE_MOMENTS = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def _path_for(client: Any, path: str) -> str:
    if "{short_id}" in path:
        short_id = client.post("/api/v1/links", json={"url": "https://example.com/"}).json()
        path = path.replace("{short_id}", short_id["short_id"])
    return path


def test_every_date_parameter_takes_the_calendar_edges_without_a_server_error(
    client: Any, document: dict[str, Any]
) -> None:
    tried = 0
    for method, path, operation in operations(document):
        names = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and "date" in {v.get("format") for v in _variants(p["schema"])}
        ]
        if not names:
            continue
        url = _path_for(client, path)
        for day in EDGE_DAYS:
            for params in [{name: day} for name in names] + [dict.fromkeys(names, day)]:
                response = client.request(method, url, params=params)
                assert response.status_code in (200, 422), (path, params, response.text)
                tried += 1
        last_two = dict(zip(names, EDGE_DAYS[2:], strict=True))
        assert client.request(method, url, params=last_two).status_code == 200, (path, last_two)
    assert tried >= 2 * len(EDGE_DAYS)


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return list(schema.get("anyOf", [schema]))


@pytest.mark.parametrize(("method", "path"), sorted(VALID_BODIES))
def test_a_date_time_outside_the_utc_calendar_is_refused_naming_its_field(
    client: Any, document: dict[str, Any], method: str, path: str
) -> None:
    schema = json_body_schema(document, method, path)
    fields = [
        name
        for name, field in schema["properties"].items()
        if "date-time" in {v.get("format") for v in _variants(field)}
    ]
    url = path.replace("{item_id}", "some-item").replace("{short_id}", "some-link")
    for field in fields:
        for moment in EDGE_MOMENTS:
            body = {**VALID_BODIES[(method, path)], field: moment}
            response = client.request(method, url, json=body)
            assert response.status_code == 422, (field, moment, response.text)
            assert response.json()["detail"][0]["loc"][-1] == field


def test_a_batch_entry_outside_the_utc_calendar_is_refused_in_its_result(client: Any) -> None:
    entries = [{"url": "https://example.com/", "valid_since": m} for m in EDGE_MOMENTS]
    response = client.post("/api/v1/links/batch", json={"links": entries})
    assert response.status_code == 200
    assert [result["status"] for result in response.json()["results"]] == [422, 422]


def test_the_longest_documented_password_fits_every_password_form(
    client: Any, document: dict[str, Any]
) -> None:
    """A password of the documented maximum length, in characters of 4 UTF-8 bytes each,
    percent-encoded as a browser sends it, is still a form the server reads."""
    forms = [
        (method, path, operation["requestBody"]["content"][FORM_TYPE]["schema"])
        for method, path, operation in operations(document)
        if FORM_TYPE in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(forms) == 2
    for method, path, schema in forms:
        password = "\U0001f511" * schema["properties"]["password"]["maxLength"]
        body = {"url": "https://example.com/locked", "password": password}
        created = client.post("/api/v1/links", json=body)
        assert created.status_code == 201, created.text
        url = path.replace("{short_id}", created.json()["short_id"])
        form = urlencode({"password": password})
        response = client.request(
            method, url, content=form, headers={"content-type": FORM_TYPE}, follow_redirects=False
        )
        assert response.status_code == 302, (path, len(form), response.text)
        assert response.headers["location"] == body["url"]


def test_the_password_page_field_holds_the_longest_documented_password(client: Any) -> None:
    """A browser counts maxlength in UTF-16 code units: 128 emoji are 256 of them."""
    password = "\U0001f511" * PASSWORD_MAX
    created = client.post(
        "/api/v1/links", json={"url": "https://example.com/", "password": password}
    )
    page = client.get(f"/{created.json()['short_id']}", headers={"accept": "text/html"}).text
    field = re.search(r'<input id="password"[^>]*maxlength="(\d+)"', page)
    assert field is not None, page
    assert len(password.encode("utf-16-le")) // 2 <= int(field.group(1))


@pytest.mark.parametrize(("method", "path"), sorted(set(VALID_BODIES) - set(REFUSAL)))
def test_a_body_that_is_not_a_json_object_is_refused_saying_what_to_send(
    client: Any, method: str, path: str
) -> None:
    """Not "Input should be a valid dictionary" for a JSON object sent as text/plain, nor a
    field named by a character offset ("7: JSON decode error") for a truncated one."""
    url = path.replace("{item_id}", "some-item").replace("{short_id}", "some-link")
    valid = json.dumps(VALID_BODIES[(method, path)])
    for content, content_type, said in [
        (valid, "text/plain", "sent as Content-Type: application/json"),
        (valid, None, "sent as Content-Type: application/json"),
        (valid[:-1], "application/json", "the body is not valid JSON"),
        ("[1]", "application/json", "the body must be a JSON object"),
        ("", "application/json", "the body must be a JSON object"),
    ]:
        headers = {"content-type": content_type} if content_type else {}
        response = client.request(method, url, content=content, headers=headers)
        assert response.status_code == 422, (content_type, content, response.text)
        assert said in response.json()["message"], (content_type, content, response.text)
        assert [error["loc"] for error in response.json()["detail"]] == [["body"]]


def test_a_bad_tag_filter_names_the_query_parameter(client: Any) -> None:
    for params in ({"tag": "é"}, {"tag": "é", "format": "csv"}):
        response = client.get("/api/v1/links", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", "tag"]


@pytest.mark.parametrize(
    ("url", "matches"),
    [
        ("https://hooks.example.com/in", True),
        (" HTTPS://hooks.example.com/in?a=1 ", True),
        ("0", False),
        ("ftp://hooks.example.com/in", False),
        ("https://hooks.example.com/ä", False),
        ("https://hooks.example.com/a b", False),
        ("https://hooks.example.com/\u205f", True),
        ("https://hooks.example.com/\u205fin", False),
    ],
)
def test_the_webhook_url_pattern_refuses_what_the_domain_refuses_for_its_form(
    client: Any, document: dict[str, Any], url: str, matches: bool
) -> None:
    """Any string was schema-valid, so "0" or "ftp://..." read as a valid request refused."""
    schema = document["components"]["schemas"]["WebhookCreate"]["properties"]["url"]
    assert bool(re.match(schema["pattern"], url)) is matches
    response = client.post("/api/v1/webhooks", json={"url": url, "events": ["LinkCreated"]})
    assert response.status_code == (201 if matches else 422), response.text


@pytest.mark.parametrize(("method", "path"), sorted(set(VALID_BODIES) - set(REFUSAL)))
def test_a_body_json_cannot_read_is_a_400_saying_why(client: Any, method: str, path: str) -> None:
    url = path.replace("{item_id}", "some-item").replace("{short_id}", "some-link")
    for content, said in [
        (b'{"url": "https://example.com/\xff"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        # Python reads no integer of more than 4,300 digits (its guard against quadratic
        # parsing): a ValueError, which FastAPI words as "an error parsing the body".
        (b'{"url": 1' + b"0" * 5_000 + b"}", "a number has more than 4,300 digits"),
    ]:
        response = client.request(
            method, url, content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert said in response.json()["message"]


@pytest.mark.parametrize(("method", "path"), sorted(VALID_BODIES))
def test_a_compressed_body_is_a_415_that_asks_for_it_uncompressed(
    client: Any, document: dict[str, Any], method: str, path: str
) -> None:
    """No route reads a content coding: a gzipped body was read as it came, a JSON body
    refused as "not UTF-8" and a CSV as "binary or UTF-16" (RFC 9110 8.4: a 415 that names
    the codings it takes)."""
    url = path.replace("{item_id}", "some-item").replace("{short_id}", "some-link")
    body = json.dumps(VALID_BODIES[(method, path)]).encode()
    for coding, content in [("gzip", gzip.compress(body)), ("br", body)]:
        response = client.request(
            method,
            url,
            content=content,
            headers={"content-type": "application/json", "content-encoding": coding},
        )
        assert response.status_code == 415, response.text
        assert f"Content-Encoding {coding}" in response.json()["message"]
        assert response.headers["accept-encoding"] == "identity"
    operation = document["paths"][path][method.lower()]
    assert "415" in operation["responses"]
    identity = {"content-type": "application/json", "content-encoding": "identity"}
    response = client.request(method, url, content=body, headers=identity)
    assert response.status_code != 415


def test_a_compressed_csv_import_is_a_415_too(client: Any) -> None:
    csv = gzip.compress(b"url\nhttps://example.com/\n")
    headers = {"content-type": "text/csv", "content-encoding": "gzip"}
    response = client.post("/api/v1/imports", content=csv, headers=headers)
    assert response.status_code == 415, response.text


def test_a_coding_on_a_second_header_line_is_a_415_too(client: Any) -> None:
    # Two Content-Encoding lines are one list of codings (RFC 9110 5.3): identity, then gzip.
    body = json.dumps(VALID_BODIES[("POST", "/api/v1/links")]).encode()
    headers = [
        ("content-type", "application/json"),
        ("content-encoding", "identity"),
        ("content-encoding", "gzip"),
    ]
    response = client.post("/api/v1/links", content=gzip.compress(body), headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["message"].startswith("Content-Encoding identity, gzip ")
    response = client.post("/api/v1/links", content=body, headers=headers)
    assert response.status_code == 415, response.text


def test_a_coding_named_on_a_request_without_a_body_is_no_refusal(client: Any) -> None:
    response = client.get("/api/v1/items", headers={"content-encoding": "gzip"})
    assert response.status_code == 200


def _documented_links(document: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(method, path, status, link name, link) for every OpenAPI link the document offers."""
    return [
        (method.upper(), path, status, name, link)
        for method, path, operation in operations(document)
        for status, response in operation["responses"].items()
        for name, link in response.get("links", {}).items()
    ]


def test_every_link_names_an_operation_its_parameters_and_a_field_of_the_answer(
    document: dict[str, Any],
) -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in operations(document)}
    links = _documented_links(document)
    assert {name for *_, name, _ in links} >= {"FollowLink", "GetUser", "GetWebhook"}
    for method, path, status, name, link in links:
        label = f"{method} {path} {status} {name}"
        target = by_id.get(link["operationId"])
        assert target is not None, label
        target_path = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        answer = document["paths"][path][method.lower()]["responses"][status]
        schema_ref = answer["content"]["application/json"]["schema"]["$ref"]
        fields = document["components"]["schemas"][schema_ref.rpartition("/")[2]]["properties"]
        for parameter, expression in link["parameters"].items():
            assert parameter in target_path, label
            if method == "HEAD":  # no body: the request's path (the next test)
                continue
            assert expression.startswith("$response.body#/"), label
            assert expression.removeprefix("$response.body#/") in fields, label


def test_following_every_link_from_a_real_answer_reaches_a_documented_success(
    document: dict[str, Any], client: Any
) -> None:
    """Each link is followed from a resource of its own, made for real, with the id it got."""
    targets = {
        operation["operationId"]: (method.upper(), path, operation)
        for method, path, operation in operations(document)
    }
    followed = 0
    for n, (method, path, status, name, link) in enumerate(_documented_links(document)):
        if method != "POST" or (method, path) not in VALID_BODIES:
            continue  # links from reads and changes lead where the create's links lead
        body = VALID_BODIES[(method, path)] | _unique(path, n)
        answer = client.request(method, path, json=body)
        assert answer.status_code == int(status), (name, answer.text)
        target_method, target_path, target = targets[link["operationId"]]
        for parameter, expression in link["parameters"].items():
            value = answer.json()[expression.removeprefix("$response.body#/")]
            target_path = target_path.replace("{" + parameter + "}", value)
        reached = client.request(target_method, target_path, follow_redirects=False)
        documented = {code for code in target["responses"] if code[0] in "23"}
        assert str(reached.status_code) in documented, (name, reached.status_code, reached.text)
        followed += 1
    assert followed >= 7


def _unique(path: str, n: int) -> dict[str, Any]:
    """Fields that keep the n-th create of a kind from colliding with the earlier ones."""
    if path == "/api/v1/users":
        return {"userId": f"kim{n}", "email": f"kim{n}@example.com"}
    return {}


def test_a_head_answer_has_no_body_so_its_links_read_the_request_path(
    document: dict[str, Any],
) -> None:
    """Found by the outsider pass (fails before the fix): `HEAD /api/v1/links/{short_id}`
    offered FollowLink and CheckLink from `$response.body#/short_id`, which a HEAD answer
    never has (schemathesis, seed 905622062: "Failed to extract data from response")."""
    heads = [link for link in _documented_links(document) if link[0] == "HEAD"]
    assert heads
    for _, path, _, name, link in heads:
        for parameter, expression in link["parameters"].items():
            assert expression == f"$request.path.{parameter}", (path, name)
            assert "{" + parameter + "}" in path, (path, name)


def test_a_tag_longer_than_its_max_length_is_refused_though_it_strips_to_a_good_one(
    client: Any, document: dict[str, Any]
) -> None:
    # A tag's length counts what the client sent (0701): " 0" and 63 spaces is over the 64
    # the document states, though stripped it is the good tag "0". The bulk change's tag
    # found it (schemathesis), create, batch and PATCH took it.
    item = document["components"]["schemas"]["LinkCreate"]["properties"]["tags"]["items"]
    long_tag = " 0" + " " * (item["maxLength"] - 1)
    created = client.post("/api/v1/links", json={"url": "https://example.com/", "tags": ["ok"]})
    short_id = created.json()["short_id"]
    answers = {
        "create": client.post("/api/v1/links", json={"url": "https://e.com/", "tags": [long_tag]}),
        "patch": client.patch(f"/api/v1/links/{short_id}", json={"tags": [long_tag]}),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "create": 422,
        "patch": 422,
    }
    batch = client.post(
        "/api/v1/links/batch", json={"links": [{"url": "https://e.com/", "tags": [long_tag]}]}
    )
    assert [result["status"] for result in batch.json()["results"]] == [422]


def test_a_target_url_is_stripped_counted_and_refused_as_its_pattern_says_in_every_field(
    client: Any, document: dict[str, Any]
) -> None:
    # Every link body field holding a target URL shares one schema: a pattern that allows
    # surrounding whitespace (ECMA-262's \s) and refuses control characters, maxLength 2048.
    # Found by schemathesis (seed 31337017) on a rule's URL: the server held each field to
    # another rule.
    schemas = document["components"]["schemas"]
    pattern = schemas["LinkCreate"]["properties"]["url"]["pattern"]
    for name in ("RuleIn", "VariantIn", "PreviewIn"):
        field = "image_url" if name == "PreviewIn" else "url"
        assert schemas[name]["properties"][field]["pattern"] == pattern, name
    padded = "  https://example.com/fr \t"
    assert re.search(pattern, padded)
    created = client.post(
        "/api/v1/links",
        json={
            "url": "https://example.com/",
            "rules": [{"country": "FR", "url": padded}],
            "variants": [
                {"url": padded, "weight": 1},
                {"url": "https://example.com/b", "weight": 1},
            ],
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["rules"][0]["url"] == "https://example.com/fr"
    assert created.json()["variants"][0]["url"] == "https://example.com/fr"
    patched = client.patch(
        f"/api/v1/links/{created.json()['short_id']}",
        json={"rules": [{"device": "ios", "url": padded}]},
    )
    assert (patched.status_code, patched.json()["rules"][0]["url"]) == (
        200,
        "https://example.com/fr",
    )
    # What the pattern refuses is refused, and stripping never makes it pass: a C1 control
    # (\x85, whitespace to Python's and Rust's strip, not to the pattern) and the invisible
    # format characters the domain refuses (zero-width space, bidi controls).
    for refused in (
        "https://example.com/a\x85",
        "https://example.com/\u200ba",
        "https://e.com/\u202e",
    ):
        assert not re.search(pattern, refused), ascii(refused)
        answer = client.post("/api/v1/links", json={"url": refused})
        assert answer.status_code == 422, (ascii(refused), answer.json())
        assert client.post("/shorten", json={"url": refused}).status_code == 400, ascii(refused)
    # maxLength counts what was sent (0701): 2048 characters and two spaces is too long.
    longest = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    assert client.post("/api/v1/links", json={"url": longest}).status_code == 201
    too_long = {"url": longest + "  "}
    assert client.post("/api/v1/links", json=too_long).status_code == 422
    assert client.post("/shorten", json=too_long).status_code == 400


def test_a_tag_is_stripped_only_of_the_whitespace_its_pattern_allows(
    client: Any, document: dict[str, Any]
) -> None:
    # The pattern allows whitespace around a tag, JSON Schema's (ECMA-262) \s; the domain
    # stripped Python's, which also takes \x1c-\x1f and \x85: "\x1cabc\x85" was stored as
    # "abc" although the document refuses it. Both now read the same set.
    pattern = document["components"]["schemas"]["LinkCreate"]["properties"]["tags"]["items"][
        "pattern"
    ]
    assert re.search(pattern, " abc\t")
    odd = "\x1cabc\x85"
    assert not re.search(pattern, odd)
    short_id = client.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    answers = {
        "create": client.post("/api/v1/links", json={"url": "https://e.com/", "tags": [odd]}),
        "patch": client.patch(f"/api/v1/links/{short_id}", json={"tags": [odd]}),
        "bulk": client.post(
            "/api/v1/links/bulk", json={"action": "add_tag", "tag": odd, "ids": [short_id]}
        ),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "create": 422,
        "patch": 422,
        "bulk": 422,
    }
    batch = client.post(
        "/api/v1/links/batch", json={"links": [{"url": "https://e.com/", "tags": [odd]}]}
    )
    assert [result["status"] for result in batch.json()["results"]] == [422]
    padded = client.post("/api/v1/links", json={"url": "https://e.com/", "tags": [" Spring\t"]})
    assert padded.json()["tags"] == ["spring"]


def test_a_webhook_url_s_pattern_reads_the_same_in_python_and_json_schema(
    client: Any, document: dict[str, Any]
) -> None:
    # Python's \s (schemathesis's reading of a pattern) also takes \x1c-\x1f and \x85, which
    # JSON Schema's does not and the server refuses as control characters: the pattern names
    # its whitespace, so that every reader draws the same line.
    pattern = document["components"]["schemas"]["WebhookCreate"]["properties"]["url"]["pattern"]
    assert re.search(pattern, " https://hooks.example.com/in\t")
    for odd in ("\x1chttps://hooks.example.com/in", "https://hooks.example.com/in\x85"):
        assert not re.search(pattern, odd), ascii(odd)
        answer = client.post("/api/v1/webhooks", json={"url": odd, "events": ["LinkCreated"]})
        assert answer.status_code == 422, ascii(odd)
