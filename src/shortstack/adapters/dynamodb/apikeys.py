"""API keys in the single table: `APIKEY#<sha256>` / `APIKEY`, listed by owner on GSI1.

Authenticating a request is one strongly consistent GetItem by the hash, so a
revoked key stops working at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.adapters.dynamodb.owned import delete_owned, put_new
from shortstack.domain.apikeys import ApiKey
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ENTITY = "apikey"


def _to_key(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        key_id=item["key_id"],
        owner=item["owner"],
        name=item["name"],
        hint=item["hint"],
        key_hash=item["key_hash"],
        created_at=from_iso(item["created_at"]),
        last_used_at=from_iso(item["last_used_at"]) if item.get("last_used_at") else None,
    )


class DynamoDBApiKeyRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, key: ApiKey) -> None:
        created = to_iso(key.created_at)
        record = {
            **keys.api_key_key(key.key_hash),
            keys.GSI1PK: keys.api_keys_of_owner(key.owner),
            keys.GSI1SK: f"{created}#{key.key_id}",
            "entity": ENTITY,
            "key_id": key.key_id,
            "owner": key.owner,
            "name": key.name,
            "hint": key.hint,
            "key_hash": key.key_hash,
            "created_at": created,
        }
        if not put_new(self._client, self._table, record):
            # 256 random bits: a second key with the same hash is a bug, never a user error.
            raise Conflict("an API key with this hash already exists")

    def by_hash(self, key_hash: str) -> ApiKey | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=to_attributes(keys.api_key_key(key_hash)),
            ConsistentRead=True,
        ).get("Item")
        return _to_key(from_attributes(item)) if item else None

    def list(self, owner: str) -> list[ApiKey]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "GSI1PK = :owner",
            "ExpressionAttributeValues": to_attributes({":owner": keys.api_keys_of_owner(owner)}),
        }
        found: list[ApiKey] = []
        while True:
            page = self._client.query(**request)
            found.extend(_to_key(from_attributes(item)) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def revoke(self, owner: str, key_id: str) -> bool:
        # The table is keyed by hash, so the id is found among the owner's few keys (at most
        # MAX_KEYS_PER_OWNER, one Query); the delete is conditioned on the owner again.
        for key in self.list(owner):
            if key.key_id == key_id:
                return delete_owned(
                    self._client, self._table, keys.api_key_key(key.key_hash), owner
                )
        return False

    def record_use(self, key_hash: str, now: datetime) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_attributes(keys.api_key_key(key_hash)),
                UpdateExpression="SET #used = :now",
                # Never recreate a key revoked meanwhile (UpdateItem would upsert).
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#used": "last_used_at"},
                ExpressionAttributeValues=to_attributes({":now": to_iso(now)}),
            )
        except ClientError as exc:
            if not is_conditional_check_failure(exc):
                raise
