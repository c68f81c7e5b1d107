"""Load a chunk of imported links into DynamoDB in batches, never overwriting a link.

Per request, not per row: a 2,000-row chunk costs 20 BatchGetItem and 80
BatchWriteItem calls instead of 2,000 PutItem calls (Lambda time is billed,
and each call costs CPU in botocore alone: bench/README.md, "Costs the code is shaped around").

- Aliases are chosen by people and contested: each is a conditional PutItem
  (`attribute_not_exists`), one at a time in row order, so the earlier row wins.
- Derived ids are HMACs of the import's secret and the row number: nobody else
  can ask for them. A consistent BatchGetItem finds the ones already stored
  (an earlier run of this import, or a rare collision with another link);
  BatchWriteItem writes the rest. BatchWriteItem has no conditions, so the one
  writer that could race it is this import's own concurrent run of the same
  chunk, writing the identical item. docs/decisions/0301 has the reasoning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.batch_writes import puts, retries, write_all
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.owned import put_new
from shortstack.domain.clock import from_iso
from shortstack.domain.errors import ServiceUnavailable
from shortstack.domain.imports import ExistingLink, PlannedLink, link_of
from shortstack.domain.links import Link

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GET_BATCH = 100  # BatchGetItem's limit

Record = Callable[[Link], Mapping[str, Any]]


def add_new_links(
    client: DynamoDBClient,
    table: str,
    owner: str,
    planned: Sequence[PlannedLink],
    created_at: datetime,
    record: Record,
) -> list[ExistingLink | None]:
    """Per planned link: None if this call stored it, else who holds its id."""
    results: dict[int, ExistingLink | None] = {}
    for index, link in enumerate(planned):
        if link.is_alias:
            results[index] = _put_alias(client, table, record(link_of(owner, link, created_at)))
    derived = [(index, link) for index, link in enumerate(planned) if not link.is_alias]
    held = _held(client, table, sorted({link.short_id for _, link in derived}))
    items = []
    for index, link in derived:
        if link.short_id in held:
            results[index] = held[link.short_id]
            continue
        stored = link_of(owner, link, created_at)
        # Two rows of one chunk on one id (never seen: 62**7 ids): the second finds the first.
        held[link.short_id] = ExistingLink(stored.owner, stored.url, stored.created_at)
        results[index] = None
        items.append(record(stored))
    write_all(client, table, puts(items))
    return [results[index] for index in range(len(planned))]


def _put_alias(client: DynamoDBClient, table: str, item: Mapping[str, Any]) -> ExistingLink | None:
    for _ in range(3):
        if put_new(client, table, item):
            return None
        holder = _held(client, table, [item["short_id"]]).get(item["short_id"])
        if holder is not None:
            return holder
        # Deleted between the two calls: the alias is free again, try once more.
    raise ServiceUnavailable(f"alias {item['short_id']!r} keeps changing hands; try again")


def _held(client: DynamoDBClient, table: str, short_ids: Sequence[str]) -> dict[str, ExistingLink]:
    """Who holds each of `short_ids` that is taken (consistent reads)."""
    found: dict[str, ExistingLink] = {}
    for start in range(0, len(short_ids), GET_BATCH):
        request: dict[str, Any] = {
            table: {
                "Keys": [
                    to_attributes(keys.link_key(i)) for i in short_ids[start : start + GET_BATCH]
                ],
                "ConsistentRead": True,
                "ProjectionExpression": "short_id, #owner, #url, created_at",
                "ExpressionAttributeNames": {"#owner": "owner", "#url": "url"},
            }
        }
        for _ in retries("keys of a BatchGetItem"):
            response = client.batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(table, []):
                values = from_attributes(raw)
                found[values["short_id"]] = ExistingLink(
                    values["owner"], values["url"], from_iso(values["created_at"])
                )
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
    return found
