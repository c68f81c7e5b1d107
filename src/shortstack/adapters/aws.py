"""boto3 clients with explicit timeouts and bounded, adaptive retries.

A slow dependency then fails a request in seconds instead of holding a
Lambda until its own timeout. boto3 is imported lazily: entrypoints that
never talk to AWS (the local server) do not pay its import time.
"""

from __future__ import annotations

import threading
from typing import Any

CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 5
MAX_ATTEMPTS = 3  # in all, the first call included


def make_client(service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client for `service`, configured for short, bounded waits."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        # botocore's `max_attempts` counts retries only (3 would mean 4 calls);
        # `total_max_attempts` counts every call, which is what MAX_ATTEMPTS says.
        retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
        tcp_keepalive=True,
    )
    return boto3.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]


class LazyClient:
    """A boto3 client built on first use: a Lambda that never needs a service (the API
    serving a GET, which never starts an import) does not pay its set-up, tens of
    milliseconds of a cold start (bench/README.md, "Costs the code is shaped around")."""

    def __init__(self, service: str, endpoint_url: str | None = None) -> None:
        self._service = service
        self._endpoint_url = endpoint_url
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = make_client(self._service, self._endpoint_url)
        return getattr(self._client, name)
