"""The events consumer Lambda: SQS batches of EventBridge events, partial batch failures.

An EventBridge rule routes the bus's `shortstack.*` events to the events queue;
SQS invokes this function with up to ten records. Powertools' BatchProcessor
runs each record through the same `EventConsumer` the local server uses and
reports the failed ones (`batchItemFailures`), so SQS redelivers only those;
after maxReceiveCount receives the queue's redrive policy moves a record to
the dead-letter queue. The container is built once per Lambda container.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shortstack.adapters.eventbridge.publisher import event_from_eventbridge
from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.observability import configure_logging
from shortstack.service_layer.webhooks import sqs_lambda


class _Invocation:
    """The invocation being served, which deliveries must finish inside."""

    context: Any = None

    def time_left_s(self) -> float:
        return float(self.context.get_remaining_time_in_millis()) / 1000


settings = Settings()
configure_logging(settings.service_name, settings.log_level)
invocation = _Invocation()
# Ten records each allowed the webhook budget would outlast the function's timeout:
# deliveries stop where the invocation must, and the records left are retried.
container = bootstrap(settings, webhook_runtime=sqs_lambda(invocation.time_left_s))
# A batch whose every record failed is reported like any other, not raised: SQS then
# retries exactly the records it names, and the invocation does not count as an error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def handle_record(record: SQSRecord) -> None:
    """One SQS record whose body is an EventBridge event; raising marks it failed."""
    container.events.handle(event_from_eventbridge(json.loads(record.body)))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point: `{"batchItemFailures": [...]}` names the records to deliver again."""
    container.events.idempotency.use_lambda_context(context)
    invocation.context = context
    response = process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
    return dict(response)
