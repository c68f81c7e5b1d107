"""The API Lambda's light front: the hot routes answered from the API Gateway event itself.

`GET /health`, `GET /api/v1/links/{short_id}`, `GET /api/v1/links` (a cursor page, with
`limit`, `cursor` and `tag`) and `POST /api/v1/links` are most of what the API serves;
`GET` and `HEAD` of `/api/v1/unlock/{short_id}` (Enter on the address bar after a wrong
password) lead a person back to a password form, who should not wait for the framework.
Behind Mangum and FastAPI each cold start of the function paid for importing the
framework before the first of them could be answered (decision 0405). This front answers
them without FastAPI, Starlette or Mangum, through what the FastAPI routes call
themselves: the service, `entrypoints/http/operations.py` (the work and the answer: a
link, a page of links and health written from the response models' values by the standard
library, so that none of them loads Pydantic; a new link through its model), the request
models of `schemas/`, and `error_bodies.py` for domain errors. It adds what the middleware
adds (correlation id, security headers, CORS).

It answers only what it fully understands. Anything else, an unusual method, path, query
parameter, header or body, any request it would have to refuse with a 4xx of its own
(bad JSON, a body that does not validate, a body or URL over a limit), returns None, and
the caller hands the event to the whole FastAPI app (entrypoints/lambda_api.py), which
answers it as it always has. A refusal that only FastAPI words is therefore always
FastAPI's; tests/unit/test_lambda_api_front.py sends the same events through both and
compares statuses, headers and bodies.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl

from shortstack.correlation import choose_correlation_id
from shortstack.domain.auth import Principal
from shortstack.domain.errors import DomainError
from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shortstack.domain.short_ids import is_possible_short_id
from shortstack.entrypoints.edge import link_path, unlock_path
from shortstack.entrypoints.http import operations
from shortstack.entrypoints.http.answer_parts import (
    CACHE_NO_STORE,
    EXPOSED_HEADERS,
    INTERNAL_ERROR,
    SECURITY_HEADERS,
    coding_refusal,
)
from shortstack.entrypoints.http.error_bodies import domain_error_answer
from shortstack.entrypoints.http.pagination import next_page_headers
from shortstack.observability import bind_correlation_id, configure_logging, logger

LINKS = "/api/v1/links"
# Where the password form posts; a GET or HEAD there leads back to the form.
UNLOCK = unlock_path("")
# A segment the front reads as a short id or as no possible one (404); anything else
# (percent-escapes, dots, more segments) goes to FastAPI.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
# Starlette's words for a path no route matches.
NOT_FOUND = "Not Found"
# A short id or alias as the path holds it; anything else (percent-escapes, dots, a
# trailing slash) goes to FastAPI, which decodes and matches it itself.
_SHORT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Single segments under /api/v1/links that are routes of their own, not link ids.
_NOT_IDS = frozenset({"batch", "bulk"})
# Far below the 8 KiB URL and 16 KiB header limits (RequestLimitsMiddleware): near them,
# FastAPI measures and answers.
_URL_BUDGET = 4 * 1024
_HEADER_BUDGET = 8 * 1024
_LIST_PARAMETERS = frozenset({"limit", "cursor", "tag"})
_LIMIT = re.compile(r"[1-9][0-9]{0,3}")
_CURSOR_MAX = 1024
_TAG_MAX = 64
_JSON_TYPES = frozenset({"application/json", "application/json; charset=utf-8"})
if TYPE_CHECKING:
    from pydantic import BaseModel

    from shortstack.api_config import ApiSettings
    from shortstack.config import Settings
    from shortstack.service_layer.auth import Authenticator
    from shortstack.service_layer.links import LinksService

# As Starlette's CORSMiddleware writes the app's list (entrypoints/http/app.py).
EXPOSED = ", ".join(EXPOSED_HEADERS)


class FallThrough(Exception):
    """The request is not one the front answers: the whole app will."""


class Request:
    """What the front reads of a payload-2.0 event, as Mangum hands it to the app."""

    __slots__ = ("event", "headers", "method", "path", "query")

    def __init__(self, event: Mapping[str, Any]) -> None:
        context = event.get("requestContext")
        http = context.get("http") if isinstance(context, dict) else None
        headers = event.get("headers")
        if (
            event.get("version") != "2.0"
            or event.get("cookies")
            or not isinstance(http, dict)
            or not isinstance(http.get("method"), str)
            or not isinstance(http.get("path"), str)
            or not isinstance(headers, dict)
            or not isinstance(event.get("rawQueryString") or "", str)
            or not isinstance(event.get("body") or "", str)
        ):
            raise FallThrough
        self.event = event
        self.method: str = http["method"]
        self.path: str = http["path"]
        self.query: str = event.get("rawQueryString") or ""
        self.headers: dict[str, str] = headers
        if len(self.path) + len(self.query) > _URL_BUDGET or not self.query.isascii():
            raise FallThrough
        # All names and all values at once, a few C calls instead of four per header: a
        # string equals its lower case only where each of its parts does. Starlette reads
        # header bytes as Latin-1, Mangum writes them as UTF-8: only ASCII values read the
        # same both ways.
        names = "".join(headers)
        values = "".join(headers.values())
        if (
            names != names.lower()
            or not values.isascii()
            or len(names) + len(values) > _HEADER_BUDGET
        ):
            raise FallThrough

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def gateway_claims(self) -> Mapping[str, Any] | None:
        """The JWT claims API Gateway's authorizer verified (entrypoints/http/auth.py)."""
        # Dicts, as JSON makes them: isinstance of an abstract Mapping costs more.
        context = self.event.get("requestContext") or {}
        authorizer = context.get("authorizer") if isinstance(context, dict) else None
        jwt = authorizer.get("jwt") if isinstance(authorizer, dict) else None
        claims = jwt.get("claims") if isinstance(jwt, dict) else None
        return claims if isinstance(claims, dict) else None

    def parameters(self) -> dict[str, str]:
        """The query string's parameters, each at most once, as Starlette parses them."""
        pairs = parse_qsl(self.query, keep_blank_values=True)
        found = dict(pairs)
        if len(found) != len(pairs):
            raise FallThrough
        return found

    def body(self, limit: int) -> bytes:
        declared = self.headers.get("content-length")
        if declared is not None and not (declared.isdigit() and int(declared) <= limit):
            raise FallThrough
        raw = self.event.get("body") or ""
        if self.event.get("isBase64Encoded"):
            try:
                data = base64.b64decode(raw, validate=True)
            except ValueError:
                raise FallThrough from None
        else:
            data = raw.encode()
        if len(data) > limit:
            raise FallThrough
        return data


