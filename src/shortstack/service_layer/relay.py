"""Relaying the outbox on AWS: the table's stream, to the event bus and into the click stats.

Every committed change is a record of the table's stream; the stream consumer
turns each into the events the use case announced (adapters/dynamodb/stream_events.py)
and hands them here, a batch at a time, in stream order:

- events other than LinkClicked go to the bus (PutEvents, ten at a time), and
  LinkClicked too when `clicks_on_bus` says so (subscribers such as webhooks pay
  for it: $1 per million);
- clicks are summed per link and UTC day in the shard's ClickWindow, which Lambda
  keeps between the invocations of a tumbling window; when the window closes its
  sums are added to the stats once (WindowedClickFold), a write per link and day
  per window instead of one per click, plus one per owner and day: each click's
  record names its link's owner (the link's new image holds it), and the close sums
  the links' days into their owners' roll-ups; only links no click named an owner
  for (a hot link's counter shard holds none) have theirs looked up, and one not
  there any more has its sums written nowhere. A link removed
  within the window keeps its clicks so far in its owner's days only: its own days
  went with it (ClickWindow.forget).

Only a prefix of a batch is ever relayed: at the first record that fails, or when
the invocation's time runs short, the rest is reported failed and redelivered
from there, so a record sent to the dead-letter queue was never relayed.
`replay` re-processes such records one by one (dead letters, read back from the
stream): a click is folded with its own "already counted" marker, which the
window never wrote, so nothing is counted twice (docs/decisions/0105), and only if its
link is still there.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol

from shortstack.domain.analytics import (
    HOURLY,
    LINKS,
    OWNER_DIMENSIONS,
    ClickFacts,
    DailyStats,
)
from shortstack.domain.events import BOT_VISIT, Event
from shortstack.domain.visitor_sketch import VisitorSketch
from shortstack.service_layer.ports import ClickStatsRepository, EventPublisher

CLICKED = "LinkClicked"
# What the stats fold: clicks, and bots' visits (counted apart). Both are high-volume,
# so both go to the bus only when clicks do.
VISITS = frozenset({CLICKED, BOT_VISIT})
PUT_EVENTS_BATCH = 10  # PutEvents' limit per call
# Stop relaying when an invocation has less time than this left: the rest is redelivered.
TIME_MARGIN_S = 5.0
_log = logging.getLogger("shortstack.relay")


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change: its place in its stream shard and the events it announces.

    `owner` is the owner of the link the change is a click or removal of, when its
    item says (a link's does; a hot link's counter shard's does not). `forgets` names
    the link whose item or counter shard the change removed: its clicks so far in the
    window are no longer its days' (a link made again under the alias starts at zero).
    """

    sequence: str
    events: tuple[Event, ...]
    owner: str | None = None
    forgets: str | None = None


class WindowedClickFold(Protocol):
    def add_window(
        self,
        source: str,
        window: str,
        days: Mapping[tuple[str, date], DailyStats],
        owner_days: Mapping[tuple[str, date], DailyStats],
    ) -> None:
        """Add a window's clicks to each (link, day)'s and (owner, day)'s stats, once per
        `source` and `window`.

        `source` names the stream shard, `window` the window's start (later windows sort
        after earlier ones). Safe to call again after a failure: a day that already holds
        this window is left alone, so a retried window never counts a click twice.
        """
        ...


