"""The domain events a committed change announces, read from one record of the table's stream.

The stream (new and old images) is the outbox on AWS: each use case writes once,
and this module turns the committed change back into the event the use case
announces locally (the contract suite checks that both runtimes announce the
same). Rules, by the `entity` of the item:

- item, user, link, import: a new item is its Created (`ImportRequested` for an
  import), a removed one its Deleted (also when maintenance or the TTL removed
  it); an update that moved `updated_at` is its Updated, with the field names
  the update stored in `changed_fields`;
- link: an update that added exactly one click (`click_count`, with the click's
  `visit` facts) is a LinkClicked, with the rule or variant that chose the
  destination found again from the facts and the link's new image (decision
  0106); the same for a hot link's counter shard (hot_links.py), whose clicks
  belong to its link (a shard holds no rules: its clicks name none); an update
  that added exactly one `bot_count` is a LinkVisitedByBot;
- import: one made for an upload URL (`awaiting_upload`) announces nothing until its
  file lands, when the update to `pending` is its ImportRequested; an update into a
  final status is its ImportFinished (also for an upload that never came).

Anything else (stats, fold watermarks, idempotency records, API keys, row
errors, e-mail guards, the stream consumer's own writes) announces nothing.

An event's id is derived from the stream record's `eventID`, which stays the
same however often the record is delivered or read back, so consumers
recognise a redelivery as the same event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from shortstack.adapters.dynamodb.codec import from_attributes
from shortstack.adapters.dynamodb.links import link_of
from shortstack.adapters.dynamodb.streamed import BOTS, CHANGED, CLICKS, VISIT, click_of
from shortstack.adapters.link_routing_codec import rules_from_text, variants_from_text
from shortstack.domain import events
from shortstack.domain.clock import from_iso
from shortstack.domain.events import Event
from shortstack.domain.imports import ImportStatus, import_finished, import_requested
from shortstack.domain.link_routing import choose_destination
from shortstack.service_layer.relay import Change

HOT_SHARD_ENTITY = "link_clicks"
# The items whose clicks a window sums into their link's days.
_COUNTED = frozenset({"link", HOT_SHARD_ENTITY})


class UnreadableRecord(ValueError):
    """A stream record this module cannot read: it is reported failed, never skipped."""


def sequence_of(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def change_of(record: Mapping[str, Any]) -> Change:
    """The events of one stream record (Lambda's or GetRecords' shape); UnreadableRecord."""
    try:
        return Change(
            sequence_of(record), tuple(_events_of(record)), _link_owner(record), _removed(record)
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UnreadableRecord(f"{type(exc).__name__}: {exc}") from exc


def _link_owner(record: Mapping[str, Any]) -> str | None:
    """The owner in a link's new image, or its old one when removed (the click fold's owner
    roll-up reads it from here)."""
    stream = record["dynamodb"]
    image = stream.get("NewImage") or stream.get("OldImage") or {}
    if (image.get("entity") or {}).get("S") != "link":
        return None
    owner = (image.get("owner") or {}).get("S")
    return str(owner) if owner else None


def _removed(record: Mapping[str, Any]) -> str | None:
    """The link whose item or counter shard this record removed, if it did."""
    stream = record["dynamodb"]
    old = stream.get("OldImage") or {}
    if stream.get("NewImage") or (old.get("entity") or {}).get("S") not in _COUNTED:
        return None
    short_id = (old.get("short_id") or {}).get("S")
    return str(short_id) if short_id else None


def stable_id(event_id: str, detail_type: str) -> str:
    """A 32-hex-digit event id, the same for every delivery of one stream record."""
    return hashlib.sha256(f"{event_id}#{detail_type}".encode()).hexdigest()[:32]


def _when(record: Mapping[str, Any]) -> datetime:
    """When the change happened as the stream saw it (epoch seconds from Lambda)."""
    value = record["dynamodb"]["ApproximateCreationDateTime"]
    if isinstance(value, datetime):  # GetRecords through boto3
        return value.astimezone(UTC)
    return datetime.fromtimestamp(float(value), UTC)


def _events_of(record: Mapping[str, Any]) -> list[Event]:
    stream = record["dynamodb"]
    raw_new, raw_old = stream.get("NewImage"), stream.get("OldImage")
    # Told apart before reading the images whole: items that announce nothing (the stats,
    # with their binary visitor sketches) are never decoded.
    entity = ((raw_new or raw_old or {}).get("entity") or {}).get("S")
    derive = _DERIVE.get(str(entity))
    if derive is None:
        return []
    new = _image(raw_new) if raw_new else None
    old = _image(raw_old) if raw_old else None
    return [_with_stable_id(event, str(record["eventID"])) for event in derive(new, old, record)]


def _image(raw: Mapping[str, Any]) -> dict[str, Any]:
    # DynamoDB Local streams an empty map or list as `{}`, with no type: read it as absent.
    return from_attributes({name: value for name, value in raw.items() if value})


def _with_stable_id(event: Event, event_id: str) -> Event:
    return Event(
        event.source,
        event.detail_type,
        event.detail,
        event.time,
        id=stable_id(event_id, event.detail_type),
    )


def _updated(new: Mapping[str, Any] | None, old: Mapping[str, Any] | None) -> bool:
    return bool(new and old and new.get("updated_at") != old.get("updated_at"))


def _fields(new: Mapping[str, Any]) -> list[str]:
    return [str(name) for name in new.get(CHANGED) or ()]


def _item(new: Any, old: Any, record: Mapping[str, Any]) -> list[Event]:
    if old is None:
        return [events.item_created(new["item_id"], new["owner"], new["category"], _at(new))]
    if new is None:
        return [events.item_deleted(old["item_id"], old["owner"], _when(record))]
    if _updated(new, old):
        updated_at = from_iso(new["updated_at"])
        return [events.item_updated(new["item_id"], new["owner"], _fields(new), updated_at)]
    return []


def _user(new: Any, old: Any, record: Mapping[str, Any]) -> list[Event]:
    if old is None:
        return [events.user_created(new["user_id"], _at(new))]
    if new is None:
        return [events.user_deleted(old["user_id"], _when(record))]
    return []


def _link(new: Any, old: Any, record: Mapping[str, Any]) -> list[Event]:
    if old is None:
        return [events.link_created(link_of(new))]
    if new is None:
        return [events.link_deleted(old["short_id"], old["owner"], _when(record))]
    if _updated(new, old):
        updated_at = from_iso(new["updated_at"])
        return [events.link_updated(link_of(new), _fields(new), updated_at)]
    return _clicks(new, old, record)


def _clicks(new: Any, old: Any, record: Mapping[str, Any]) -> list[Event]:
    """LinkClicked (or LinkVisitedByBot) when this write added exactly one and its facts."""
    if new is None or VISIT not in new:
        return []
    click = click_of(new[VISIT])
    if _added_one(new, old, BOTS):
        return [events.link_visited_by_bot(new["short_id"], click)]
    if not _added_one(new, old, CLICKS):
        return []  # not a click: counts moved between items, or a shard was sealed
    destination = None
    if new.get("entity") == "link":
        destination = choose_destination(
            new["url"],
            rules_from_text(new.get("rules")),
            variants_from_text(new.get("variants")),
            click.facts(),
            click.spin,
        )
    return [events.link_clicked(new["short_id"], click, destination)]


def _added_one(new: Mapping[str, Any], old: Mapping[str, Any] | None, counter: str) -> bool:
    return int(new.get(counter, 0)) == int((old or {}).get(counter, 0)) + 1


def _import(new: Any, old: Any, record: Mapping[str, Any]) -> list[Event]:
    from shortstack.adapters.dynamodb.imports import job_of

    if new is None:
        return []
    now = ImportStatus(new["status"])
    if old is None:
        # A job made for an upload URL is requested when its file lands, not before.
        return [] if now is ImportStatus.AWAITING_UPLOAD else [import_requested(job_of(new))]
    was = ImportStatus(old["status"])
    if was is ImportStatus.AWAITING_UPLOAD and now is ImportStatus.PENDING:
        return [import_requested(job_of(new))]
    if now.is_final and not was.is_final:
        return [import_finished(job_of(new), from_iso(new["updated_at"]))]
    return []


def _at(values: Mapping[str, Any]) -> datetime:
    return from_iso(values["created_at"])


_DERIVE = {
    "item": _item,
    "user": _user,
    "link": _link,
    "import": _import,
    HOT_SHARD_ENTITY: _clicks,
}
