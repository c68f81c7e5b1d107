"""Links with a chosen expiry and clicks on a chosen day, for the maintenance tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shortstack.domain.analytics import ClickFacts
from shortstack.domain.links import create_link

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def add_link(
    links: Any,
    short_id: str,
    expires_at: datetime | None,
    *,
    owner: str = "alice",
    created_at: datetime = NOW - timedelta(days=400),
) -> None:
    """Store a link that expires at `expires_at` (None: never), whatever the rules say."""
    link = create_link(
        short_id=short_id,
        owner=owner,
        url="https://example.com/",
        now=created_at,
        expires_at=created_at,
    )
    links.add(replace(link, expires_at=expires_at))


def click(stats: Any, event_id: str, short_id: str, day: date, **dims: Any) -> None:
    """Fold one click (a desktop Firefox visit from example.org in France, unless overridden)."""
    values: dict[str, Any] = {
        "referrer": "example.org",
        "browser": "Firefox",
        "device": "desktop",
        "is_bot": False,
        "country": "FR",
    }
    values.update(dims)
    assert stats.fold(ClickFacts(event_id=event_id, short_id=short_id, day=day, **values))
