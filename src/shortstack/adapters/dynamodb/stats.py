"""Click statistics in the single table: one item per link and day, counted with ADD.

Each fold is one TransactWriteItems: a conditional Put of the event's fold
marker (`CLICKFOLD#<event id>`, expiring through the table's TTL) and an
UpdateItem that ADDs 1 to the day's counters. A redelivered event fails the
marker's condition and the whole transaction, so it is never counted twice.

Counters are top-level attributes named `<dimension>#<value>` (`ref#example.com`,
`br#Chrome`): ADD creates a missing top-level number, while ADD into a nested map
fails when the map does not exist yet. The day item lives in the link's own
partition, next to the link, and so do the rolled-up months (`STATS#M#<yyyy-mm-01>`,
written by stats_rollup.py) in the same counter layout.

On AWS clicks arrive through the table's stream instead, summed per tumbling window
(service_layer/relay.py): `add_window` adds a window's sums with one UpdateItem per
day, no marker and no transaction, and remembers the window in the day's slot for
its stream shard; `fold` stays for dead letters replayed one by one. The owner's
roll-up (`OWNERSTATS#<owner>` / `DAY#<day>`, counting clicks per link too) is written
once per owner and day a window touches.

A window's write keeps the day's dimension counts packed in one zlib-compressed JSON
attribute (`cnt`; a read adds the top-level counters the one-by-one fold ADDs) and
its distinct visitors as a VisitorSketch in the binary attribute `vis`: as counters,
a busy link's day passed 1 KB and cost two WRU a write (docs/decisions/0110).
DynamoDB can merge neither in an update, so the write SETs both merged, on condition
that they are still what the merge started from; a lost race reads again. What it
started from:

- what this container wrote there at an earlier window, without a read: a link's
  clicks are in its partition's stream shard, whose windows Lambda hands to one
  invocation at a time, so a link's day has one writer, and so does an owner's day
  while the owner's links are in one shard. A container that did not close the
  shard's previous window forgets what it wrote (another one may have written
  since), and a partition whose guess failed for another writer (an owner's links
  in several shards; a hot link's counter shards, which fold into its day too) is
  read from then on;
- otherwise a read: eventually consistent for a link's day (its last write is a
  window old; the condition catches a stale read, and the retry reads consistently),
  consistent for an owner's (other shards close the same window at the same time).

A rolled-up month keeps the sum of its days' unique visitors in `uv`. The one-by-one
`fold` counts a replayed click but not its visitor: dead letters are rare, and the
transaction would have to read first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.batch_writes import deletes, write_all
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import cancellation_codes, error_code
from shortstack.adapters.dynamodb.hot_links import HOT_SHARDS, shard_keys
from shortstack.domain.analytics import BOT_HOURS, HOURS, LINKS, ClickFacts, DailyStats
from shortstack.domain.visitor_sketch import VisitorSketch

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef, UpdateTypeDef

# Longer than any redelivery can arrive: SQS keeps a dead letter 14 days, plus a replay.
FOLD_RETENTION_S = 15 * 24 * 3600
_PREFIX = {
    "referrers": "ref",
    "browsers": "br",
    "oses": "os",
    "devices": "dev",
    "countries": "cc",
    "variants": "var",
    "rules": "rule",
    "bots": "bot",
    LINKS: "lnk",
    HOURS: "hr",
    BOT_HOURS: "bhr",
}
_DIMENSION_OF = {prefix: name for name, prefix in _PREFIX.items()}
# A day's "window of this stream shard already added" slots: `w#<hash of the shard id>`.
_WINDOW_SLOT = "w#"
_WINDOW_WRITERS = 8
_VISITORS = "vis"
_ROLLED_VISITORS = "uv"
# Concurrent writers of one day's sketch are the few stream shards holding its clicks.
_SKETCH_ATTEMPTS = 10
# An owner's day keeps the window fold's counts in one zlib-compressed JSON attribute: its
# referrers, countries and clicked links would make hundreds of counters, and a write
# costs a WRU per KB of the whole item (docs/decisions/0110).
_PACKED = "cnt"
# A day's values per dimension in the packed counts. A visitor names any Referer it likes:
# about 9,000 distinct hosts in a day would pass DynamoDB's 400 KB item, and every later
# window close of that day, with the other links' days of its stream shard, would fail
# until the shard's batches went to the dead-letter queue. Past this many values the
# smallest counts are added up under OTHER; the day's clicks stay exact, and so do the
# counts of its most frequent values (docs/decisions/0110).
VALUES_PER_DIMENSION = 200
OTHER = "(other)"
# The event source mapping's TumblingWindowInSeconds (docs/decisions/0105).
WINDOW_S = 900
# How many link days a container remembers per shard (a few hundred bytes each).
_WRITTEN_MAX = 50_000


def _short_hash(text: str) -> str:
    """8 URL-safe characters (48 bits) naming `text`, short enough for an attribute name."""
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()[:6]).decode()


class DynamoDBClickStatsRepository:
    def __init__(
        self, client: DynamoDBClient, table_name: str, *, window_s: int = WINDOW_S
    ) -> None:
        self._client = client
        self._table = table_name
        self._window_s = window_s
        # Per stream shard: the days this container wrote, as written, and the last window
        # it closed; and the partitions whose days another writer changed behind a guess.
        self._written: dict[str, dict[tuple[str, str], _Merged]] = {}
        self._last_window: dict[str, str] = {}
        self._contended: set[str] = set()

    def fold_many(self, batch: Sequence[ClickFacts]) -> list[bool]:
        # Not atomic as a whole here: each fold is its own transaction, and a failed one
        # leaves the earlier ones done, which a redelivery then finds folded.
        return [self.fold(facts) for facts in batch]

    def fold(self, facts: ClickFacts) -> bool:
        day_key = keys.link_stats_key(facts.short_id, facts.day.isoformat())
        for written in self._written.values():  # this write changes what a window wrote
            written.pop((str(day_key["PK"]), str(day_key["SK"])), None)
        marker = {
            **keys.click_fold_key(facts.event_id),
            "short_id": facts.short_id,
            keys.TTL_ATTRIBUTE: int(time.time()) + FOLD_RETENTION_S,
        }
        day = facts.day.isoformat()
        visitors = VisitorSketch()
        if facts.visitor and not facts.is_bot:
            visitors.add(facts.visitor)
        for _ in range(_SKETCH_ATTEMPTS):
            actions: list[TransactWriteItemTypeDef] = [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_attributes(marker),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {
                    "Update": self._add_one(
                        keys.link_stats_key(facts.short_id, day), facts, facts.dimension_values()
                    )
                },
            ]
            if facts.owner:
                owner_key = keys.owner_stats_key(facts.owner, day)
                actions.append({"Update": self._add_one(owner_key, facts, facts.owner_values())})
            if visitors:
                for action in actions[1:]:
                    self._merge_visitors(action.get("Update"), visitors)
            try:
                self._client.transact_write_items(TransactItems=actions)
                return True
            except ClientError as exc:
                if error_code(exc) != "TransactionCanceledException":
                    raise
                codes = cancellation_codes(exc)
                if codes[:1] == ["ConditionalCheckFailed"]:
                    return False  # the marker exists: already counted
                if "ConditionalCheckFailed" not in codes:
                    raise
        raise RuntimeError(f"the visitors of {facts.short_id} kept changing: the fold retries")

    def _add_one(
        self, key: keys.Key, facts: ClickFacts, dimension_values: Mapping[str, str]
    ) -> UpdateTypeDef:
        """One click's ADDs to a day item, as a transaction's Update."""
        names = {"#clicks": "clicks", "#bots": "bots"}
        values: dict[str, Any] = {
            ":click": {"N": str(facts.clicks)},
            ":bot": {"N": str(int(facts.is_bot))},
        }
        adds = ["#clicks :click", "#bots :bot"]
        for index, (dimension, value) in enumerate(dimension_values.items()):
            names[f"#d{index}"] = f"{_PREFIX[dimension]}#{value}"
            adds.append(f"#d{index} :one")
        if dimension_values:  # DynamoDB refuses a value no expression uses (a bot's owner day)
            values[":one"] = {"N": "1"}
        return {
            "TableName": self._table,
            "Key": to_attributes(key),
            "UpdateExpression": "ADD " + ", ".join(adds),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _merge_visitors(
        self, update: Any, visitors: VisitorSketch, stored: Mapping[str, Any] | None = None
    ) -> None:
        """Make `update` also write the day's sketch merged with `visitors`, on condition that
        the sketch is still the one read (`stored`, or read now, consistently)."""
        if stored is None:
            stored = self._client.get_item(
                TableName=self._table,
                Key=update["Key"],
                ConsistentRead=True,
                ProjectionExpression="#vis",
                ExpressionAttributeNames={"#vis": _VISITORS},
            ).get("Item", {})
        before = stored.get(_VISITORS, {}).get("B")
        merged = VisitorSketch.from_bytes(before)
        merged.merge(visitors)
        set_visitors = "SET #vis = :vis"
        if " SET " in update["UpdateExpression"]:
            set_visitors = ", #vis = :vis"
        update["UpdateExpression"] += " " + set_visitors
        update["ExpressionAttributeNames"]["#vis"] = _VISITORS
        update["ExpressionAttributeValues"][":vis"] = {"B": merged.to_bytes()}
        guard = "attribute_not_exists(#vis)"
        if before is not None:
            guard = "#vis = :before"
            update["ExpressionAttributeValues"][":before"] = {"B": before}
        condition = update.get("ConditionExpression")
        update["ConditionExpression"] = f"{condition} AND {guard}" if condition else guard

    def add_window(
        self,
        source: str,
        window: str,
        days: Mapping[tuple[str, date], DailyStats],
        owner_days: Mapping[tuple[str, date], DailyStats],
    ) -> None:
        """The WindowedClickFold port: one UpdateItem per (link, day) and (owner, day).

        Each ADDs the window's clicks and bots, merges its counts and visitors into the
        day's packed `cnt` and `vis`, and sets the day's slot for `source` (the stream
        shard, hashed to 8 characters) to `window`, on condition that the slot holds an
        earlier window and `cnt` and `vis` are still what the merge started from: a
        retried close finds its days done and skips them.
        """
        slot = f"{_WINDOW_SLOT}{_short_hash(source)}"
        written = self._written_by(source, window)
        updates = [
            (keys.link_stats_key(short_id, day.isoformat()), stats, written, False)
            for (short_id, day), stats in days.items()
        ] + [
            (keys.owner_stats_key(owner, day.isoformat()), stats, written, True)
            for (owner, day), stats in owner_days.items()
        ]
        with ThreadPoolExecutor(max_workers=_WINDOW_WRITERS) as pool:
            for future in [pool.submit(self._add_day, slot, window, *u) for u in updates]:
                future.result()
        self._last_window[source] = window

    def _written_by(self, source: str, window: str) -> dict[tuple[str, str], _Merged]:
        """What this container last wrote to `source`'s link days, if it closed the window
        right before `window` (else another container may have written since: forgotten)."""
        written = self._written.get(source)
        if written is None or not _follows(self._last_window.get(source), window, self._window_s):
            written = self._written[source] = {}
        if len(written) > _WRITTEN_MAX:
            written.clear()
        return written

    def _add_day(
        self,
        slot: str,
        window: str,
        key: keys.Key,
        stats: DailyStats,
        written: dict[tuple[str, str], _Merged],
        shared: bool,
    ) -> None:
        """One day's window, merged into what this container last wrote there (`written`)
        or else into what a read finds; `shared`: an owner's day, which every shard whose
        window clicked the owner's links writes."""
        names = {"#slot": slot}
        values: dict[str, Any] = {":window": {"S": window}}
        adds = []
        for name, count in (("clicks", stats.clicks), ("bots", stats.bots)):
            if count:
                names[f"#{name}"] = name
                values[f":{name}"] = {"N": str(count)}
                adds.append(f"#{name} :{name}")
        update = ("ADD " + ", ".join(adds) + " " if adds else "") + "SET #slot = :window"
        condition = "(attribute_not_exists(#slot) OR #slot < :window)"
        item_key = to_attributes(key)
        place = (str(key["PK"]), str(key["SK"]))
        before = written.pop(place, None) if place[0] not in self._contended else None
        before_guessed, before_failed = before is not None, False
        for attempt in range(_SKETCH_ATTEMPTS):
            if before is None:
                stored = self._client.get_item(
                    TableName=self._table,
                    Key=item_key,
                    # A link's day was last written a window ago: an eventually consistent
                    # read is current, and the write's condition catches one that is not;
                    # an owner's day may have been written by another shard just now.
                    ConsistentRead=shared or attempt > 0,
                    ProjectionExpression="#slot, #vis, #cnt",
                    ExpressionAttributeNames={"#slot": slot, "#vis": _VISITORS, "#cnt": _PACKED},
                ).get("Item", {})
                if slot in stored and stored[slot]["S"] >= window:
                    if before_failed:
                        self._contended.discard(place[0])  # no other writer: a retried close
                    return  # a retried close: this window is in already
                before = _Merged(
                    stored.get(_VISITORS, {}).get("B"), stored.get(_PACKED, {}).get("B")
                )
            request: dict[str, Any] = {
                "TableName": self._table,
                "Key": item_key,
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": dict(names),
                "ExpressionAttributeValues": dict(values),
            }
            after = _Merged(before.visitors, _merge_packed(request, stats, before.counts))
            if stats.visitors:
                merged = VisitorSketch.from_bytes(before.visitors)
                merged.merge(stats.visitors)
                sketch = merged.to_bytes()
                after = _Merged(sketch, after.counts)
                _set_binary(request, _VISITORS, sketch, before.visitors)
            try:
                self._client.update_item(**request)
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
                # Changed since: by this window's retried close (the read says so), or by
                # another writer, whose item this container stops guessing.
                if before_guessed:
                    self._contended.add(place[0])
                before_failed, before_guessed, before = before_guessed, False, None
                continue
            if place[0] not in self._contended:
                written[place] = after
            if len(self._contended) > _WRITTEN_MAX:
                self._contended.clear()
            return
        raise RuntimeError(f"the counts of {key} kept changing: the window's close retries")

    def days(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        return self._query_periods(short_id, keys.STATS_PREFIX, first, last)

    def owner_days(self, owner: str, first: date, last: date) -> list[DailyStats]:
        return self._query_periods(
            owner, keys.OWNER_DAY_PREFIX, first, last, keys.owner_stats_partition(owner)
        )

    def months(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        return self._query_periods(short_id, keys.MONTH_STATS_PREFIX, first, last)

    def _query_periods(
        self, short_id: str, prefix: str, first: date, last: date, partition: str | None = None
    ) -> list[DailyStats]:
        found: list[DailyStats] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_attributes(
                {
                    ":pk": partition or keys.link_partition(short_id),
                    ":first": f"{prefix}{first.isoformat()}",
                    ":last": f"{prefix}{last.isoformat()}",
                }
            ),
        }
        while True:
            page = self._client.query(**request)
            found.extend(
                period_stats(from_attributes(item), prefix) for item in page.get("Items", [])
            )
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete_link(self, short_id: str) -> None:
        delete_link_stats(self._client, self._table, short_id)


def delete_link_stats(client: DynamoDBClient, table: str, short_id: str) -> None:
    """A link's days, months and hot-link counter shards (a new link may take its id).

    Their keys first, then BatchWriteItem 25 at a time: a link with 400 days is 19 calls
    rather than 426, one DeleteItem each (bench/link_delete.py; more Query pages when its
    items pass 1 MB).
    ServiceUnavailable when DynamoDB keeps leaving some of them unprocessed.
    """
    found = _shards(client, table, short_id)
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :stats)",
        "ExpressionAttributeValues": to_attributes(
            {":pk": keys.link_partition(short_id), ":stats": keys.STATS_PREFIX}
        ),
        "ProjectionExpression": "PK, SK",
    }
    while True:
        page = client.query(**request)
        found.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    write_all(client, table, deletes(found))


