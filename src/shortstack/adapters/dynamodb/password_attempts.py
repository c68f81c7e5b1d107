"""Password attempts in the table: one small item per link, client and window (TTL)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure

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
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(short_id, client, window),
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
            if is_conditional_check_failure(exc):
                return False
            raise
        return True

    def give_back(self, short_id: str, client: str, window: datetime) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(short_id, client, window),
                UpdateExpression="ADD wrong :minus_one",
                ConditionExpression="wrong > :zero",
                ExpressionAttributeValues={":minus_one": {"N": "-1"}, ":zero": {"N": "0"}},
            )
        except ClientError as exc:
            if not is_conditional_check_failure(exc):
                raise
