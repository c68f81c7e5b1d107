"""Orphan-visit counters in a dict, for tests and the in-memory runtime."""

from __future__ import annotations

import threading
from datetime import date, datetime

from shortstack.domain.orphan_visits import (
    OrphanVisitKey,
    OrphanVisits,
    decode_position,
    encode_position,
)
from shortstack.domain.pagination import Page


class MemoryOrphanVisitRepository:
    def __init__(self) -> None:
        self._counts: dict[OrphanVisitKey, OrphanVisits] = {}
        self._lock = threading.Lock()

    def record(
        self,
        key: OrphanVisitKey,
        at: datetime,
        *,
        daily_keys: int,
        forget_after: datetime,
        visits: int = 1,
    ) -> bool:
        with self._lock:
            known = self._counts.get(key)
            if known is None:
                if sum(1 for other in self._counts if other.day == key.day) >= daily_keys:
                    return False
                self._counts[key] = OrphanVisits(key, visits, at)
            else:
                self._counts[key] = OrphanVisits(
                    key, known.visits + visits, max(at, known.last_visit_at)
                )
            return True

    def list(self, *, limit: int, cursor: str | None) -> Page[OrphanVisits]:
        with self._lock:
            rows = sorted(self._counts.values(), key=lambda row: _order(row.key))
        if cursor:
            after = _order(decode_position(cursor))
            rows = [row for row in rows if _order(row.key) > after]
        page = rows[:limit]
        more = len(rows) > limit
        return Page(page, encode_position(page[-1].key) if more else None)

    def forget_before(self, day: date) -> int:
        with self._lock:
            old = [key for key in self._counts if key.day < day]
            for key in old:
                del self._counts[key]
        return len(old)


def _order(key: OrphanVisitKey) -> tuple[int, str, str, str]:
    return (-key.day.toordinal(), key.path, key.referrer_host, key.browser)
