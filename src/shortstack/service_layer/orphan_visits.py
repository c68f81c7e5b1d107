"""Reading orphan visits: the visits to paths that name no link (counted by RedirectService)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from shortstack.domain.auth import Principal
from shortstack.domain.errors import InsufficientRights
from shortstack.domain.orphan_visits import OrphanVisitKey, OrphanVisits
from shortstack.domain.pagination import MAX_PAGE_SIZE, Page
from shortstack.service_layer.ports import OrphanVisitRepository


@dataclass
class OrphanVisitsService:
    visits: OrphanVisitRepository

    def list(self, caller: Principal, *, limit: int, cursor: str | None) -> Page[OrphanVisits]:
        """Counters newest day first; only for the install's operator or an admin.

        They show paths other people tried, which says something about every owner's links.
        """
        if not caller.operates_the_service:
            raise InsufficientRights("orphan visits are shown to members of the admin group only")
        return self.visits.list(limit=max(1, min(limit, MAX_PAGE_SIZE)), cursor=cursor)


class OrphanVisitBuffer:
    """Orphan visits added up in memory and written to `store` at most every `every_s`.

    The local server's 404 then costs a dict update instead of a write in its group
    commit (decision 0112). A write happens on the visit that finds the buffer older
    than `every_s` (inside the group commit: no commit of its own), before a listing,
    and at shutdown; a crash loses at most that long's counts. The buffer holds at most
    `daily_keys` keys: a new key past that writes the buffer out first.
    """

    def __init__(
        self,
        store: OrphanVisitRepository,
        every_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._every_s = every_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._pending: dict[OrphanVisitKey, _Pending] = {}
        self._since = monotonic()

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
            pending = self._pending.get(key)
            due = self._monotonic() - self._since >= self._every_s
            if pending is None and len(self._pending) >= daily_keys:
                due = True
            if pending is None:
                self._pending[key] = _Pending(visits, at, daily_keys, forget_after)
            else:
                pending.visits += visits
                pending.last_at = max(pending.last_at, at)
        if due:
            self.flush()
        return True

    def flush(self) -> None:
        """Write every pending count to the store."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._since = self._monotonic()
        for key, counted in pending.items():
            self.store.record(
                key,
                counted.last_at,
                daily_keys=counted.daily_keys,
                forget_after=counted.forget_after,
                visits=counted.visits,
            )

    def list(self, *, limit: int, cursor: str | None) -> Page[OrphanVisits]:
        self.flush()
        return self.store.list(limit=limit, cursor=cursor)

    def forget_before(self, day: date) -> int:
        return self.store.forget_before(day)


@dataclass
class _Pending:
    visits: int
    last_at: datetime
    daily_keys: int
    forget_after: datetime
