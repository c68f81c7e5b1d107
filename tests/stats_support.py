"""A link's stats items written straight to a DynamoDB table, and counted back.

For the tests and the benchmark of forgetting a deleted link's stats
(bench/link_delete.py): what the window fold and the roll-up would leave after
`days` days of clicks, without folding each click.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.adapters.dynamodb.hot_links import HOT_SHARDS, shard_keys

FIRST_DAY = date(2025, 1, 1)


def write_link_stats(client: Any, table: str, short_id: str, days: int) -> int:
    """`days` day items from FIRST_DAY, their months and every hot-link shard; how many."""
    dates = [FIRST_DAY + timedelta(days=n) for n in range(days)]
    records = [keys.link_stats_key(short_id, day.isoformat()) for day in dates]
    records += [
        keys.link_month_stats_key(short_id, month)
        for month in sorted({day.replace(day=1).isoformat() for day in dates})
    ]
    records += [keys.hot_link_shard_key(short_id, n) for n in range(HOT_SHARDS)]
    for start in range(0, len(records), 25):
        client.batch_write_item(
            RequestItems={
                table: [
                    {"PutRequest": {"Item": to_attributes({**record, "clicks": 1})}}
                    for record in records[start : start + 25]
                ]
            }
        )
    return len(records)


def link_stats_left(client: Any, table: str, short_id: str) -> int:
    """How many of a link's day, month and shard items the table still holds."""
    in_partition = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.link_partition(short_id)}},
        Select="COUNT",
    )["Count"]
    shards = client.batch_get_item(RequestItems={table: {"Keys": shard_keys(short_id, HOT_SHARDS)}})
    return int(in_partition) + len(shards.get("Responses", {}).get(table, []))
