"""Structured JSON logs (Powertools Logger) with the request's correlation id on every line.

The correlation id lives in a context variable (Powertools' thread-safe keys
are ContextVar-backed), so concurrent requests on one event loop never mix
their ids.
"""

from __future__ import annotations

import re
import uuid

from aws_lambda_powertools import Logger

logger = Logger(service="shortstack")

_SAFE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def configure_logging(service_name: str, level: str) -> None:
    """Apply the settings' service name and level to the shared logger."""
    logger.setLevel(level)
    logger.append_keys(service=service_name)


def choose_correlation_id(offered: str | None) -> str:
    """The caller's id when it is safe to echo and log, otherwise a fresh one."""
    if offered and _SAFE_CORRELATION_ID.match(offered):
        return offered
    return uuid.uuid4().hex


def bind_correlation_id(correlation_id: str) -> None:
    """Attach the id to every log line written in the current context (task or thread)."""
    logger.thread_safe_append_keys(correlation_id=correlation_id)
