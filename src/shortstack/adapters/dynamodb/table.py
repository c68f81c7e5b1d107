"""The table's shape, shared by tests, the CLI and (by a template test) the IaC."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shortstack.adapters.dynamodb import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments: on-demand billing, PK/SK plus GSI1 and GSI2 projecting everything."""
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
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": f"{index}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{index}SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in (keys.GSI1, keys.GSI2)
        ],
    }


def create_table(client: DynamoDBClient, table_name: str) -> None:
    """Create the table (with TTL on) and wait until it is active."""
    client.create_table(**table_definition(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": keys.TTL_ATTRIBUTE},
    )
