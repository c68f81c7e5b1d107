"""The stream consumer Lambda: the table's stream is the outbox; its changes become events.

The event source mapping (docs/decisions/0105 lists its settings) delivers each
shard's records in order, with a tumbling window: Lambda hands every invocation of
a window the `state` the previous one returned, and calls the function once more
when the window ends (`isFinalInvokeForWindow`). Per invocation:

1. Powertools' BatchProcessor reads each record into the events it announces
   (adapters/dynamodb/stream_events.py); an unreadable record fails;
2. the relay forwards the events of the records before the first failure to the
   bus and adds their clicks to the window (service_layer/relay.py);
3. every record from the first one not relayed on is reported failed
   (`batchItemFailures`): Lambda retries from there, bisects, and after its
   retries sends the batch's shard and sequence range to the dead-letter queue,
   from which `shortstack dlq replay` reads the records back;
4. at the end of the window the relay adds the window's sums to the stats; a
   failure there raises, and Lambda retries the final call with the same state.

Without a tumbling window (an event with no `shardId`) each click is folded on its
own with its "already counted" marker: exact, at four WRU a click instead of a share
of one, and logged so the mapping gets fixed.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from shortstack.adapters.dynamodb.stream_events import change_of
from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.observability import configure_logging
from shortstack.service_layer.relay import Change, ClickWindow, OutboxRelay

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
container = bootstrap(settings)
_log = logging.getLogger("shortstack.relay")
# A batch whose every record failed is reported like any other, not raised: Lambda then
# retries from the first record named, and the invocation does not count as an error.
processor = BatchProcessor(
    event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
)


class NotRelayed(RuntimeError):
    """A readable record after the first failure, or past the invocation's time budget."""


def read_record(record: DynamoDBRecord) -> Change:
    """One stream record as the events it announces; raising marks the record failed."""
    return change_of(record.raw_event)


def relay_of() -> OutboxRelay:
    if container.relay is None:
        raise RuntimeError("the stream consumer needs STORAGE=dynamodb")
    return container.relay


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Relay one batch; `batchItemFailures` (and the window's `state`) go back to Lambda."""
    relay = relay_of()
    shard = event.get("shardId")
    window = ClickWindow.from_state(event.get("state"))
    records = event.get("Records") or []

    def time_left_s() -> float:
        return context.get_remaining_time_in_millis() / 1000 if context else float("inf")

    with processor(records, read_record, lambda_context=context):
        outcomes = processor.process()
        readable: list[Change] = []
        for status, result, _ in outcomes:
            if status != "success":
                break
            readable.append(result)
        if shard is None:
            _log.error("no tumbling window on the stream's event source mapping: one by one")
            failed = set(relay.replay(readable))
            relayed = next(
                (i for i, change in enumerate(readable) if change.sequence in failed), len(readable)
            )
        else:
            relayed = relay.relay(readable, window, time_left_s)
        for record, (status, _, _) in list(zip(records, outcomes, strict=True))[relayed:]:
            if status == "success":
                error = NotRelayed("an earlier record of the batch was not relayed")
                processor.failure_handler(DynamoDBRecord(record), (NotRelayed, error, None))
    response: dict[str, Any] = dict(processor.response())
    if shard is None:
        return response
    if event.get("isFinalInvokeForWindow"):
        relay.close(shard, str((event.get("window") or {}).get("start", "")), window)
        return {**response, "state": {}}
    return {**response, "state": window.to_state()}
