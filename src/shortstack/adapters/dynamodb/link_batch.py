"""Many new links at once: one conditional PutItem each, a bounded number in flight.

Each link is `attribute_not_exists(PK)`, exactly as a single create, so a taken alias is
refused for that link alone and never overwritten. Not BatchWriteItem: it takes no
condition and would overwrite a taken alias. Not PartiQL's BatchExecuteStatement
(INSERTs, 25 a call, each failing alone on an existing key): the same write units, and
moto's INSERT overwrites an existing item, so the no-overwrite rule could not be tested
offline on moto. docs/decisions/0108 has the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from shortstack.adapters.dynamodb.errors import error_code
from shortstack.adapters.dynamodb.owned import put_new
from shortstack.domain.errors import DomainError, ServiceUnavailable, ShortIdTaken
from shortstack.domain.links import Link

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# botocore keeps at most 10 connections per client (max_pool_connections): more workers
# would only wait for a connection.
WORKERS = 10

Record = Callable[[Link], Mapping[str, Any]]


def put_each(
    client: DynamoDBClient, table: str, links: Sequence[Link], record: Record
) -> list[DomainError | None]:
    """Per link, in order: None if stored, ShortIdTaken if its id is held, else why not."""

    def put(link: Link) -> DomainError | None:
        try:
            stored = put_new(client, table, record(link))
        except (ClientError, BotoCoreError) as exc:  # this link only: the others go on
            reason = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
            return ServiceUnavailable(f"the table did not take this link ({reason}); try again")
        return None if stored else ShortIdTaken(link.short_id)

    if len(links) <= 1:
        return [put(link) for link in links]
    with ThreadPoolExecutor(min(WORKERS, len(links)), thread_name_prefix="link-batch") as pool:
        return list(pool.map(put, links))
