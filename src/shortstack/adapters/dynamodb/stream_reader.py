"""Read records back from the table's stream, as the JSON DynamoDB sent (dead-letter replay).

A dead-lettered batch is only its shard and sequence range (decision 0105); its
records are read again here while the stream keeps them (24 hours). The records
are taken from the raw GetRecords body rather than from boto3's parsed answer,
which turns an empty map or list (`{"M": {}}`) into `{}` and times into datetimes:
the consumer then reads exactly what Lambda would have handed it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb.errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

_PAGE = 1000  # GetRecords' limit
# GetRecords may answer empty pages before the records a shard still holds ("it might take
# multiple calls to get to a portion of the shard that contains stream records"); a batch
# is read on through this many in a row before its read is called short.
_EMPTY_PAGES_MAX = 20


class StreamRangeGone(LookupError):
    """The records asked for cannot be read whole: no longer in the stream (it keeps them
    24 hours), or not all of a range came back (the replay keeps its letter to try again)."""


class StreamReader:
    def __init__(self, client: DynamoDBStreamsClient) -> None:
        self._client = client
        self._local = threading.local()
        client.meta.events.register("before-parse.dynamodbstreams.GetRecords", self._keep_body)

    def _keep_body(self, response_dict: dict[str, Any], **_: Any) -> None:
        self._local.body = response_dict.get("body", b"")

    def _page(self, iterator: str) -> tuple[list[dict[str, Any]], str | None]:
        """One GetRecords call: its records as sent, and the next iterator."""
        self._local.body = b""
        parsed = self._client.get_records(ShardIterator=iterator, Limit=_PAGE)
        raw = json.loads(self._local.body or b"{}")
        return list(raw.get("Records", [])), parsed.get("NextShardIterator")

    def records(
        self,
        stream_arn: str,
        shard_id: str,
        first: str,
        last: str | None = None,
        *,
        after: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """The shard's records from `first` (or just after it) to `last` (or the newest)."""
        try:
            iterator: str | None = self._client.get_shard_iterator(
                StreamArn=stream_arn,
                ShardId=shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER" if after else "AT_SEQUENCE_NUMBER",
                SequenceNumber=first,
            )["ShardIterator"]
            end = int(last) if last is not None else None
            empty = 0
            while iterator:
                page, iterator = self._page(iterator)
                if not page:
                    if end is None:
                        return  # the newest: an open shard has nothing more yet
                    empty += 1
                    if empty >= _EMPTY_PAGES_MAX:
                        break
                    continue
                empty = 0
                for record in page:
                    sequence = int(record["dynamodb"]["SequenceNumber"])
                    if end is not None and sequence > end:
                        return
                    yield {**record, "eventSourceARN": stream_arn}
                    if sequence == end:
                        return
        except ClientError as exc:
            if error_code(exc) in ("TrimmedDataAccessException", "ResourceNotFoundException"):
                raise StreamRangeGone(
                    f"shard {shard_id} no longer holds sequence {first}: the stream keeps "
                    "records 24 hours"
                ) from exc
            raise
        if last is not None:
            # The shard closed, or kept answering empty pages, before the batch's last
            # record: a replay of what was read would pass for the whole batch.
            raise StreamRangeGone(
                f"shard {shard_id} gave not all of sequence {first} to {last} "
                "(try the replay again)"
            )

    def shards(self, stream_arn: str) -> list[tuple[str, str]]:
        """(shard id, first sequence number) of every shard the stream lists."""
        found: list[tuple[str, str]] = []
        request: dict[str, Any] = {"StreamArn": stream_arn}
        while True:
            description = self._client.describe_stream(**request)["StreamDescription"]
            found.extend(
                (shard["ShardId"], shard["SequenceNumberRange"]["StartingSequenceNumber"])
                for shard in description["Shards"]
            )
            last = description.get("LastEvaluatedShardId")
            if not last:
                return found
            request["ExclusiveStartShardId"] = last
