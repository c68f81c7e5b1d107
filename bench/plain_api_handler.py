"""The baseline for the API Lambda: `GET /api/v1/links/{id}` written by hand with boto3.

One client at import, one strongly consistent GetItem, the link as JSON. No
routing framework, no validation models, no auth: the floor that FastAPI and
Mangum are compared with (bench/cold_start.py, bench/warm_overhead.py).
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

_table = os.environ["TABLE_NAME"]
_dynamodb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    short_id = event["rawPath"].rsplit("/", 1)[-1]
    item = _dynamodb.get_item(
        TableName=_table,
        Key={"PK": {"S": f"LINK#{short_id}"}, "SK": {"S": "LINK"}},
        ConsistentRead=True,
    ).get("Item")
    if item is None:
        return {"statusCode": 404, "body": '{"message": "not found"}'}
    link = {
        "short_id": item["short_id"]["S"],
        "url": item["url"]["S"],
        "is_active": item["is_active"]["BOOL"],
        "click_count": int(item["click_count"]["N"]),
        "expires_at": item["expires_at"]["S"],
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(link),
    }
