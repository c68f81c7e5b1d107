"""The baseline Lambda: a redirect handler written by hand with boto3 and nothing else.

What a careful engineer would write without a framework: one client at import,
one atomic UpdateItem per redirect, a 302. It has none of shortstack's rules
(expiry, visit limits, events, cache headers); it is the floor to compare with.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

_table = os.environ["TABLE_NAME"]
_dynamodb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    short_id = event["pathParameters"]["short_id"]
    try:
        item = _dynamodb.update_item(
            TableName=_table,
            Key={"PK": {"S": f"LINK#{short_id}"}, "SK": {"S": "LINK"}},
            UpdateExpression="ADD click_count :one",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except _dynamodb.exceptions.ConditionalCheckFailedException:
        return {"statusCode": 404, "body": '{"message": "not found"}'}
    return {"statusCode": 302, "headers": {"location": item["url"]["S"]}, "body": ""}
