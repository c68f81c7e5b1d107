"""Per-client-IP rate limiting of creating requests on the local server.

Every POST in the API creates something (a link, an item, a user, a key, an import), so
the limit applies to POSTs only: reads and redirects are never slowed down. Each client
IP has a token bucket holding up to a minute's allowance, refilled continuously, so a
burst of a minute's worth is fine and a steady flood is cut to the configured rate.
On AWS the API Gateway stage's throttling plays this part (decision 0703).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from shortstack.entrypoints.http.middleware import send_json

# Enough for every client a laptop or a small box sees; the least recently seen go first.
MAX_TRACKED_CLIENTS = 10_000


class TokenBuckets:
    """One token bucket per key, at most `max_keys` of them (least recently used evicted)."""

    def __init__(
        self,
        per_minute: int,
        max_keys: int = MAX_TRACKED_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = float(per_minute)
        self.refill_per_s = per_minute / 60.0
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Take a token for `key`: None when allowed, else the seconds until one is back."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.refill_per_s)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        if allowed:
            return None
        return (1.0 - tokens) / self.refill_per_s

    def __len__(self) -> int:
        return len(self._buckets)


def client_ip(scope: Scope) -> str:
    """The peer's address as the server saw it (never a forwarded header: those are forged)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class CreateRateLimitMiddleware:
    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            wait_s = self.buckets.take(client_ip(scope))
            if wait_s is not None:
                retry_after = max(1, math.ceil(wait_s))
                per_minute = int(self.buckets.capacity)
                await send_json(
                    send,
                    429,
                    {
                        "message": f"too many create requests from this address: at most "
                        f"{per_minute} per minute; retry in {retry_after} s"
                    },
                    [(b"retry-after", str(retry_after).encode())],
                )
                return
        await self.app(scope, receive, send)
