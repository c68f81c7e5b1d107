"""The cold-start floor of any FastAPI API Lambda: the plain handler's GetItem behind FastAPI.

One async FastAPI route behind Mangum making the same single DynamoDB call as
bench/plain_api_handler.py. bench/packaged_cold_start.py times its cold start
next to the plain handler and the real API Lambda: what FastAPI, Starlette,
Pydantic and Mangum cost before any of shortstack's own code runs.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from fastapi import FastAPI
from mangum import Mangum

_table = os.environ["TABLE_NAME"]
_dynamodb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
app = FastAPI()


@app.get("/api/v1/links/{short_id}")
async def get_link(short_id: str) -> dict[str, Any]:
    item = _dynamodb.get_item(
        TableName=_table,
        Key={"PK": {"S": f"LINK#{short_id}"}, "SK": {"S": "LINK"}},
        ConsistentRead=True,
    )["Item"]
    return {
        "short_id": item["short_id"]["S"],
        "url": item["url"]["S"],
        "is_active": item["is_active"]["BOOL"],
        "click_count": int(item["click_count"]["N"]),
        "expires_at": item["expires_at"]["S"],
    }


_mangum = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = _mangum(event, context)
    return response
