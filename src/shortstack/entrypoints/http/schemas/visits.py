"""Orphan visits as the HTTP API lists them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, field_serializer

from shortstack.domain.clock import to_iso
from shortstack.domain.orphan_visits import OrphanVisits


class OrphanVisitPublic(BaseModel):
    """The visits one UTC day counted to a path that names no link, by referrer and browser."""

    path: str
    day: date
    referrer_host: str
    browser: str
    visits: int
    last_visit_at: datetime

    @field_serializer("last_visit_at")
    def _iso(self, value: datetime) -> str:
        return to_iso(value)

    @classmethod
    def of(cls, counter: OrphanVisits) -> OrphanVisitPublic:
        key = counter.key
        return cls(
            path=f"/{key.path}",
            day=key.day,
            referrer_host=key.referrer_host,
            browser=key.browser,
            visits=counter.visits,
            last_visit_at=counter.last_visit_at,
        )
