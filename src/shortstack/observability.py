"""Structured JSON logs (Powertools Logger) with the request's correlation id on every line.

The correlation id lives in a context variable (Powertools' thread-safe keys
are ContextVar-backed), so concurrent requests on one event loop never mix
their ids.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from shortstack.correlation import choose_correlation_id

__all__ = ["bind_correlation_id", "choose_correlation_id", "configure_logging", "logger"]

logger = Logger(service="shortstack")


def configure_logging(service_name: str, level: str) -> None:
    """Apply the settings' service name and level to the shared logger."""
    logger.setLevel(level)
    logger.append_keys(service=service_name)


def bind_correlation_id(correlation_id: str) -> None:
    """Attach the id to every log line written in the current context (task or thread)."""
    logger.thread_safe_append_keys(correlation_id=correlation_id)