def _shards(client: DynamoDBClient, table: str, short_id: str) -> list[dict[str, Any]]:
    """The keys of the link's counter shards that exist, or may (their read was throttled)."""
    wanted = shard_keys(short_id, HOT_SHARDS)
    found = client.batch_get_item(
        RequestItems={table: {"Keys": wanted, "ProjectionExpression": "PK, SK"}}
    )
    unprocessed = found.get("UnprocessedKeys", {}).get(table)
    return [
        *found.get("Responses", {}).get(table, []),
        *(unprocessed["Keys"] if unprocessed else []),
    ]


class _Merged(NamedTuple):
    """A day's packed sketch and counts, as last read or written."""

    visitors: bytes | None
    counts: bytes | None


def _follows(last: str | None, window: str, window_s: int) -> bool:
    """Whether `window` starts `window_s` after `last` started (both ISO 8601)."""
    if last is None:
        return False
    try:
        gap = datetime.fromisoformat(window) - datetime.fromisoformat(last)
    except ValueError:
        return False
    return gap == timedelta(seconds=window_s)


def _set_binary(request: dict[str, Any], name: str, value: bytes, before: bytes | None) -> None:
    """Make `request` SET the binary attribute `name` to `value`, on condition that it
    still holds `before` (None: that it is absent)."""
    request["UpdateExpression"] += f", #{name} = :{name}"
    request["ExpressionAttributeNames"][f"#{name}"] = name
    request["ExpressionAttributeValues"][f":{name}"] = {"B": value}
    if before is None:
        request["ConditionExpression"] += f" AND attribute_not_exists(#{name})"
    else:
        request["ConditionExpression"] += f" AND #{name} = :{name}_before"
        request["ExpressionAttributeValues"][f":{name}_before"] = {"B": before}


