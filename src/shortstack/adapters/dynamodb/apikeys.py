"""API keys in the single table: `APIKEY#<sha256>` / `APIKEY`, listed by owner on GSI1.

Authenticating a request is one strongly consistent GetItem by the hash, so a
revoked key stops working at once.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.domain.apikeys import ApiKey
from shortstack.domain.clock import from_iso, to_iso

ENTITY = "apikey"


def _to_key(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        key_id=item["key_id"],
        owner=item["owner"],
        name=item["name"],
        hint=item["hint"],
        key_hash=item["key_hash"],
        created_at=from_iso(item["created_at"]),
    )


class DynamoDBApiKeyRepository:
    def __init__(self, client: Any, table_name: str) -> None:
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
        self._client.put_item(
            TableName=self._table,
            Item=to_attributes(record),
            ConditionExpression="attribute_not_exists(PK)",
        )

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
        for key in self.list(owner):
            if key.key_id == key_id:
                try:
                    self._client.delete_item(
                        TableName=self._table,
                        Key=to_attributes(keys.api_key_key(key.key_hash)),
                        ConditionExpression="#owner = :owner",
                        ExpressionAttributeNames={"#owner": "owner"},
                        ExpressionAttributeValues=to_attributes({":owner": owner}),
                    )
                except ClientError as exc:
                    if is_conditional_check_failure(exc):  # revoked meanwhile
                        return False
                    raise
                return True
        return False
