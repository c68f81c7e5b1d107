"""A paginated, resumable Scan for the maintenance jobs no index can serve.

The single table has no index over "every link" or "every stats day" (one
would cost a GSI write on each redirect or click), so the click roll-up and
the expired-link purge read the table with a Scan instead. A run reads at most
`max_pages` pages (1 MB each) and saves where it stopped in a cursor item; the
next run resumes there and the sweep starts over once it reaches the end. A
crash between a page's work and its cursor save repeats that page, which the
jobs tolerate (their deletes and roll-ups are conditional).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEFAULT_MAX_PAGES = 100


@dataclass(frozen=True, slots=True)
class Sweep:
    """One named Scan: its filter, the attributes it returns and its per-run page budget."""

    name: str
    filter_expression: str
    names: dict[str, str]
    values: dict[str, Any]
    projection: str
    max_pages: int = DEFAULT_MAX_PAGES
    page_items: int | None = None  # Scan's Limit; by default a page is 1 MB of table read


def sweep(client: DynamoDBClient, table: str, plan: Sweep) -> Iterator[dict[str, Any]]:
    """The matching items (raw attribute maps) of up to `plan.max_pages` Scan pages."""
    cursor_key = to_attributes(keys.maintenance_cursor_key(plan.name))
    saved = client.get_item(TableName=table, Key=cursor_key, ConsistentRead=True).get("Item")
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": plan.filter_expression,
        "ExpressionAttributeValues": to_attributes(plan.values),
        "ProjectionExpression": plan.projection,
    }
    if plan.names:  # DynamoDB refuses an empty map
        request["ExpressionAttributeNames"] = plan.names
    if plan.page_items is not None:
        request["Limit"] = plan.page_items
    if saved is not None:
        request["ExclusiveStartKey"] = saved["start_key"]["M"]
    for _ in range(plan.max_pages):
        page = client.scan(**request)
        yield from page.get("Items", [])
        start_key = page.get("LastEvaluatedKey")
        if start_key is None:
            client.delete_item(TableName=table, Key=cursor_key)
            return
        client.put_item(TableName=table, Item={**cursor_key, "start_key": {"M": start_key}})
        request["ExclusiveStartKey"] = start_key
