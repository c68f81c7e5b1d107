"""Schemathesis against the app's own OpenAPI document: every operation, in-process.

The operations come from /openapi.json at collection time, so routes added later are
fuzzed as soon as they are registered. Each operation runs on SQLite (the local default)
and on DynamoDB through moto (adapter bugs, such as a price DynamoDB cannot store, show up
as 5xx only there); `make stress` adds the DynamoDB Local engine. The checks: no server
error; status codes, content types, headers and bodies as documented; invalid data
refused; valid data accepted (less the refusals the schema cannot state, listed below);
405 with a truthful Allow header for methods a path does not serve. A stateful run then
chains operations through the links schemathesis infers and the document's own OpenAPI
links (create, read, update, delete, follow). Each of its scenarios starts by creating a
link with every redirect status the document offers and following it (GET and HEAD): the
random steps alone reach a redirect rarely, and each status is a documented answer.

`make test` runs a few derandomized examples per operation, so a green commit stays
green; `make stress` (STRESS=1) runs many more, randomized.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from shortstack.bootstrap import Container, bootstrap
from shortstack.config import Settings
from shortstack.domain.errors import InvalidInput
from shortstack.domain.qr_codes import qr_options
from shortstack.domain.short_ids import is_reserved
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.http.preconditions import IF_MATCH_PATTERN
from tests.conftest import DYNAMODB_LOCAL, TABLE_NAME, settings_for
from tests.dynamodb_local import reset_table
from tests.fuzz.counting import STATUSES

STRESS = os.environ.get("STRESS") == "1"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300" if STRESS else "20"))
SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", "150" if STRESS else "10"))
STEPS = 10 if STRESS else 6
STORAGES: list[Any] = [
    "sqlite",
    pytest.param("dynamodb", marks=pytest.mark.moto),
    *([DYNAMODB_LOCAL] if STRESS else []),
]

HYPOTHESIS = {
    "deadline": None,
    "derandomize": not STRESS,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}

# Dates and moments drawn as often from the calendar's edges as from anywhere in it: a few
# derandomized examples of the default strategies never reach year 1 or 9999, where date
# arithmetic and conversions to UTC overflow (an outsider's run found three such 500s).
EDGE_DAYS = [date.min, date.min + timedelta(days=1), date.max - timedelta(days=1), date.max]
EDGE_OFFSETS = [timezone(timedelta(hours=14)), timezone(timedelta(hours=-14)), UTC]
schemathesis.openapi.format(
    "date", st.one_of(st.sampled_from(EDGE_DAYS), st.dates()).map(date.isoformat)
)
schemathesis.openapi.format(
    "date-time",
    st.one_of(
        st.builds(
            datetime.combine, st.sampled_from(EDGE_DAYS), st.times(), st.sampled_from(EDGE_OFFSETS)
        ),
        st.datetimes(timezones=st.sampled_from(EDGE_OFFSETS)),
    ).map(lambda moment: moment.isoformat().replace("+00:00", "Z")),
)

# Only to read the document: each test calls an app of its own, on a real store.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(bootstrap(Settings(storage="memory")))
)


@schema.hook
def filter_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> bool:
    """A reserved word names one of the service's own pages (/docs, /health), never a short
    link: `/{short_id}` examples leave them out (the router keeps them apart, tested in
    tests/unit/http)."""
    short_id = (path_parameters or {}).get("short_id")
    return not (isinstance(short_id, str) and is_reserved(short_id))


UNSTATED_RULES = (
    *("email", "url", "expires_at", "file", "alias", "from", "tz"),
    *("fallback_url", "image_url", "valid_since"),
)
# Any text is a CSV: rows that are not links are reported one by one in the import's
# status (202), so "schema-violating" bodies are accepted here by design.
ANY_BODY_IS_DATA = {("POST", "/api/v1/imports")}
# A batch refuses a bad entry in that entry's result (its status, as a single POST would
# answer), not with the request's status: a 200 to a schema-violating entry is by design.
# The envelope (not {"links": [...]}, over 1,000 entries) is still held to a 4xx.
PER_ENTRY_REFUSALS = {("POST", "/api/v1/links/batch")}
REDIRECTS = {"GET /{short_id}", "HEAD /{short_id}"}
UNLOCKS = {"POST /{short_id}", "POST /api/v1/unlock/{short_id}"}
QR_CODES = {"GET /api/v1/qr/{short_id}", "HEAD /api/v1/qr/{short_id}"}
# Refusals by the edge's size limits (documented on every operation): schemathesis's
# negative-data check does not count them as refusals, though they are.
EDGE_REFUSALS = {413, 414, 431}


def _refused_for_a_rule_the_schema_cannot_state(response: Any, case: Any) -> bool:
    """Schema-valid requests the server may still refuse, each for a stated reason.

    - a cursor is an opaque token: any string is schema-valid, only the ones the server
      handed out are accepted (400, documented);
    - `format: email` is a syntax rule; the server also refuses special-use domains
      (`.test`, `.local`, `.invalid` ...) that no mail can reach (422 on the e-mail only);
    - a link's url pattern states the scheme and the characters; the host rules (a valid
      host name or IP, no credentials, not this service's own host) are the domain's (422
      on the url only, or the classic `POST /shorten`'s documented 400 `{"error"}`);
    - `expires_at` must lie in the future: a rule relative to the clock (422 on it only);
    - `fallback_url`, the `url` of a rule or variant and a preview's `image_url` follow the
      url's host rules; `valid_since` must come before the expiry (two fields) and within
      3,650 days of the clock (422 on the field only);
    - an import's file must hold 1-100,000 rows of UTF-8 text (422 on the file only);
    - an alias must not be one of the service's reserved words, in any letter case (the
      schema's description says so; a pattern cannot say "not these words, any case");
    - a stats range spans at most 366 days: a rule on two parameters (422 on `from`);
    - a stats `tz` must name a zone of the IANA database (422 on `tz` only): a list of
      some 600 names, which the document describes rather than enumerates;
    - a redirect to a link that is disabled, expired or used up is 410: the link's state,
      not the request, decides (documented; a stateful run meets it once a PATCH or a
      max_visits has had its effect);
    - a password form posted to a link without a password is 405 (documented, with Allow):
      the link decides, and the stateful run posts to the links it made, most without one;
    - a QR code's colours must contrast 3:1 with the modules the darker (a rule on two
      parameters), and its size must hold the link's code, which the link's id decides
      (422, documented; a HEAD's has no body to name the parameter).
    """
    if response.status_code == 410 and case.operation.label in REDIRECTS | UNLOCKS:
        return True
    if response.status_code == 405 and case.operation.label in UNLOCKS:
        return True
    if response.status_code == 422 and case.operation.label in QR_CODES:
        return (
            _qr_options_refused(case)
            or case.method.upper() == "HEAD"
            or _json_names(response, "size")
        )
    if response.status_code == 400 and "cursor" in (case.query or {}):
        return True
    if response.status_code == 400 and _outside_if_match_grammar(case):
        return True
    if response.status_code == 400 and case.path == "/shorten":
        return _json(response).get("error", "").startswith("url ")
    if response.status_code == 422:
        locations = [error["loc"] for error in _json(response).get("detail") or []]
        return bool(locations) and all(loc[-1] in UNSTATED_RULES for loc in locations)
    return False


def _qr_options_refused(case: Any) -> bool:
    """The domain refuses the QR code's drawn options (colours too alike, light on dark)."""
    query = case.query or {}
    colours = {name: query[name] for name in ("color", "background") if name in query}
    if not all(isinstance(value, str) for value in colours.values()):
        return False  # negative data: not the colours' rule
    try:
        qr_options(**colours)
    except InvalidInput:
        return True
    return False


def _json_names(response: Any, name: str) -> bool:
    """Every per-field error of the answer is about the parameter `name`."""
    locations = [error["loc"] for error in _json(response).get("detail") or []]
    return bool(locations) and all(loc[-1] == name for loc in locations)


def _outside_if_match_grammar(case: Any) -> bool:
    """An If-Match, or a write's If-None-Match, the document's pattern does not allow: its
    400 is stated (decision 0004), though schemathesis draws "schema-valid" header values
    without their pattern."""
    headers = case.headers or {}
    guards = (
        ["If-Match"] if case.method.upper() in ("GET", "HEAD") else ["If-Match", "If-None-Match"]
    )
    return any(
        (value := headers.get(name)) is not None and re.fullmatch(IF_MATCH_PATTERN, value) is None
        for name in guards
    )


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def valid_data_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's positive-data check, less the refusals the schema cannot state."""
    if _refused_for_a_rule_the_schema_cannot_state(response, case):
        return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result


def validate(case: Any, response: Any, recorder: Any = None, **transport: Any) -> None:
    """Every built-in check, with the positive-data check replaced by ours."""
    STATUSES[response.status_code] += 1
    excluded: list[Any] = [positive_data_acceptance]
    operation = (case.method.upper(), case.path)
    if (
        operation in ANY_BODY_IS_DATA
        or response.status_code in EDGE_REFUSALS
        or (operation in PER_ENTRY_REFUSALS and response.status_code == 200)
    ):
        excluded.append(negative_data_rejection)
    case.validate_response(
        response,
        excluded_checks=excluded,
        additional_checks=[valid_data_is_accepted],
        transport_kwargs=transport or None,
        recorder=recorder,
    )


class FuzzTarget:
    """The app under test on one storage, and a way to give it an empty store."""

    def __init__(self, storage: str, data_dir: Path, client: Any, endpoint: str | None) -> None:
        self.storage = storage
        self.data_dir = data_dir
        self.client = client  # the DynamoDB client (moto or DynamoDB Local), else None
        self.endpoint = endpoint
        self.resets = 0
        self.container = self._build()
        self.app = create_app(self.container)

    def _build(self) -> Container:
        self.resets += 1
        if self.client is not None:
            reset_table(self.client, TABLE_NAME)
        extra = {"aws_endpoint_url": self.endpoint} if self.endpoint else {}
        return bootstrap(settings_for(self.storage, self.data_dir / str(self.resets), **extra))

    def fresh(self) -> None:
        """A new app on an empty store.

        A whole app, not only a new container in app.state: the redirect layer in front of
        the routes holds the services it was built with, and would answer from the old
        store (404 for every link the scenario creates, which the document allows).
        """
        self.container.close()
        self.container = self._build()
        self.app = create_app(self.container)

    def close(self) -> None:
        self.container.close()


@pytest.fixture(params=STORAGES)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FuzzTarget]:
    """The app on a fresh store; one operation's examples share it, so state builds up."""
    storage: str = request.param
    client, endpoint = None, None
    if storage == "dynamodb":
        client = request.getfixturevalue("moto_dynamodb")
    elif storage == "dynamodb_local":
        client = request.getfixturevalue("dynamodb_local")
        storage, endpoint = "dynamodb", request.getfixturevalue("dynamodb_local_endpoint")
    built = FuzzTarget(storage, tmp_path, client, endpoint)
    yield built
    built.close()


