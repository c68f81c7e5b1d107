"""A viral link never fails to redirect: past its item's write limit, clicks go to shards.

DynamoDB takes about 1,000 writes a second on one item; past that the click's
UpdateItem on the link is throttled. The link repository then reads the link once
(an eventually consistent read: reads are served far past that rate) to answer
404 or 410 without a write, and:

- a link with `max_visits` keeps counting on its own item, retrying with backoff,
  because only the item's conditional write keeps the limit exact: a hot one-time
  link pays with latency (at most EXACT_WAIT_S, then a 503 asking to retry);
- any other link counts the click on one of HOT_SHARDS counter items
  (`HOTLINK#<short_id>#<n>` / `CLICKS`, each in its own partition, picked at random),
  with the click's `visit` facts: the stream consumer derives the same LinkClicked
  from it (stream_events.py) and folds it like any other click.

This container then treats the link as hot for HOT_WINDOW_S after the last throttle:
its clicks go straight to the shards, and its rules (active, expiry, limit) are read
again at most once every RULES_MAX_AGE_S, so disabling a hot link takes effect within
a second. Before its first click on a shard it marks the link item (`hot_shards`):
reads of a marked link add the shards' counts to `click_count`, so no shard ever holds
a click that a read of the link would miss. Until the mark gets through (tried at most
every MARK_EVERY_S, a write to the busy item like any click), clicks keep to the item
with backoff; the partition takes part of the load, so the mark soon lands. A change
of `max_visits` looks at the shards themselves, seals them and moves their counts onto
the link in one transaction (the repository's update), after which no shard takes a
click and the limit counts every one.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.adapters.dynamodb.errors import error_code, is_conditional_check_failure
from shortstack.adapters.dynamodb.streamed import CLICKS, VISIT, visit_attribute
from shortstack.domain.links import Link, Target, ensure_countable
from shortstack.domain.visits import Click

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

HOT_SHARDS = 10
HOT_WINDOW_S = 10.0
RULES_MAX_AGE_S = 1.0
MARK_EVERY_S = 0.05
EXACT_WAIT_S = 5.0
BACKOFF_S = 0.02
MARKER = "hot_shards"
SEALED = "sealed"
SHARD_ENTITY = "link_clicks"  # stream_events.py derives LinkClicked from these
_THROTTLES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)


def is_throttle(exc: ClientError) -> bool:
    """DynamoDB refused the request for capacity (an item's, a partition's or the table's)."""
    return error_code(exc) in _THROTTLES


class CountOnTheLink(Exception):
    """This click must be counted on the link item itself (a visit limit, or sealed shards)."""


@dataclass
class _HotLink:
    link: Link
    marked: bool
    read_at: float
    until: float
    marking_tried_at: float = float("-inf")


class HotLinks:
    """This container's hot links, and the clicks it counts on their shards."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        shards: int = HOT_SHARDS,
        clock: Callable[[], float] = time.monotonic,
        pick: Callable[[int], int] = random.randrange,
        expiry: Callable[[datetime | None], int | None] = lambda _: None,
    ) -> None:
        self._client = client
        self._table = table
        self._expiry = expiry  # the link's TTL, which its shards share
        self.shards = shards
        self._clock = clock
        self._pick = pick
        self._hot: dict[str, _HotLink] = {}
        self._lock = threading.Lock()
        self.shard_clicks = 0  # counted here since start (tests and benchmarks read it)

    def is_hot(self, short_id: str) -> bool:
        with self._lock:
            entry = self._hot.get(short_id)
        return entry is not None and self._clock() < entry.until

    def adopt(self, link: Link, marked: bool) -> None:
        """The link's item was throttled: count its clicks on shards for a while."""
        now = self._clock()
        with self._lock:
            known = self._hot.get(link.short_id)
            entry = _HotLink(link, marked, now, now + HOT_WINDOW_S)
            if known is not None:  # what this container already wrote, or tried to
                entry.marked = marked or known.marked
                entry.marking_tried_at = known.marking_tried_at
            self._hot[link.short_id] = entry

    def forget(self, short_id: str) -> None:
        with self._lock:
            self._hot.pop(short_id, None)

    def count(
        self, short_id: str, click: Click, read: Callable[[], tuple[Link, bool] | None]
    ) -> Target:
        """Count one click of a hot link on a shard; CountOnTheLink when it must not be.

        `read` reads the link's current rules (and whether it is marked) when the ones
        remembered are older than RULES_MAX_AGE_S. Raises LinkNotFound or LinkGone as a
        redirect would.
        """
        entry = self._fresh(short_id, read)
        link = ensure_countable(entry.link, click.at)
        if link.max_visits is not None:
            self.forget(short_id)
            raise CountOnTheLink(short_id)
        if not entry.marked:
            now = self._clock()
            if now - entry.marking_tried_at >= MARK_EVERY_S:
                entry.marking_tried_at = now  # a write to the busy item: spaced out
                entry.marked = self._mark(short_id)
            if not entry.marked:
                # Reads add the shards only to a marked link: until the mark lands, a click
                # on a shard could be missing from `click_count` for good.
                raise CountOnTheLink(short_id)
        for attempt in range(self.shards):
            shard = (self._pick(self.shards) + attempt) % self.shards
            try:
                self._client.update_item(**self._shard_click(link, shard, click))
            except ClientError as exc:
                if is_conditional_check_failure(exc):  # sealed: a limit is being set
                    self.forget(short_id)
                    raise CountOnTheLink(short_id) from exc
                if is_throttle(exc):
                    continue
                raise
            self.shard_clicks += 1
            return Target.of(link)
        raise CountOnTheLink(short_id)  # every shard throttled: wait on the link itself

    def _fresh(self, short_id: str, read: Callable[[], tuple[Link, bool] | None]) -> _HotLink:
        from shortstack.domain.errors import LinkNotFound

        now = self._clock()
        with self._lock:
            entry = self._hot.get(short_id)
        if entry is not None and now - entry.read_at < RULES_MAX_AGE_S:
            return entry
        found = read()
        if found is None:
            self.forget(short_id)
            raise LinkNotFound(short_id)
        link, marked = found
        with self._lock:
            fresh = _HotLink(link, marked, now, now + HOT_WINDOW_S)
            if entry is not None:  # an eventually consistent read may not show our mark yet
                fresh.until, fresh.marked = entry.until, marked or entry.marked
                fresh.marking_tried_at = entry.marking_tried_at
            entry = self._hot[short_id] = fresh
        return entry

    def _mark(self, short_id: str) -> bool:
        """Mark the link as having shards (one write to its busy item); False if throttled."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_attributes(keys.link_key(short_id)),
                UpdateExpression="SET #marker = :shards",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#marker": MARKER},
                ExpressionAttributeValues={":shards": {"N": str(self.shards)}},
            )
        except ClientError as exc:
            if is_throttle(exc) or is_conditional_check_failure(exc):
                return False
            raise
        return True

    def _shard_click(self, link: Link, shard: int, click: Click) -> dict[str, Any]:
        values: dict[str, Any] = {
            ":one": {"N": "1"},
            ":visit": visit_attribute(click),
            ":entity": {"S": SHARD_ENTITY},
            ":short_id": {"S": link.short_id},
        }
        sets = "#visit = :visit, #entity = :entity, #short_id = :short_id"
        names = {
            "#clicks": CLICKS,
            "#visit": VISIT,
            "#sealed": SEALED,
            "#entity": "entity",
            "#short_id": "short_id",
        }
        expiry = self._expiry(link.expires_at)
        if expiry is not None:  # the shard goes with the link
            names["#ttl"] = keys.TTL_ATTRIBUTE
            values[":ttl"] = {"N": str(expiry)}
            sets += ", #ttl = :ttl"
        return {
            "TableName": self._table,
            "Key": to_attributes(keys.hot_link_shard_key(link.short_id, shard)),
            "UpdateExpression": f"ADD #clicks :one SET {sets}",
            "ConditionExpression": "attribute_not_exists(#sealed)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }


def shard_keys(short_id: str, shards: int) -> list[dict[str, Any]]:
    """Every shard key of a link, in the wire format."""
    return [to_attributes(keys.hot_link_shard_key(short_id, n)) for n in range(shards)]


def backoff_s(attempt: int) -> float:
    """Full-jitter exponential backoff between two tries on a throttled link item."""
    return float(random.uniform(0, min(0.5, BACKOFF_S * 2**attempt)))