Route = Callable[["Front", Request], tuple[int, bytes, dict[str, str]]]


class Services(Protocol):
    """What the front uses: a Container, or light_wiring.FrontServices before there is one."""

    @property
    def settings(self) -> Settings | ApiSettings: ...

    @property
    def links(self) -> LinksService: ...

    @property
    def auth(self) -> Authenticator: ...


class Front:
    """Answers the hot routes on `services`, or raises FallThrough."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.services = services
        self.settings = settings
        self.origins = settings.cors_origins
        self.any_origin = "*" in self.origins
        self.max_body = settings.max_body_bytes
        # Locally the app may rate-limit creates (app.py): those stay with it.
        self.creates = not (settings.stage == "local" and settings.rate_limit_creates_per_minute)
        configure_logging(settings.service_name, settings.log_level)

    def route(self, request: Request) -> Route:
        path, method = request.path, request.method
        if method in ("GET", "HEAD"):
            # The app's body limits apply to a GET too (RequestLimitsMiddleware): a GET
            # that declares or carries a body is its to answer.
            if request.event.get("body") or request.headers.get("content-length", "0") != "0":
                raise FallThrough
            if path.startswith(UNLOCK) and _SEGMENT.fullmatch(path[len(UNLOCK) :]):
                return Front.back_to_form
            if method == "HEAD":
                raise FallThrough
            if path == "/health":
                return Front.health
            if path == LINKS:
                return Front.list_links
            if path.startswith(LINKS + "/"):
                short_id = path[len(LINKS) + 1 :]
                if _SHORT_ID.fullmatch(short_id) and short_id not in _NOT_IDS:
                    return Front.read_link
        elif method == "POST" and path == LINKS and self.creates:
            return Front.create_link
        raise FallThrough

    def __call__(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The Lambda response to `event`; raises FallThrough for the whole app to answer."""
        request = Request(event)
        route = self.route(request)
        started = time.perf_counter()
        offered = request.header("x-correlation-id")
        if offered is None:
            offered = event["requestContext"].get("requestId")
        correlation_id = choose_correlation_id(offered)
        bind_correlation_id(correlation_id)
        try:
            status, body, headers = route(self, request)
        except DomainError as error:
            status, content, extra = domain_error_answer(error, request.parameters())
            body = render(content)
            headers = {name.lower(): value for name, value in (extra or {}).items()}
            response = self.respond(request, status, body, headers, correlation_id)
        except FallThrough:
            raise
        except Exception:
            # As the app's handler of last resort answers (errors.py): Starlette sends its
            # 500 from outside every middleware, so it carries none of their headers.
            logger.exception("unhandled error")
            status = 500
            failed = render({"message": INTERNAL_ERROR})
            response = {
                "statusCode": status,
                "body": failed.decode(),
                "headers": {
                    "content-length": str(len(failed)),
                    "content-type": "application/json",
                },
                "isBase64Encoded": False,
            }
        else:
            response = self.respond(request, status, body, headers, correlation_id)
        # The access line CorrelationIdMiddleware writes for the app's requests.
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            },
        )
        return response

    def respond(
        self,
        request: Request,
        status: int,
        body: bytes,
        headers: dict[str, str],
        correlation_id: str,
    ) -> dict[str, Any]:
        """The payload-2.0 response Mangum would make of the app's answer."""
        out = {**headers, "content-type": "application/json"}
        if status != 304:  # a 304 has no content-length (RFC 9110 8.6), as the app's
            out["content-length"] = str(len(body))
        if self.origins:  # Starlette's CORSMiddleware on a request that is not a preflight
            origin = request.header("origin")
            if origin is not None:
                if self.any_origin:
                    out["access-control-allow-origin"] = "*"
                out["access-control-expose-headers"] = EXPOSED
                if not self.any_origin and origin in self.origins:
                    out["access-control-allow-origin"] = origin
            out["vary"] = "Origin"
        for name, value in SECURITY_HEADERS:
            out.setdefault(name, value)
        out["x-correlation-id"] = correlation_id
        return {
            "statusCode": status,
            "body": body.decode(),
            "headers": out,
            "isBase64Encoded": False,
        }

    def caller(self, request: Request) -> Principal:
        return self.services.auth.authenticate(
            request.header("authorization"), request.gateway_claims()
        )

    def short_base(self, request: Request) -> tuple[str | None, str]:
        host = operations.viewer_host(self.settings, request.header)
        return host, operations.short_base(self.settings, host)

    def health(self, request: Request) -> tuple[int, bytes, dict[str, str]]:
        return 200, operations.health_json(self.settings), {}

    def read_link(self, request: Request) -> tuple[int, bytes, dict[str, str]]:
        short_id = request.path[len(LINKS) + 1 :]
        caller = self.caller(request)
        _, base = self.short_base(request)
        status, body, tag = operations.read_link_answer(
            self.services.links,
            caller.sub,
            short_id,
            base,
            request.header("if-none-match"),
            request.header("if-match"),
        )
        return status, body, {"etag": tag}

    def list_links(self, request: Request) -> tuple[int, bytes, dict[str, str]]:
        parameters = request.parameters()
        accept = request.header("accept")
        if not parameters.keys() <= _LIST_PARAMETERS or (accept and "csv" in accept.lower()):
            raise FallThrough  # searches, pages, CSV: FastAPI's
        limit = parameters.get("limit", str(DEFAULT_PAGE_SIZE))
        cursor = parameters.get("cursor")
        tag = parameters.get("tag")
        if (
            not _LIMIT.fullmatch(limit)
            or int(limit) > MAX_PAGE_SIZE
            or (cursor is not None and len(cursor) > _CURSOR_MAX)
            or (tag is not None and len(tag) > _TAG_MAX)
        ):
            raise FallThrough  # FastAPI's 422 words these
        caller = self.caller(request)
        _, base = self.short_base(request)
        body, next_cursor = operations.list_links_json(
            self.services.links, caller.sub, base, tag=tag, limit=int(limit), cursor=cursor
        )
        headers = next_page_headers(request.path, next_cursor, int(limit), {"tag": tag})
        return 200, body, {name.lower(): value for name, value in headers.items()}

    def back_to_form(self, request: Request) -> tuple[int, bytes, dict[str, str]]:
        """The unlock route's GET and HEAD (routes/redirects.back_to_form): reads nothing."""
        short_id = request.path[len(UNLOCK) :]
        if not is_possible_short_id(short_id):
            return 404, render({"message": NOT_FOUND}), {}
        return 303, b"", {"location": link_path(short_id), "cache-control": CACHE_NO_STORE}

    def create_link(self, request: Request) -> tuple[int, bytes, dict[str, str]]:
        content_type = request.header("content-type")
        if request.query or content_type is None or content_type.lower() not in _JSON_TYPES:
            raise FallThrough
        if coding_refusal(request.header("content-encoding")):
            raise FallThrough  # the app refuses a body in a content coding (415, decision 0702)
        data = request.body(self.max_body)
        # The request models (~40 M instructions) load with the first create, not at init:
        # a container whose first requests read links does not wait for them.
        from pydantic import ValidationError

        from shortstack.entrypoints.http.schemas.links import LinkCreate

        # Read from the bytes by pydantic-core, not json.loads and then validated: half the
        # instructions. What it refuses falls through for the app to word: invalid JSON, not
        # an object, a body that does not validate, and also what json.loads reads and it
        # does not (a UTF-8 byte order mark; UTF-16 and UTF-32, which the app refuses, see
        # json_text.py). What it takes, json.loads and validation take alike
        # (tests/unit/test_lambda_api_front.py).
        try:
            body = LinkCreate.model_validate_json(data)
        except ValidationError as error:
            # FastAPI parses the JSON, then solves the caller, then validates: an unknown
            # caller's 401 comes before a parsed body's 422.
            if error.errors()[0]["type"] != "json_invalid":
                self.caller(request)
            raise FallThrough from None
        caller = self.caller(request)
        host, base = self.short_base(request)
        answer, tag = operations.create_link(self.services.links, caller.sub, body, host, base)
        return 201, answer, {"etag": tag}


def dump(model: BaseModel) -> bytes:
    """A response model as FastAPI sends it (by alias, compact, Pydantic's own JSON)."""
    # `model_dump_json` without its wrapper: pydantic-core's bytes, not decoded to a str
    # only to be encoded again.
    return model.__pydantic_serializer__.to_json(model, by_alias=True)


def render(content: dict[str, Any]) -> bytes:
    """An error body as Starlette's JSONResponse renders it."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode()
