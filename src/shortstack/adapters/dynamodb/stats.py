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
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import cancellation_codes, error_code
from shortstack.domain.analytics import DIMENSIONS, ClickFacts, DailyStats

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Longer than any redelivery can arrive: SQS keeps a dead letter 14 days, plus a replay.
FOLD_RETENTION_S = 15 * 24 * 3600
_PREFIX = {"referrers": "ref", "browsers": "br", "oses": "os", "devices": "dev", "countries": "cc"}
_DIMENSION_OF = {prefix: name for name, prefix in _PREFIX.items()}


class DynamoDBClickStatsRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def fold(self, facts: ClickFacts) -> bool:
        names = {"#clicks": "clicks", "#bots": "bots"}
        values: dict[str, Any] = {":one": {"N": "1"}, ":bot": {"N": str(int(facts.is_bot))}}
        adds = ["#clicks :one", "#bots :bot"]
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
