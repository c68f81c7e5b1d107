"""PutEvents in batches of ten, retrying the entries EventBridge did not accept.

EventBridge gives every entry an id of its own, so the event's stable id
travels inside the detail as `event_id` (EventBridge may not be asked to keep
ours): a publish retried after a lost response is then still recognised as the
same event by the consumers' idempotency. `event_from_eventbridge` reads it back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shortstack.domain.clock import from_iso
from shortstack.domain.events import Event

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

BATCH = 10  # PutEvents' limit per call
ATTEMPTS = 3
EVENT_ID_KEY = "event_id"


class PublishFailed(RuntimeError):
    """Some events were not accepted after every attempt."""


def to_entry(event: Event, bus_name: str) -> PutEventsRequestEntryTypeDef:
    """One PutEvents entry; the detail carries the event's stable id."""
    return {
        "Source": event.source,
        "DetailType": event.detail_type,
        "Detail": json.dumps({**dict(event.detail), EVENT_ID_KEY: event.id}),
        "Time": event.time,
        "EventBusName": bus_name,
    }


def event_from_eventbridge(data: Mapping[str, Any]) -> Event:
    """An EventBridge event (as a rule delivers it to SQS) as our Event, with our id."""
    detail = dict(data.get("detail") or {})
    event_id = detail.pop(EVENT_ID_KEY, None) or data["id"]
    return Event(
        id=str(event_id),
        source=str(data["source"]),
        detail_type=str(data["detail-type"]),
        time=from_iso(str(data["time"])),
        detail=detail,
    )


class EventBridgePublisher:
    def __init__(
        self, client: EventBridgeClient, bus_name: str, retry_pause_s: float = 0.1
    ) -> None:
        self._client = client
        self._bus = bus_name
        self._pause = retry_pause_s

    def publish(self, events: Sequence[Event]) -> None:
        for start in range(0, len(events), BATCH):
            self._put([to_entry(event, self._bus) for event in events[start : start + BATCH]])

    def _put(self, entries: list[PutEventsRequestEntryTypeDef]) -> None:
        errors: list[str] = []
        for attempt in range(ATTEMPTS):
            response = self._client.put_events(Entries=entries)
            if not response.get("FailedEntryCount"):
                return
            results = response.get("Entries", [])
            failed = [
                (entry, result)
                for entry, result in zip(entries, results, strict=False)
                if result.get("ErrorCode")
            ]
            if not failed:  # a count without per-entry errors: nothing left to retry
                raise PublishFailed(f"EventBridge reported failures without details: {response}")
            entries = [entry for entry, _ in failed]
            errors = [f"{r['ErrorCode']}: {r.get('ErrorMessage', '')}" for _, r in failed]
            if attempt + 1 < ATTEMPTS:
                time.sleep(self._pause * (2**attempt))
        raise PublishFailed(f"{len(entries)} event(s) not accepted by EventBridge: {errors[:3]}")
