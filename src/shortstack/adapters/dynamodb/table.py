"""The table's shape, in one place: the tests, `shortstack create-table` and (by a test) the IaC.

- GSI1 (the owners' listings of items, links and API keys) projects only the
  attributes those listings read. A click changes `click_count` (or `bot_count`)
  and `visit`, which it does not project, and DynamoDB writes no index entry for an
  update of attributes an index does not hold: a click costs one write, not two.
  Listings read the counts from the links themselves (one BatchGetItem a page).
- GSI2 (items by category, unfinished imports) projects everything.
- The stream carries new and old images: it is the outbox on AWS, from which the
  stream consumer derives every domain event (docs/decisions/0105).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shortstack.adapters.dynamodb import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"
# What the three GSI1 listings parse (dynamodb/items.py, links.py, apikeys.py); the
# contract suite lists each kind, so a missing name fails there.
GSI1_ATTRIBUTES = (
    "entity",
    "owner",
    "created_at",
    "updated_at",
    "item_id",
    "name",
    "description",
    "price",
    "category",
    "short_id",
    "url",
    "title",
    "tags",
    "is_active",
    "redirect_status",
    "expires_at",
    "max_visits",
    "valid_since",
    "fallback_url",
    "password_hash",
    "forward_query",
    "rules",
    "variants",
    "preview",
    "imported_clicks",
    "key_id",
    "hint",
    "key_hash",
    "last_used_at",
)


def _index(name: str, projection: dict[str, Any]) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": f"{name}PK", "KeyType": "HASH"},
            {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
        ],
        "Projection": projection,
    }


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments: on-demand, PK/SK, GSI1 (listed attributes), GSI2 (all), a stream."""
    string_attributes = [keys.PK, keys.SK, keys.GSI1PK, keys.GSI1SK, keys.GSI2PK, keys.GSI2SK]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in string_attributes
        ],
        "KeySchema": [
            {"AttributeName": keys.PK, "KeyType": "HASH"},
            {"AttributeName": keys.SK, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            _index(
                keys.GSI1,
                {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(GSI1_ATTRIBUTES)},
            ),
            _index(keys.GSI2, {"ProjectionType": "ALL"}),
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
    }


def create_table(client: DynamoDBClient, table_name: str) -> None:
    """Create the table (with TTL on) and wait until it is active."""
    client.create_table(**table_definition(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": keys.TTL_ATTRIBUTE},
    )
