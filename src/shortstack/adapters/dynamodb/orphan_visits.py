"""Orphan-visit counters in the table: one item per (day, path, referrer host, browser).

A visit to a key already counted is one conditional UpdateItem (about 1 WRU). A new
key first claims one of its day's places on the day's own small item (a conditional
ADD, refused once the day is full), then creates its counter: three writes, paid once
per key and day. Every item carries the TTL attribute, so DynamoDB deletes a day's
counters after the retention; none carries `entity`, so the stream consumer's filter
leaves them out (they announce nothing).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.domain.clock import from_iso, to_iso, utc_now
from shortstack.domain.errors import InvalidCursor
from shortstack.domain.orphan_visits import (
    RETENTION_DAYS_DEFAULT,
    OrphanVisitKey,
    OrphanVisits,
    decode_position,
    encode_position,
)
from shortstack.domain.pagination import Page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_NAMES = {"#ttl": keys.TTL_ATTRIBUTE}


class DynamoDBOrphanVisitRepository:
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        retention_days: int = RETENTION_DAYS_DEFAULT,
        today: Callable[[], date] = lambda: utc_now().date(),
    ) -> None:
        self._client = client
        self._table = table_name
        # The listing walks the days the TTL may still hold, newest first.
        self._retention_days = retention_days
        self._today = today

    def record(
        self,
        key: OrphanVisitKey,
        at: datetime,
        *,
        daily_keys: int,
        forget_after: datetime,
        visits: int = 1,
    ) -> bool:
        day = key.day.isoformat()
        item_key = to_attributes(
            keys.orphan_visit_key(day, key.path, key.referrer_host, key.browser)
        )
        at_value = {"S": to_iso(at)}
        count = {"N": str(visits)}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=item_key,
                UpdateExpression="ADD visits :n SET last_visit_at = :at",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":n": count, ":at": at_value},
            )
            return True
        except ClientError as exc:
            if not is_conditional_check_failure(exc):
                raise
        ttl = {"N": str(int(forget_after.timestamp()))}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_attributes(keys.orphan_day_keys_key(day)),
                UpdateExpression="ADD counters :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(counters) OR counters < :cap",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":cap": {"N": str(daily_keys)},
                    ":ttl": ttl,
                },
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                return False
            raise
        # Unconditional: a concurrent first visit of the same key adds to the same counter
        # (its day then counts one place too many, which only errs towards the bound).
        self._client.update_item(
            TableName=self._table,
            Key=item_key,
            UpdateExpression=(
                "ADD visits :n SET last_visit_at = :at, #day = :day, #path = :path,"
                " referrer_host = :referrer, browser = :browser, #ttl = :ttl"
            ),
            ExpressionAttributeNames={**_NAMES, "#day": "day", "#path": "path"},
            ExpressionAttributeValues={
                ":n": count,
                ":at": at_value,
                ":day": {"S": day},
                ":path": {"S": key.path},
                ":referrer": {"S": key.referrer_host},
                ":browser": {"S": key.browser},
                ":ttl": ttl,
            },
        )
        return True

    def list(self, *, limit: int, cursor: str | None) -> Page[OrphanVisits]:
        newest = self._today() + timedelta(days=1)  # a writer's clock a little ahead
        oldest = newest - timedelta(days=self._retention_days + 2)
        day = newest
        start: dict[str, Any] | None = None
        if cursor:
            after = decode_position(cursor)
            if not oldest <= after.day <= newest:
                raise InvalidCursor()
            day = after.day
            start = to_attributes(
                keys.orphan_visit_key(
                    day.isoformat(), after.path, after.referrer_host, after.browser
                )
            )
        found: builtins.list[OrphanVisits] = []
        while day >= oldest and len(found) <= limit:
            found.extend(self._day(day, limit + 1 - len(found), start))
            day -= timedelta(days=1)
            start = None
        page = found[:limit]
        return Page(page, encode_position(page[-1].key) if len(found) > limit else None)

    def _day(
        self, day: date, wanted: int, start: dict[str, Any] | None
    ) -> builtins.list[OrphanVisits]:
        """Up to `wanted` counters of one day, in sort-key order, after `start`."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.orphan_visits_of_day(day.isoformat())}},
        }
        found: builtins.list[OrphanVisits] = []
        while len(found) < wanted:
            request["Limit"] = wanted - len(found)
            if start:
                request["ExclusiveStartKey"] = start
            response = self._client.query(**request)
            found.extend(_counter(raw) for raw in response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if not start:
                break
        return found

    def forget_before(self, day: date) -> int:
        return 0  # the TTL attribute deletes them


def _counter(raw: dict[str, Any]) -> OrphanVisits:
    return OrphanVisits(
        OrphanVisitKey(
            date.fromisoformat(raw["day"]["S"]),
            raw["path"]["S"],
            raw["referrer_host"]["S"],
            raw["browser"]["S"],
        ),
        int(raw["visits"]["N"]),
        from_iso(raw["last_visit_at"]["S"]),
    )
