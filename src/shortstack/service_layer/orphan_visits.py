"""Reading orphan visits: the visits to paths that name no link (counted by RedirectService)."""

from __future__ import annotations

from dataclasses import dataclass

from shortstack.domain.auth import Principal
from shortstack.domain.errors import Forbidden
from shortstack.domain.orphan_visits import OrphanVisits
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
            raise Forbidden("orphan visits are shown to members of the admin group only")
        return self.visits.list(limit=max(1, min(limit, MAX_PAGE_SIZE)), cursor=cursor)