@dataclass
class ClickWindow:
    """One shard's clicks of one tumbling window, summed per link and UTC day.

    Its state travels with the window's invocations (Lambda keeps it, at most 1 MB a
    shard); `last` is the sequence number of the last change applied, so a click or
    removal delivered again within the window is not applied twice. `owners` holds the
    owner each click named for its link, so the close need not look them up.

    `gone` holds the clicks of links removed within the window, per (owner, link, day):
    the close adds them to their owners' days only. Its link's day items went with the
    link (LinkDeleted's handler deletes them, and may well have done so before the
    window closes); writing them at the close would bring them back, under an id a
    new link may take. The removal is in the same stream shard as the link's clicks,
    after them, so the window sees it before it closes.
    """

    last: int = -1
    days: dict[tuple[str, date], DailyStats] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    gone: dict[tuple[str, str, date], DailyStats] = field(default_factory=dict)

    def add(self, sequence: str, facts: ClickFacts) -> None:
        if not self._next(sequence):
            return
        key = (facts.short_id, facts.day)
        self.days.setdefault(key, DailyStats(day=facts.day)).add(facts)
        if facts.owner is not None:
            self.owners[facts.short_id] = facts.owner

    def forget(self, sequence: str, short_id: str, owner: str | None = None) -> None:
        """The link (or its counter shard) is removed: its clicks so far count for its
        owner's days only (the owner its clicks named, else `owner`, the removed item's;
        with neither, a counter shard's, for none)."""
        if not self._next(sequence):
            return
        owner = self.owners.pop(short_id, None) or owner
        for key in [key for key in self.days if key[0] == short_id]:
            stats = self.days.pop(key)
            if owner is not None:
                day = key[1]
                self.gone.setdefault((owner, short_id, day), DailyStats(day=day)).merge_day(stats)

    def _next(self, sequence: str) -> bool:
        position = int(sequence)
        if position <= self.last:
            return False
        self.last = position
        return True

    @property
    def clicks(self) -> int:
        return sum(stats.clicks for stats in self.days.values())

    def unowned(self) -> set[str]:
        """The window's links whose clicks named no owner."""
        return {short_id for short_id, _ in self.days if short_id not in self.owners}

    def owner_days(
        self, owners: Mapping[str, str] | None = None
    ) -> dict[tuple[str, date], DailyStats]:
        """The window's days summed per owner: the one its clicks named, else `owners`'
        (links with neither, such as a deleted link's counter shard, left out), and the
        removed links' clicks (`gone`)."""
        rolled: dict[tuple[str, date], DailyStats] = {}
        found = [
            (self.owners.get(short_id) or (owners or {}).get(short_id), short_id, day, stats)
            for (short_id, day), stats in self.days.items()
        ]
        found += [
            (owner, short_id, day, stats) for (owner, short_id, day), stats in self.gone.items()
        ]
        for owner, short_id, day, stats in found:
            if owner is None:
                continue
            owner_day = rolled.setdefault((owner, day), DailyStats(day=day))
            owner_day.merge_day(stats, OWNER_DIMENSIONS)
            if stats.clicks:
                links = owner_day.counts.setdefault(LINKS, {})
                links[short_id] = links.get(short_id, 0) + stats.clicks
        return rolled

    def to_state(self) -> dict[str, Any]:
        """The JSON state Lambda hands back to the window's next invocation."""
        state: dict[str, Any] = {
            "last": str(self.last),
            "owners": self.owners,
            "days": [_day_state(*key, stats) for key, stats in self.days.items()],
        }
        if self.gone:  # [owner, short id, day, ...]
            state["gone"] = [
                [owner, *_day_state(short_id, day, stats)]
                for (owner, short_id, day), stats in self.gone.items()
            ]
        return state

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> ClickWindow:
        """The window a state holds; an empty state (a new window) is an empty window."""
        if not state:
            return cls()
        days = dict(_day_of(*each) for each in state.get("days", []))
        gone = {}
        for owner, *each in state.get("gone", []):
            (short_id, day), stats = _day_of(*each)
            gone[(str(owner), short_id, day)] = stats
        owners = {str(k): str(v) for k, v in (state.get("owners") or {}).items()}
        return cls(last=int(state.get("last", -1)), days=days, owners=owners, gone=gone)


def _day_state(short_id: str, day: date, stats: DailyStats) -> list[Any]:
    """A link's day in the window's JSON state."""
    return [
        short_id,
        day.isoformat(),
        stats.clicks,
        stats.bots,
        stats.counts,
        base64.b64encode(stats.visitors.to_bytes()).decode(),
    ]


def _day_of(
    short_id: str, day_text: str, clicks: int, bots: int, counts: Any, *visitors: str
) -> tuple[tuple[str, date], DailyStats]:
    """_day_state's inverse."""
    day = date.fromisoformat(day_text)
    stats = DailyStats(day=day, clicks=int(clicks), bots=int(bots))
    for dimension in stats.counts:
        stats.counts[dimension] = {k: int(v) for k, v in counts.get(dimension, {}).items()}
    for dimension in HOURLY:
        if dimension in counts:
            stats.counts[dimension] = {k: int(v) for k, v in counts[dimension].items()}
    if visitors:
        stats.visitors = VisitorSketch.from_bytes(base64.b64decode(visitors[0]))
    return (str(short_id), day), stats


