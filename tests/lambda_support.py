"""Helpers for feeding stored Lambda event fixtures (tests/events/*.json) to handlers."""

from __future__ import annotations

import base64
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

EVENTS_DIR = Path(__file__).parent / "events"


def load_event(name: str, **placeholders: str) -> dict[str, Any]:
    """A fixture with `{placeholder}` occurrences replaced (in paths, for ids)."""
    text = (EVENTS_DIR / name).read_text()
    for key, value in placeholders.items():
        text = text.replace("{" + key + "}", value)
    event: dict[str, Any] = json.loads(text)
    return event


def response_json(response: dict[str, Any]) -> Any:
    """The JSON body of a Lambda proxy response, base64 or not."""
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


@dataclass
class FakeLambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str = "shortstack-api"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:shortstack-api"
    aws_request_id: str = "6f0a4c1e-8b7d-4f0e-9c3a-2d1b5e7f9a10"
    log_group_name: str = "/aws/lambda/shortstack-api"
    log_stream_name: str = "2026/11/24/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def fresh_import(module_name: str) -> ModuleType:
    """Import a handler module as a new Lambda container would: from scratch."""
    sys.modules.pop(module_name, None)
    return importlib.import_module(module_name)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The Lambda event SQS would build from received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }
