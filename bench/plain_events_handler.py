"""The baseline for the events Lambda: SQS records of LinkClicked events folded by hand.

For each record, the storage call the real consumer makes (adapters/dynamodb/stats.py):
one TransactWriteItems that puts the event's fold marker under a condition and ADDs
one click to the link's day item. No Powertools batch processor, no domain objects.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

_table = os.environ["TABLE_NAME"]
_dynamodb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        detail = json.loads(record["body"])["detail"]
        day = detail["occurred_at"][:10]
        try:
            _dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": _table,
                            "Item": {
                                "PK": {"S": f"CLICKFOLD#{detail['event_id']}"},
                                "SK": {"S": "CLICKFOLD"},
                            },
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": _table,
                            "Key": {
                                "PK": {"S": f"LINK#{detail['short_id']}"},
                                "SK": {"S": f"STATS#{day}"},
                            },
                            "UpdateExpression": "ADD clicks :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )
        except _dynamodb.exceptions.TransactionCanceledException:
            continue  # already folded: a redelivery
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
