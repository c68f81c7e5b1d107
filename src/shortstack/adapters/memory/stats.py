"""Click statistics in memory, for service tests and warm benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import date

from shortstack.domain.analytics import ClickFacts, DailyStats, months_of


class MemoryClickStatsRepository:
    def __init__(self) -> None:
        self._days: dict[tuple[str, date], DailyStats] = {}
        self._months: dict[tuple[str, date], DailyStats] = {}
        self._owner_days: dict[tuple[str, date], DailyStats] = {}
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
            if facts.owner:
                owner_day = self._owner_days.setdefault(
                    (facts.owner, facts.day), DailyStats(day=facts.day)
                )
                owner_day.add(facts, facts.owner_values())
            return True

    def fold_many(self, batch: Sequence[ClickFacts]) -> list[bool]:
        return [self.fold(facts) for facts in batch]

    def owner_days(self, owner: str, first: date, last: date) -> list[DailyStats]:
        with self._lock:
            found = [
                _copy_day(stats)
                for (who, day), stats in self._owner_days.items()
                if who == owner and first <= day <= last
            ]
        return sorted(found, key=lambda stats: stats.day)

    def days(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        with self._lock:
            found = [
                stats
                for (owner_id, day), stats in self._days.items()
                if owner_id == short_id and first <= day <= last
            ]
        return sorted(found, key=lambda stats: stats.day)

    def months(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        with self._lock:
            found = [
                _copy(stats)
                for (owner_id, month), stats in self._months.items()
                if owner_id == short_id and first <= month <= last
            ]
        return sorted(found, key=lambda stats: stats.day)

    def delete_link(self, short_id: str) -> None:
        with self._lock:
            for store in (self._days, self._months):
                for key in [key for key in store if key[0] == short_id]:
                    del store[key]

    def links_with_days_before(self, boundary: date) -> Iterator[str]:
        with self._lock:
            found = {short_id for short_id, day in self._days if day < boundary}
        yield from sorted(found)

    def roll_up_days(self, short_id: str, days: Sequence[DailyStats]) -> int:
        rolled = 0
        with self._lock:
            for month, total in months_of(days).items():
                in_month = [stats for stats in days if stats.day.replace(day=1) == month]
                # A day that changed after it was read keeps its whole month for the next run.
                if any(self._clicks_now(short_id, stats.day) != stats.clicks for stats in in_month):
                    continue
                self._months.setdefault((short_id, month), DailyStats(day=month)).absorb(total)
                for stats in in_month:
                    del self._days[(short_id, stats.day)]
                rolled += len(in_month)
        return rolled

    def _clicks_now(self, short_id: str, day: date) -> int | None:
        stored = self._days.get((short_id, day))
        return stored.clicks if stored is not None else None


def _copy_day(stats: DailyStats) -> DailyStats:
    copied = DailyStats(day=stats.day)
    copied.merge_day(stats)
    return copied


def _copy(stats: DailyStats) -> DailyStats:
    copied = DailyStats(day=stats.day)
    copied.absorb(stats)
    return copied
