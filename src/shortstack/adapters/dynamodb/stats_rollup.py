"""The click roll-up on DynamoDB: old day items become one item per link and month.

Links with old days are found by the resumable maintenance Scan (sweep.py says
why no index serves this). A month is rolled in one TransactWriteItems: a Put of
the month item holding what it held plus the days (conditional on the month's
clicks as read, or on its absence) and a Delete of each day, conditional on the
clicks it was read with. A click landing in between cancels the month for this
run; the next run takes it, so nothing is lost or counted twice. A month has at
most 31 days, so a transaction stays far below DynamoDB's 100 actions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import cancellation_codes, error_code
from shortstack.adapters.dynamodb.stats import (
    VALUES_PER_DIMENSION,
    bounded,
    counter_attributes,
    period_stats,
)
from shortstack.adapters.dynamodb.sweep import DEFAULT_MAX_PAGES, Sweep, sweep
from shortstack.domain.analytics import DailyStats, month_start, months_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        DeleteTypeDef,
        PutTypeDef,
        TransactWriteItemTypeDef,
    )


class DynamoDBClickStatsRollUp:
    """The ClickStatsRollUp port on the single table."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, *, sweep_pages: int = DEFAULT_MAX_PAGES
    ) -> None:
        self._client = client
        self._table = table_name
        self._sweep_pages = sweep_pages

    def links_with_days_before(self, boundary: date) -> Iterator[str]:
        plan = Sweep(
            name="click_rollup",
            # Month items ("STATS#M#...") sort above every day, so the range holds days only.
            filter_expression="begins_with(PK, :link) AND SK >= :first AND SK < :before",
            names={},
            values={
                ":link": keys.LINK_PARTITION_PREFIX,
                ":first": keys.STATS_PREFIX,
                ":before": f"{keys.STATS_PREFIX}{boundary.isoformat()}",
            },
            projection="PK",
            max_pages=self._sweep_pages,
        )
        seen: set[str] = set()
        for item in sweep(self._client, self._table, plan):
            short_id = keys.short_id_of_partition(item["PK"]["S"])
            if short_id not in seen:
                seen.add(short_id)
                yield short_id

    def roll_up_days(self, short_id: str, days: Sequence[DailyStats]) -> int:
        rolled = 0
        for month, total in months_of(days).items():
            in_month = [stats for stats in days if month_start(stats.day) == month]
            if self._roll_up_month(short_id, month, total, in_month):
                rolled += len(in_month)
        return rolled

    def _roll_up_month(
        self, short_id: str, month: date, total: DailyStats, days: Sequence[DailyStats]
    ) -> bool:
        month_key = keys.link_month_stats_key(short_id, month.isoformat())
        stored = self._client.get_item(
            TableName=self._table, Key=to_attributes(month_key), ConsistentRead=True
        ).get("Item")
        before = (
            None
            if stored is None
            else period_stats(from_attributes(stored), keys.MONTH_STATS_PREFIX)
        )
        merged = DailyStats(day=month)
        if before is not None:
            merged.absorb(before)
        merged.absorb(total)
        # A counter per value is an attribute of the month's one item: a month of days full
        # of distinct referrers would pass its 400 KB, so it keeps as many values as a day.
        for dimension, bucket in merged.counts.items():
            if len(bucket) > VALUES_PER_DIMENSION:
                merged.counts[dimension] = bounded(bucket)
        put: PutTypeDef = {
            "TableName": self._table,
            "Item": to_attributes({**month_key, **counter_attributes(merged)}),
        }
        if before is None:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            _unchanged_clicks(put, before.clicks)
        actions: list[TransactWriteItemTypeDef] = [{"Put": put}]
        for stats in days:
            delete: DeleteTypeDef = {
                "TableName": self._table,
                "Key": to_attributes(keys.link_stats_key(short_id, stats.day.isoformat())),
            }
            _unchanged_clicks(delete, stats.clicks)
            actions.append({"Delete": delete})
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException" and (
                "ConditionalCheckFailed" in cancellation_codes(exc)
            ):
                return False  # a late click or a concurrent run: the next run retries
            raise
        return True


def _unchanged_clicks(action: PutTypeDef | DeleteTypeDef, clicks: int) -> None:
    """Make `action` conditional on its period item still holding the clicks it was read with."""
    action["ConditionExpression"] = "#clicks = :clicks"
    action["ExpressionAttributeNames"] = {"#clicks": "clicks"}
    action["ExpressionAttributeValues"] = {":clicks": {"N": str(clicks)}}
