"""Password attempts in the table: one small item per link, client and window (TTL).

`wrong` counts the attempts held (checks in flight and wrong passwords), `failed` the
wrong passwords among them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.domain.passwords import Claim

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBPasswordAttempts:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, short_id: str, client: str, window: datetime) -> dict[str, Any]:
        return to_attributes(keys.password_attempts_key(short_id, client, window.isoformat()))

    def claim(
        self, short_id: str, client: str, window: datetime, forget_after: datetime, limit: int
    ) -> Claim:
        key = self._key(short_id, client, window)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="ADD wrong :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(wrong) OR wrong < :limit",
                ExpressionAttributeNames={"#ttl": keys.TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":ttl": {"N": str(int(forget_after.timestamp()))},
                },
            )
        except ClientError as exc:
            if not is_conditional_check_failure(exc):
                raise
        else:
            return Claim.CLAIMED
        # Full: used up by wrong passwords, or held by checks in flight (only then does a
        # right password wait for one). Read only on this path, strongly (1 RRU, and the
        # failed write 1 WRU: bench/link_options_cost.py).
        item = self._client.get_item(
            TableName=self._table,
            Key=key,
            ConsistentRead=True,
            ProjectionExpression="failed",
        ).get("Item", {})
        failed = int(item.get("failed", {}).get("N", "0"))
        return Claim.SPENT if failed >= limit else Claim.BUSY

    def give_back(self, short_id: str, client: str, window: datetime) -> None:
        # Only a held attempt that is not a wrong password (never below them).
        self._add_if(short_id, client, window, "wrong", -1, "wrong > failed")

    def keep_as_wrong(self, short_id: str, client: str, window: datetime) -> None:
        # Never more wrong passwords than held attempts, and never a new item.
        self._add_if(short_id, client, window, "failed", 1, "failed < wrong")

    def _add_if(
        self, short_id: str, client: str, window: datetime, counter: str, step: int, while_: str
    ) -> None:
        """Add `step` to `counter` of a window's item that holds an attempt and where
        `while_` holds (`failed` absent counts as 0); nothing when it does not."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(short_id, client, window),
                UpdateExpression=f"ADD {counter} :step",
                ConditionExpression=(
                    f"wrong > :zero AND (attribute_not_exists(failed) OR {while_})"
                ),
                ExpressionAttributeValues={":step": {"N": str(step)}, ":zero": {"N": "0"}},
            )
        except ClientError as exc:
            if not is_conditional_check_failure(exc):
                raise