@dataclass
class OutboxRelay:
    publisher: EventPublisher
    fold: WindowedClickFold
    facts_of: Callable[[Event], ClickFacts]
    stats: ClickStatsRepository
    owners_of: Callable[[Iterable[str]], Mapping[str, str]]
    owner_when: Callable[[str, datetime], str | None]
    clicks_on_bus: bool = False

    def relay(
        self,
        changes: Sequence[Change],
        window: ClickWindow,
        time_left_s: Callable[[], float] = lambda: float("inf"),
    ) -> int:
        """Relay a prefix of `changes` (stream order); how many were relayed in full."""
        steps: list[tuple[str, ClickFacts | Change]] = []  # a click, or a link's removal
        ready = 0
        for change in changes:
            try:
                steps.extend(
                    (change.sequence, _owned(self.facts_of(e), change.owner))
                    for e in change.events
                    if e.detail_type in VISITS
                )
            except Exception:
                _log.exception("unreadable click", extra={"sequence": change.sequence})
                break
            if change.forgets:
                steps.append((change.sequence, change))
            ready += 1
        relayed = self._forward(changes[:ready], time_left_s)
        last = int(changes[relayed - 1].sequence) if relayed else -1
        for sequence, step in steps:
            if int(sequence) <= last:
                if isinstance(step, Change):
                    window.forget(sequence, str(step.forgets), step.owner)
                else:
                    window.add(sequence, step)
        return relayed

    def _forward(self, changes: Sequence[Change], time_left_s: Callable[[], float]) -> int:
        """Put the changes' bus events, ten at a time; how many changes are fully forwarded."""
        pending: list[tuple[int, Event]] = [
            (index, event)
            for index, change in enumerate(changes)
            for event in change.events
            if self.clicks_on_bus or event.detail_type not in VISITS
        ]
        done = len(changes)
        for start in range(0, len(pending), PUT_EVENTS_BATCH):
            batch = pending[start : start + PUT_EVENTS_BATCH]
            if time_left_s() < TIME_MARGIN_S:
                return batch[0][0]
            try:
                self.publisher.publish([event for _, event in batch])
            except Exception:
                _log.exception("events not put on the bus", extra={"events": len(batch)})
                return batch[0][0]
        return done

    def close(self, source: str, window_start: str, window: ClickWindow) -> None:
        """The window ended: add its sums to the stats (raises to have the close retried)."""
        if window.days or window.gone:
            unowned = window.unowned()
            owners = self.owners_of(unowned) if unowned else {}
            # A counter shard's clicks of a link gone by now: its removal was in another
            # stream shard, and its days went with it (forget_link); written, they would
            # be days of an id a new link may take.
            days = {
                key: stats
                for key, stats in window.days.items()
                if key[0] not in unowned or key[0] in owners
            }
            self.fold.add_window(source, window_start, days, window.owner_days(owners))

    def replay(self, changes: Iterable[Change]) -> list[str]:
        """Re-process dead-lettered changes one by one; the sequences that failed again."""
        failed = []
        for change in changes:
            try:
                for event in change.events:
                    if event.detail_type in VISITS:
                        self._fold_one(self.facts_of(event), event.time, change.owner)
                    if self.clicks_on_bus or event.detail_type not in VISITS:
                        self.publisher.publish([event])
            except Exception:
                _log.exception("replay failed", extra={"sequence": change.sequence})
                failed.append(change.sequence)
        return failed

    def _fold_one(self, facts: ClickFacts, at: datetime, owner: str | None) -> None:
        """Fold a replayed click if its link is still there (a read: replays are rare).

        A deleted link's days went with it (forget_link), and a day written now would be
        shown by a link made later under the alias: a link made after the click, or one
        of another owner than the click's record names, is not the clicked one.
        """
        now = self.owner_when(facts.short_id, at)
        if now is not None and owner in (None, now):
            self.stats.fold(replace(facts, owner=now))


def _owned(facts: ClickFacts, owner: str | None) -> ClickFacts:
    return facts if owner is None else replace(facts, owner=owner)
