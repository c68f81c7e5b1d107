"""AWS Lambda entry for redirects: API Gateway HTTP API (payload 2.0) `GET/HEAD /{short_id}`.

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

import json
import logging
import sys
import time
from typing import Any

from shortstack.adapters.aws import REDIRECT_BUDGET, make_client
from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.adapters.eventbridge.publisher import EventBridgePublisher
from shortstack.correlation import choose_correlation_id
from shortstack.entrypoints.lambda_init import freeze_what_init_built
from shortstack.entrypoints.redirects import REDIRECT_METHODS, Reply, answer, error_reply
from shortstack.redirect_config import RedirectSettings, load_redirect_settings
from shortstack.service_layer.links import RedirectService
from shortstack.service_layer.ports import EventPublisher


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


def make_publisher(settings: RedirectSettings) -> EventPublisher:
    """Where LinkClicked events go: the bus the API Lambda's bootstrap() publishes to."""
    return EventBridgePublisher(
        make_client("events", settings.events_endpoint_url, REDIRECT_BUDGET),
        settings.event_bus_name,
    )


def build(settings: RedirectSettings) -> RedirectService:
    """The redirect use case on DynamoDB, or on the in-memory fakes for tests and benchmarks.

    SQLite is refused: only the local server, which redirects by itself, uses it.
    """
    if settings.storage == "memory":
        from shortstack.adapters.memory.events import MemoryEventPublisher
        from shortstack.adapters.memory.links import MemoryLinkRepository

        return RedirectService(MemoryLinkRepository(), MemoryEventPublisher())
    if settings.storage != "dynamodb":
        raise ValueError("the redirect Lambda needs STORAGE=dynamodb (or memory)")
    repository = DynamoDBLinkRepository(
        make_client("dynamodb", settings.aws_endpoint_url, REDIRECT_BUDGET), settings.table_name
    )
    return RedirectService(repository, make_publisher(settings))


settings = load_redirect_settings()
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


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one `GET/HEAD /{short_id}` event."""
    request = event.get("requestContext") or {}
    method = str((request.get("http") or {}).get("method", "")).upper()
    # Payload 2.0 delivers header names in lower case (and joins repeated ones with commas),
    # so the mapping is used as it comes: a copy is a visible share of a warm invocation
    # (bench/README.md, "Redirect warm overhead").
    headers: dict[str, str] = event.get("headers") or {}
    correlation_id = choose_correlation_id(
        headers.get("x-correlation-id") or request.get("requestId")
    )
    short_id = str((event.get("pathParameters") or {}).get("short_id", ""))
    if method not in REDIRECT_METHODS:
        return to_response(error_reply(405, "method not allowed", method, correlation_id))
    return to_response(answer(redirects, method, short_id, headers, correlation_id))
