"""The cold-start floor of an API Lambda that answers through Pydantic: the plain handler
plus one Pydantic model.

The same single DynamoDB call as bench/plain_api_handler.py, the link validated into a
Pydantic model and written by it, no web framework. bench/packaged_cold_start.py times
it next to the plain handler and the real API Lambda: what Pydantic alone costs before
any of shortstack's own code (its settings, its answer models, its services) runs.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from pydantic import BaseModel

_table = os.environ["TABLE_NAME"]
_dynamodb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


class Link(BaseModel):
    short_id: str
    url: str
    is_active: bool
    click_count: int
    expires_at: str


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    short_id = event["rawPath"].rsplit("/", 1)[-1]
    item = _dynamodb.get_item(
        TableName=_table,
        Key={"PK": {"S": f"LINK#{short_id}"}, "SK": {"S": "LINK"}},
        ConsistentRead=True,
    ).get("Item")
    if item is None:
        return {"statusCode": 404, "body": '{"message": "not found"}'}
    link = Link(
        short_id=item["short_id"]["S"],
        url=item["url"]["S"],
        is_active=item["is_active"]["BOOL"],
        click_count=int(item["click_count"]["N"]),
        expires_at=item["expires_at"]["S"],
    )
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": link.model_dump_json(),
    }