def _merge_packed(request: dict[str, Any], stats: DailyStats, before: bytes | None) -> bytes:
    """Make `request` SET the packed counts plus the window's, on condition they are
    unchanged; the packed counts it writes."""
    counts = unpack_counts(before)
    for dimension, found in stats.counts.items():
        bucket = counts.setdefault(dimension, {})
        for value, count in found.items():
            bucket[value] = bucket.get(value, 0) + count
        if len(bucket) > VALUES_PER_DIMENSION:
            counts[dimension] = bounded(bucket)
    packed = zlib.compress(
        json.dumps({d: c for d, c in counts.items() if c}, separators=(",", ":")).encode(), 9
    )
    _set_binary(request, _PACKED, packed, before)
    return packed


def bounded(bucket: dict[str, int]) -> dict[str, int]:
    """The VALUES_PER_DIMENSION - 1 largest counts (ties by value), the rest under OTHER."""
    rest = bucket.pop(OTHER, 0)
    ranked = sorted(bucket.items(), key=lambda pair: (-pair[1], pair[0]))
    kept = dict(ranked[: VALUES_PER_DIMENSION - 1])
    kept[OTHER] = rest + sum(count for _, count in ranked[VALUES_PER_DIMENSION - 1 :])
    return kept


def unpack_counts(data: bytes | None) -> dict[str, dict[str, int]]:
    """The packed counts of an owner's day; empty when there are none."""
    if not data:
        return {}
    loaded = json.loads(zlib.decompress(data))
    return {str(d): {str(v): int(n) for v, n in c.items()} for d, c in loaded.items()}


