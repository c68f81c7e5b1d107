"""A stand-in for Lambda's event source mapping on the table's stream (moto or DynamoDB Local).

It behaves as AWS documents the mapping with the settings decision 0105 asks for:
- each shard is read in order (GetShardIterator, GetRecords) and handed to the
  function in batches of `batch_size`, in Lambda's event shape (the records as
  GetRecords sent them, with `eventSourceARN`) with the tumbling-window fields
  (`window`, `state`, `shardId`, `isFinalInvokeForWindow`);
- the `state` a call returns goes to the window's next call; `close_windows()` makes
  the final call of each shard's window;
- a partial batch response checkpoints before the lowest sequence number it names,
  and the rest is retried; an exception retries the batch, and with bisection on
  a batch that made no progress is split in two;
- after `max_retries` retries, the batch's metadata (DDBStreamBatchInfo, not its
  records) goes to the on-failure SQS queue and the mapping moves on;
- `deliver_twice` hands every batch over once more after it succeeded, as an
  at-least-once delivery may.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.lambda_support import FakeLambdaContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
WINDOW_START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
# The SAM template's TumblingWindowInSeconds (docs/decisions/0105): consecutive windows let
# the fold merge into what the consumer wrote at the previous one, as on AWS.
WINDOW = timedelta(minutes=15)


@dataclass
class ShardPosition:
    shard_id: str
    after: str | None = None  # the last sequence number checkpointed
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class StreamMapping:
    dynamodb: Any
    streams: Any
    table: str
    handler: Handler
    dlq_url: str
    sqs: Any
    batch_size: int = 100
    max_retries: int = 3
    bisect: bool = True
    deliver_twice: bool = False
    windows: int = 0
    invocations: int = 0
    shards: dict[str, ShardPosition] = field(default_factory=dict)

    @property
    def stream_arn(self) -> str:
        arn: str = self.dynamodb.describe_table(TableName=self.table)["Table"]["LatestStreamArn"]
        return arn

    def _new_records(self, position: ShardPosition, first: str) -> list[dict[str, Any]]:
        from shortstack.adapters.dynamodb.stream_reader import StreamReader

        reader = StreamReader(self.streams)
        if position.after is None:
            found = reader.records(self.stream_arn, position.shard_id, first)
        else:
            found = reader.records(self.stream_arn, position.shard_id, position.after, after=True)
        return list(found)

    def start_at_the_tail(self) -> None:
        """Deliver only what is written from now on (DynamoDB Local's table outlives a test)."""
        tail = StreamTail(self.dynamodb, self.table, self.streams)
        for shard, last in tail.after.items():
            if last is not None:
                self.shards[shard] = ShardPosition(shard, after=last)

    def run(self) -> None:
        """Deliver every record written so far, shard by shard, batch by batch."""
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            position = self.shards.setdefault(shard["ShardId"], ShardPosition(shard["ShardId"]))
            first = shard["SequenceNumberRange"]["StartingSequenceNumber"]
            pending = self._new_records(position, first)
            while pending:
                batch, pending = pending[: self.batch_size], pending[self.batch_size :]
                self._deliver(position, batch)

    def close_windows(self) -> None:
        """End the current window: each shard's final call with its state."""
        for position in self.shards.values():
            self._invoke(position, [], final=True)
        self.windows += 1

    def _window(self) -> dict[str, str]:
        start = WINDOW_START + self.windows * WINDOW
        return {"start": _iso(start), "end": _iso(start + WINDOW)}

    def _invoke(self, position: ShardPosition, batch: list[dict[str, Any]], final: bool) -> Any:
        event = {
            "Records": batch,
            "window": self._window(),
            "state": position.state,
            "shardId": position.shard_id,
            "eventSourceARN": self.stream_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": False,
        }
        self.invocations += 1
        response = self.handler(json.loads(json.dumps(event)), FakeLambdaContext())
        position.state = response["state"]  # a final call's state is the next window's
        return response

    def _deliver(self, position: ShardPosition, batch: list[dict[str, Any]]) -> None:
        queue = [(batch, 0)]
        while queue:
            records, attempts = queue.pop(0)
            try:
                response = self._invoke(position, records, final=False)
            except Exception:
                response = None  # a function error: the batch is retried whole
            failed = [
                int(f["itemIdentifier"]) for f in (response or {}).get("batchItemFailures", [])
            ]
            if response is not None and not failed:
                position.after = records[-1]["dynamodb"]["SequenceNumber"]
                if self.deliver_twice:
                    self._invoke(position, records, final=False)
                continue
            done = [
                r for r in records if failed and int(r["dynamodb"]["SequenceNumber"]) < min(failed)
            ]
            if done:
                position.after = done[-1]["dynamodb"]["SequenceNumber"]
            rest = records[len(done) :]
            if attempts + 1 > self.max_retries:
                self._dead_letter(position, rest)
                position.after = rest[-1]["dynamodb"]["SequenceNumber"]
            elif self.bisect and not done and len(rest) > 1:
                half = len(rest) // 2
                queue[:0] = [(rest[:half], attempts + 1), (rest[half:], attempts + 1)]
            else:
                queue.insert(0, (rest, attempts + 1))

    def _dead_letter(self, position: ShardPosition, records: list[dict[str, Any]]) -> None:
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        info = {
            "shardId": position.shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso_epoch(first["ApproximateCreationDateTime"]),
            "approximateArrivalOfLastRecord": _iso_epoch(last["ApproximateCreationDateTime"]),
            "batchSize": len(records),
            "streamArn": self.stream_arn,
        }
        body = {
            "requestContext": {
                "requestId": "3d7d5e56-77b2-4f3b-a3a6-0c2bd5b9f8f1",
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:shortstack-stream",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.max_retries + 1,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": _iso(datetime.now(UTC)),
            "DDBStreamBatchInfo": info,
        }
        self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(body))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_epoch(seconds: float) -> str:
    return _iso(datetime.fromtimestamp(float(seconds), UTC))


class StreamTail:
    """The table's stream from now on: records written before it was made are left out.

    DynamoDB Local's table lives for the whole session (other tests' writes and the
    deletes that empty it are in its stream), so a test reads only what follows.
    """

    def __init__(self, dynamodb: Any, table: str, streams: Any = None) -> None:
        import boto3

        from shortstack.adapters.dynamodb.stream_reader import StreamReader

        self.arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        self.reader = StreamReader(
            streams or boto3.client("dynamodbstreams", region_name="us-east-1")
        )
        self.after = {shard: _last(self._records(shard, first)) for shard, first in self._shards()}

    def _shards(self) -> list[tuple[str, str]]:
        return self.reader.shards(self.arn)

    def _records(self, shard: str, first: str) -> list[dict[str, Any]]:
        return list(self.reader.records(self.arn, shard, first))

    def records(self) -> list[dict[str, Any]]:
        """The records written since, oldest first."""
        found = [
            record
            for shard, first in self._shards()
            for record in self._records(shard, first)
            if int(record["dynamodb"]["SequenceNumber"]) > int(self.after.get(shard) or -1)
        ]
        return sorted(found, key=lambda record: int(record["dynamodb"]["SequenceNumber"]))

    def events(self, detail_type: str | None = None) -> list[Any]:
        """The events those records announce (derived as the stream consumer derives them)."""
        from shortstack.adapters.dynamodb.stream_events import change_of

        found = [event for record in self.records() for event in change_of(record).events]
        return [e for e in found if detail_type is None or e.detail_type == detail_type]


def _last(records: list[dict[str, Any]]) -> str | None:
    """The newest record's sequence number, as the stream spells it (zero-padded)."""
    if not records:
        return None
    newest = max(records, key=lambda record: int(record["dynamodb"]["SequenceNumber"]))
    return str(newest["dynamodb"]["SequenceNumber"])


def committed_events(dynamodb: Any, table: str, detail_type: str | None = None) -> list[Any]:
    """Every event the table's stream (on moto, fresh per test) announces, oldest first."""
    tail = StreamTail(dynamodb, table)
    tail.after = {}
    return tail.events(detail_type)