@schema.parametrize()
@settings(max_examples=EXAMPLES, **HYPOTHESIS)  # type: ignore[arg-type]
def test_every_operation_keeps_its_documented_contract(case: Any, target: FuzzTarget) -> None:
    response = case.call(app=target.app)
    validate(case, response, app=target.app)


def redirect_statuses() -> list[int]:
    """The statuses a link may redirect with, as the document offers them on create."""
    components = schema.raw_schema["components"]["schemas"]
    statuses: list[int] = components["LinkCreate"]["properties"]["redirect_status"]["enum"]
    return statuses


def follow_a_link_of_every_redirect_status(app: Any) -> None:
    """Create a link with each redirect status, then follow it with GET and HEAD.

    Every answer goes through the same checks as the fuzzed ones: an answer the document
    does not list (a 308 where only 302 is documented) fails here.
    """
    create = schema["/api/v1/links"]["POST"]
    for status in redirect_statuses():
        body = {"url": f"https://example.com/{status}", "redirect_status": status}
        case = create.Case(body=body, media_type="application/json")
        created = case.call(app=app)
        validate(case, created, app=app)
        assert created.status_code == 201, created.text
        for method in ("GET", "HEAD"):
            follow = schema["/{short_id}"][method].Case(
                path_parameters={"short_id": created.json()["short_id"]}
            )
            answer = follow.call(app=app)
            validate(follow, answer, app=app)
            assert (answer.status_code, answer.headers["location"]) == (status, [body["url"]])


def test_chained_operations_keep_the_contract(target: FuzzTarget) -> None:
    """Create, read, update, delete and follow in random orders, along the links.

    Each scenario starts on an empty store: Hypothesis replays scenarios to shrink them,
    and a replay must meet the state its first run met.
    """

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            target.fresh()

        @initialize()
        def follow_links_of_every_redirect_status(self) -> None:
            follow_a_link_of_every_redirect_status(target.app)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"app": target.app}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            validate(case, response, getattr(self, "recorder", None), **kwargs)

    Workflow.run(
        settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS, **HYPOTHESIS)  # type: ignore[arg-type]
    )
