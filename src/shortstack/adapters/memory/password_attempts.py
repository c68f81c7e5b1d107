"""Password attempts in a dict, for tests and the in-memory runtime."""

from __future__ import annotations

import threading
from datetime import datetime


class MemoryPasswordAttempts:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, datetime], int] = {}
        self._lock = threading.Lock()

    def claim(
        self, short_id: str, client: str, window: datetime, forget_after: datetime, limit: int
    ) -> bool:
        with self._lock:
            key = (short_id, client, window)
            if self._counts.get(key, 0) >= limit:
                return False
            self._counts[key] = self._counts.get(key, 0) + 1
            return True

    def give_back(self, short_id: str, client: str, window: datetime) -> None:
        with self._lock:
            key = (short_id, client, window)
            self._counts[key] = max(0, self._counts.get(key, 0) - 1)
