"""AWS Lambda entry for redirects: `GET/HEAD /{short_id}` from a function URL or an HTTP API.

Behind CloudFront the function is reached through its function URL (origin access
control); the event is payload format 2.0 without route parameters, so the short
id is the path itself. API Gateway's payload-2.0 events (`pathParameters`) work too.

Light on purpose: it imports neither FastAPI, Pydantic, pydantic-settings nor
Powertools, only boto3 (which it needs) and the stdlib-only domain, service
and `entrypoints.redirects` modules it shares with the local server, so the
statuses, headers and bodies are the same. Its cold start stays close to a
hand-written handler's (docs/decisions/0101-light-redirect-lambda.md).

Everything is built once per container, at import, in Lambda's init phase.
Logs are JSON lines in the same shape as the rest of the app's; a redirect
writes none unless something fails (every counted visit is a LinkClicked
event already).
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import time
from typing import Any
from urllib.parse import unquote

from shortstack.adapters.aws import ORPHAN_VISIT_BUDGET, REDIRECT_BUDGET, lazy_client, make_client
from shortstack.adapters.crawlers import crawler_kind
from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.adapters.dynamodb.orphan_visits import DynamoDBOrphanVisitRepository
from shortstack.adapters.dynamodb.outbox import StreamUnitOfWork
from shortstack.adapters.dynamodb.password_attempts import DynamoDBPasswordAttempts
from shortstack.correlation import choose_correlation_id
from shortstack.entrypoints.lambda_init import freeze_what_init_built
from shortstack.entrypoints.redirects import (
    FORM_BODY_MAX,
    REDIRECT_METHODS,
    Reply,
    answer,
    error_reply,
)
from shortstack.redirect_config import RedirectSettings, redirect_settings
from shortstack.service_layer.redirects import RedirectService


class JsonLines(logging.Formatter):
    """One JSON object per record, with the keys the Powertools logger writes elsewhere."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "service": self.service,
            "correlation_id": getattr(record, "correlation_id", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def _configure_logging(settings: RedirectSettings) -> logging.Logger:
    log = logging.getLogger("shortstack")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines(settings.service_name))
    log.handlers = [handler]
    log.setLevel(settings.log_level)
    log.propagate = False
    return log


def build(settings: RedirectSettings) -> RedirectService:
    """The redirect use case on DynamoDB, or on the in-memory fakes for tests and benchmarks.

    SQLite is refused: only the local server, which redirects by itself, uses it.
    """
    if settings.storage == "memory":
        from shortstack.adapters.memory.events import MemoryEventPublisher
        from shortstack.adapters.memory.links import MemoryLinkRepository
        from shortstack.adapters.memory.password_attempts import MemoryPasswordAttempts
        from shortstack.service_layer.events import PublishingUnitOfWork

        return RedirectService(
            MemoryLinkRepository(),
            PublishingUnitOfWork(MemoryEventPublisher()),
            MemoryPasswordAttempts(),
            crawler_kind,
        )
    if settings.storage != "dynamodb":
        raise ValueError("the redirect Lambda needs STORAGE=dynamodb (or memory)")
    client = make_client("dynamodb", settings.aws_endpoint_url, REDIRECT_BUDGET)
    # Nothing is published: the click's UpdateItem is the record the stream consumer reads.
    return RedirectService(
        DynamoDBLinkRepository(client, settings.table_name),
        StreamUnitOfWork(),
        DynamoDBPasswordAttempts(client, settings.table_name),
        crawler_kind,
        visitor_salt=settings.visitor_hash_salt,
        # Its own client, built at the first orphan visit: its budget is its own (0112), and
        # a container that never answers one never pays for it.
        orphans=DynamoDBOrphanVisitRepository(
            lazy_client(
                lambda: make_client("dynamodb", settings.aws_endpoint_url, ORPHAN_VISIT_BUDGET)
            ),
            settings.table_name,
        ),
        orphan_daily_keys=settings.orphan_visits_daily_keys,
        orphan_retention_days=settings.orphan_visits_retention_days,
    )


settings = redirect_settings()
log = _configure_logging(settings)
redirects = build(settings)
freeze_what_init_built()


def to_response(reply: Reply) -> dict[str, Any]:
    """A payload-2.0 Lambda response."""
    return {
        "statusCode": reply.status,
        "headers": dict(reply.headers),
        "body": reply.body.decode(),
        "isBase64Encoded": False,
    }


def short_id_of(event: dict[str, Any]) -> str:
    """The short id an event asks for: a route parameter, else the one-segment path."""
    parameters = event.get("pathParameters") or {}
    if "short_id" in parameters:
        return str(parameters["short_id"])
    # A function URL hands every path to the function: only `/<id>` can be a short link.
    path = str(event.get("rawPath") or "")
    if "%" in path:
        # ... as the viewer wrote it: `/%61bc` is the path `/abc` (RFC 3986), as the local
        # server and API Gateway read it; an escaped "/" still makes two segments.
        path = unquote(path)
    return path[1:] if path.count("/") == 1 else ""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one `GET/HEAD/POST /{short_id}` event."""
    request = event.get("requestContext") or {}
    http = request.get("http") or {}
    method = str(http.get("method", "")).upper()
    # Payload 2.0 delivers header names in lower case (and joins repeated ones with commas),
    # so the mapping is used as it comes: a copy is a visible share of a warm invocation
    # (bench/README.md, "Redirect warm overhead").
    headers: dict[str, str] = event.get("headers") or {}
    correlation_id = choose_correlation_id(
        headers.get("x-correlation-id") or request.get("requestId")
    )
    if method not in REDIRECT_METHODS:
        return to_response(error_reply(405, "method not allowed", method, correlation_id))
    body = body_of(event) if method == "POST" else b""
    # Only the distribution can invoke the function URL (AWS_IAM, signed by its origin access
    # control), so the CloudFront-Viewer-* headers are CloudFront's (docs/decisions/0704); the
    # viewer's address is that header alone: behind CloudFront `sourceIp` is the edge's.
    reply = answer(
        redirects,
        method,
        short_id_of(event),
        headers,
        correlation_id,
        query=str(event.get("rawQueryString") or ""),
        body=body,
        edge=True,
    )
    return to_response(reply)


def body_of(event: dict[str, Any]) -> bytes:
    """A POST's body (a password form), cut one byte past the longest form.

    A body that is not valid base64 reads as bytes no form holds (not UTF-8).
    """
    raw = str(event.get("body") or "")[: FORM_BODY_MAX * 2]
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(raw)[: FORM_BODY_MAX + 1]
        except ValueError:
            return b"\xff"
    return raw.encode()[: FORM_BODY_MAX + 1]
