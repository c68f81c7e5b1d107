"""Domain events: facts that happened, published through the EventPublisher port.

An event carries a stable id, a source, a detail type, a time and a JSON
detail, the same envelope as an EventBridge event, so local queues and AWS
carry it unchanged. Consumers derive their idempotency key from it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from typing import Any

from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.link_routing import Destination
from shortstack.domain.links import Link
from shortstack.domain.slotted import frozen_slots
from shortstack.domain.visits import Click

SOURCE_ITEMS = "shortstack.items"
SOURCE_USERS = "shortstack.users"
SOURCE_LINKS = "shortstack.links"
SOURCE_IMPORTS = "shortstack.imports"


@frozen_slots
class Event:
    source: str
    detail_type: str
    detail: Mapping[str, Any]
    time: datetime
    # uuid4().hex's format (32 hex digits, 122 random bits or more) at a fifth of its cost.
    id: str = field(default_factory=lambda: os.urandom(16).hex())

    @property
    def idempotency_key(self) -> str:
        """What makes two deliveries "the same event" for a consumer."""
        return f"{self.source}#{self.detail_type}#{self.id}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in queues and sent to EventBridge."""
        return {
            "id": self.id,
            "source": self.source,
            "detail-type": self.detail_type,
            "time": to_iso(self.time),
            "detail": dict(self.detail),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """Read the JSON form back (also an EventBridge event, whose keys match)."""
        return cls(
            id=str(data["id"]),
            source=str(data["source"]),
            detail_type=str(data["detail-type"]),
            time=from_iso(str(data["time"])),
            detail=dict(data.get("detail") or {}),
        )


def item_created(item_id: str, owner: str, category: str, now: datetime) -> Event:
    return Event(
        SOURCE_ITEMS, "ItemCreated", {"item_id": item_id, "owner": owner, "category": category}, now
    )


def item_updated(item_id: str, owner: str, fields: list[str], now: datetime) -> Event:
    return Event(
        SOURCE_ITEMS, "ItemUpdated", {"item_id": item_id, "owner": owner, "fields": fields}, now
    )


def item_deleted(item_id: str, owner: str, now: datetime) -> Event:
    return Event(SOURCE_ITEMS, "ItemDeleted", {"item_id": item_id, "owner": owner}, now)


def user_created(user_id: str, now: datetime) -> Event:
    return Event(SOURCE_USERS, "UserCreated", {"user_id": user_id}, now)


def user_deleted(user_id: str, now: datetime) -> Event:
    return Event(SOURCE_USERS, "UserDeleted", {"user_id": user_id}, now)


def link_created(link: Link) -> Event:
    """A link was made: where it goes, its title and tags (`short_id` is its alias, chosen or
    made). Bounded by the link's own limits (URL 2,048, title 200, ten tags of 32): under
    4 KB of JSON."""
    detail = {
        "short_id": link.short_id,
        "owner": link.owner,
        "url": link.url,
        "expires_at": to_iso(link.expires_at) if link.expires_at else None,
        "title": link.title,
        "tags": list(link.tags),
    }
    return Event(SOURCE_LINKS, "LinkCreated", detail, link.created_at)


def link_updated(link: Link, fields: list[str], now: datetime) -> Event:
    """A link was changed: `fields` names every changed field; `changes` holds the new value
    of each changed one among CARRIED_CHANGES (`password`: whether one is set now, never the
    password). Rules, variants and a preview are named only: their new values are read from
    the link (they may be large), so the payload stays under 6 KB of JSON."""
    changes = {name: _new_value(link, name) for name in fields if name in CARRIED_CHANGES}
    detail = {"short_id": link.short_id, "owner": link.owner, "fields": fields, "changes": changes}
    return Event(SOURCE_LINKS, "LinkUpdated", detail, now)


# The fields of a link a LinkUpdated carries the new values of: the small ones.
CARRIED_CHANGES = (
    "url",
    "is_active",
    "expires_at",
    "title",
    "tags",
    "max_visits",
    "redirect_status",
    "valid_since",
    "fallback_url",
    "password",
    "forward_query",
)


def _new_value(link: Link, name: str) -> Any:
    if name == "password":
        return link.password_protected
    value = getattr(link, name)
    if isinstance(value, datetime):
        return to_iso(value)
    return list(value) if isinstance(value, tuple) else value


def link_deleted(short_id: str, owner: str, now: datetime) -> Event:
    return Event(SOURCE_LINKS, "LinkDeleted", {"short_id": short_id, "owner": owner}, now)


def link_clicked(short_id: str, click: Click, destination: Destination | None = None) -> Event:
    """One counted redirect; the analytics fold adds these to per-day stats.

    Every key is always present (null when the request did not say), so consumers can
    read the detail without guessing which keys exist. `referrer` is an origin only.
    `rule` and `variant` are the indexes of the link's rule or A/B variant that chose
    the destination (null: none did).
    """
    detail = {
        "short_id": short_id,
        "occurred_at": to_iso(click.at),
        "referrer": click.referrer,
        "user_agent": click.user_agent,
        "country": click.country,
        "visitor": click.visitor,
        "rule": destination.rule if destination else None,
        "variant": destination.variant if destination else None,
    }
    return Event(SOURCE_LINKS, "LinkClicked", detail, click.at)


BOT_VISIT = "LinkVisitedByBot"


def link_visited_by_bot(short_id: str, click: Click) -> Event:
    """A crawler or preview fetcher was redirected (or shown the preview): never a click.

    `bot` is `crawler` or `preview`; the stats count these apart from clicks.
    """
    detail = {
        "short_id": short_id,
        "occurred_at": to_iso(click.at),
        "user_agent": click.user_agent,
        "country": click.country,
        "bot": click.bot,
    }
    return Event(SOURCE_LINKS, BOT_VISIT, detail, click.at)
