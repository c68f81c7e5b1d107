"""Password attempts in a dict, for tests and the in-memory runtime."""

from __future__ import annotations

import threading
from datetime import datetime

from shortstack.domain.passwords import Claim


class MemoryPasswordAttempts:
    def __init__(self) -> None:
        # Per link, client and window: attempts held (in flight or wrong), and wrong ones.
        self._counts: dict[tuple[str, str, datetime], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def claim(
        self, short_id: str, client: str, window: datetime, forget_after: datetime, limit: int
    ) -> Claim:
        with self._lock:
            key = (short_id, client, window)
            held, wrong = self._counts.get(key, (0, 0))
            if held >= limit:
                return Claim.SPENT if wrong >= limit else Claim.BUSY
            self._counts[key] = (held + 1, wrong)
            return Claim.CLAIMED

    def give_back(self, short_id: str, client: str, window: datetime) -> None:
        with self._lock:
            key = (short_id, client, window)
            held, wrong = self._counts.get(key, (0, 0))
            self._counts[key] = (max(wrong, held - 1), wrong)

    def keep_as_wrong(self, short_id: str, client: str, window: datetime) -> None:
        with self._lock:
            key = (short_id, client, window)
            held, wrong = self._counts.get(key, (0, 0))
            self._counts[key] = (held, min(held, wrong + 1))
