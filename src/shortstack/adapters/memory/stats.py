"""Click statistics in memory, for service tests and warm benchmarks."""

from __future__ import annotations

import threading
from datetime import date

from shortstack.domain.analytics import ClickFacts, DailyStats


class MemoryClickStatsRepository:
    def __init__(self) -> None:
        self._days: dict[tuple[str, date], DailyStats] = {}
        self._folded: set[str] = set()
        self._lock = threading.Lock()

    def fold(self, facts: ClickFacts) -> bool:
        with self._lock:
            if facts.event_id in self._folded:
                return False
            self._folded.add(facts.event_id)
            key = (facts.short_id, facts.day)
            stats = self._days.setdefault(key, DailyStats(day=facts.day))
            stats.add(facts)
            return True

    def days(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        with self._lock:
            found = [
                stats
                for (owner_id, day), stats in self._days.items()
                if owner_id == short_id and first <= day <= last
            ]
        return sorted(found, key=lambda stats: stats.day)

    def delete_link(self, short_id: str) -> None:
        with self._lock:
            for key in [key for key in self._days if key[0] == short_id]:
                del self._days[key]
