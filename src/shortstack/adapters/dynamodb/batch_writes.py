"""Many unconditional writes to the table: BatchWriteItem, 25 a call, retrying what it left.

DynamoDB may answer a BatchWriteItem with some of its requests unprocessed (a
partition over its throughput); only those are sent again, after a capped
exponential backoff, and when they stay unprocessed `write_all` raises
ServiceUnavailable: "not now", a 503 on the API and a retried step in the import
workflow (adapters/workflow/tasks.py). BatchWriteItem takes no condition, so it only
writes items no one else writes at the same time (an import's own rows, a deleted
link's stats). `retries` is the policy, which the table's BatchGetItem loops follow
too (links.py, link_loader.py).

Not boto3's `Table.batch_writer`: it needs the resource API (about 25 ms more on a
cold start, and a second client), sends unprocessed items again at once, without
backoff, and on leaving its block retries them until they are taken, without bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.domain.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestUnionTypeDef

BATCH = 25  # BatchWriteItem's limit
ATTEMPTS = 8  # calls per batch: the first and 7 retries of what stays unprocessed
BACKOFF_S = 0.05  # before the first retry, doubling: 0.05 + 0.1 + ... + 2.0 = 5.15 s in all
MAX_BACKOFF_S = 2.0


def puts(items: Iterable[Mapping[str, Any]]) -> list[WriteRequestUnionTypeDef]:
    """A PutRequest for each item, given as plain values."""
    return [{"PutRequest": {"Item": to_attributes(item)}} for item in items]


def deletes(keys: Iterable[Mapping[str, Any]]) -> list[WriteRequestUnionTypeDef]:
    """A DeleteRequest for each key, given in the wire format (as a Query returns it)."""
    return [{"DeleteRequest": {"Key": dict(key)}} for key in keys]


def write_all(
    client: DynamoDBClient,
    table: str,
    requests: Sequence[WriteRequestUnionTypeDef],
    *,
    workers: int = 1,
) -> None:
    """Send `requests` in batches of 25, up to `workers` batches at once; ServiceUnavailable
    when DynamoDB leaves some unprocessed through every retry (the others are written)."""
    batches = [requests[start : start + BATCH] for start in range(0, len(requests), BATCH)]
    if workers <= 1 or len(batches) <= 1:
        for batch in batches:
            _write_batch(client, table, batch)
        return
    with ThreadPoolExecutor(min(workers, len(batches)), thread_name_prefix="batch-write") as pool:
        for future in [pool.submit(_write_batch, client, table, batch) for batch in batches]:
            future.result()


def retries(what: str, wait: Callable[[float], None] | None = None) -> Iterator[int]:
    """Attempt numbers, waiting (time.sleep unless given) before each retry with capped
    exponential backoff; ServiceUnavailable naming `what` once all ATTEMPTS are used up."""
    for attempt in range(ATTEMPTS):
        if attempt:
            (wait or time.sleep)(min(BACKOFF_S * 2 ** (attempt - 1), MAX_BACKOFF_S))
        yield attempt
    raise ServiceUnavailable(
        f"DynamoDB left {what} unprocessed through {ATTEMPTS} attempts (throttled); try again"
    )


def _write_batch(
    client: DynamoDBClient, table: str, batch: Sequence[WriteRequestUnionTypeDef]
) -> None:
    pending = batch
    for _ in retries(f"writes of a batch of {len(batch)}"):
        response = client.batch_write_item(RequestItems={table: pending})
        pending = (response.get("UnprocessedItems") or {}).get(table) or []
        if not pending:
            return
