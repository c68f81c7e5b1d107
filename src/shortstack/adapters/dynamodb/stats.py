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
its stream shard; `fold` stays for dead letters replayed one by one.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import cancellation_codes, error_code
from shortstack.adapters.dynamodb.hot_links import HOT_SHARDS, shard_keys
from shortstack.domain.analytics import DIMENSIONS, ClickFacts, DailyStats

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

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
}
_DIMENSION_OF = {prefix: name for name, prefix in _PREFIX.items()}
# A day's "window of this stream shard already added" slots: `w#<hash of the shard id>`.
_WINDOW_SLOT = "w#"
_WINDOW_WRITERS = 8


def _short_hash(text: str) -> str:
    """8 URL-safe characters (48 bits) naming `text`, short enough for an attribute name."""
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()[:6]).decode()


class DynamoDBClickStatsRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def fold(self, facts: ClickFacts) -> bool:
        names = {"#clicks": "clicks", "#bots": "bots"}
        values: dict[str, Any] = {
            ":one": {"N": "1"},
            ":click": {"N": str(facts.clicks)},
            ":bot": {"N": str(int(facts.is_bot))},
        }
        adds = ["#clicks :click", "#bots :bot"]
        for index, (dimension, value) in enumerate(facts.dimension_values().items()):
            names[f"#d{index}"] = f"{_PREFIX[dimension]}#{value}"
            adds.append(f"#d{index} :one")
        marker = {
            **keys.click_fold_key(facts.event_id),
            "short_id": facts.short_id,
            keys.TTL_ATTRIBUTE: int(time.time()) + FOLD_RETENTION_S,
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_attributes(marker),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_attributes(
                                keys.link_stats_key(facts.short_id, facts.day.isoformat())
                            ),
                            "UpdateExpression": "ADD " + ", ".join(adds),
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    },
                ]
            )
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException" and (
                cancellation_codes(exc)[:1] == ["ConditionalCheckFailed"]
            ):
                return False
            raise
        return True

    def add_window(
        self, source: str, window: str, days: Mapping[tuple[str, date], DailyStats]
    ) -> None:
        """The WindowedClickFold port: one UpdateItem per (link, day), in parallel.

        Each ADDs the window's counts and sets the day's slot for `source` (the stream
        shard, hashed to 8 characters) to `window`, on condition that the slot holds an
        earlier window: a retried close finds its days done and skips them.
        """
        slot = f"{_WINDOW_SLOT}{_short_hash(source)}"
        updates = [(short_id, day, stats) for (short_id, day), stats in days.items()]
        with ThreadPoolExecutor(max_workers=_WINDOW_WRITERS) as pool:
            for future in [pool.submit(self._add_day, slot, window, *u) for u in updates]:
                future.result()

    def _add_day(self, slot: str, window: str, short_id: str, day: date, stats: DailyStats) -> None:
        names = {"#slot": slot}
        values: dict[str, Any] = {":window": {"S": window}}
        adds = []
        for index, (name, count) in enumerate(counter_attributes(stats).items()):
            if count:
                names[f"#c{index}"] = name
                values[f":c{index}"] = {"N": str(count)}
                adds.append(f"#c{index} :c{index}")
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_attributes(keys.link_stats_key(short_id, day.isoformat())),
                UpdateExpression="ADD " + ", ".join(adds) + " SET #slot = :window",
                ConditionExpression="attribute_not_exists(#slot) OR #slot < :window",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def days(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        return self._query_periods(short_id, keys.STATS_PREFIX, first, last)

    def months(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        return self._query_periods(short_id, keys.MONTH_STATS_PREFIX, first, last)

    def _query_periods(
        self, short_id: str, prefix: str, first: date, last: date
    ) -> list[DailyStats]:
        found: list[DailyStats] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_attributes(
                {
                    ":pk": keys.link_partition(short_id),
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
        self._delete_shards(short_id)
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :stats)",
            "ExpressionAttributeValues": to_attributes(
                {":pk": keys.link_partition(short_id), ":stats": keys.STATS_PREFIX}
            ),
            "ProjectionExpression": "PK, SK",
        }
        while True:
            page = self._client.query(**request)
            for item in page.get("Items", []):
                self._client.delete_item(TableName=self._table, Key=item)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _delete_shards(self, short_id: str) -> None:
        """A hot link's counter shards go with its stats (a new link may take its id)."""
        wanted = shard_keys(short_id, HOT_SHARDS)
        found = self._client.batch_get_item(
            RequestItems={self._table: {"Keys": wanted, "ProjectionExpression": "PK, SK"}}
        )
        for key in found.get("Responses", {}).get(self._table, []):
            self._client.delete_item(TableName=self._table, Key=key)
        unprocessed = found.get("UnprocessedKeys", {}).get(self._table)
        for key in unprocessed["Keys"] if unprocessed else []:
            self._client.delete_item(TableName=self._table, Key=key)


def counter_attributes(stats: DailyStats) -> dict[str, int]:
    """A period's counts as an item's top-level counter attributes (period_stats' inverse)."""
    counters = {"clicks": stats.clicks, "bots": stats.bots}
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
    )
    for name, count in item.items():
        short, sep, value = name.partition("#")
        dimension = _DIMENSION_OF.get(short)
        if sep and dimension in DIMENSIONS:
            stats.counts[dimension][value] = int(count)
    return stats