def counter_attributes(stats: DailyStats) -> dict[str, int]:
    """A period's counts as an item's top-level counter attributes (period_stats' inverse)."""
    counters = {"clicks": stats.clicks, "bots": stats.bots, _ROLLED_VISITORS: stats.rolled_visitors}
    for dimension, counts in stats.counts.items():
        for value, count in counts.items():
            counters[f"{_PREFIX[dimension]}#{value}"] = count
    return counters


def period_stats(item: dict[str, Any], sort_prefix: str) -> DailyStats:
    """A day or month item (SK `<sort_prefix><date>`) read back into its counts."""
    stats = DailyStats(
        day=date.fromisoformat(str(item["SK"]).removeprefix(sort_prefix)),
        clicks=int(item.get("clicks", 0)),
        bots=int(item.get("bots", 0)),
        visitors=VisitorSketch.from_bytes(bytes(item[_VISITORS]) if _VISITORS in item else None),
        rolled_visitors=int(item.get(_ROLLED_VISITORS, 0)),
    )
    for name, count in item.items():
        short, sep, value = name.partition("#")
        dimension = _DIMENSION_OF.get(short)
        if sep and dimension is not None:
            stats.counts.setdefault(dimension, {})[value] = int(count)
    # An owner's day: the window fold's packed counts, plus what replays ADDed one by one.
    for dimension, counts in unpack_counts(
        bytes(item[_PACKED]) if _PACKED in item else None
    ).items():
        bucket = stats.counts.setdefault(dimension, {})
        for value, count in counts.items():
            bucket[value] = bucket.get(value, 0) + count
    return stats
