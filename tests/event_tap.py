"""Read what was published to an EventBridge bus on moto, through a real rule and queue.

A rule on the bus sends every `shortstack.*` event to an SQS queue, as the
deployment's rule does; `events()` drains that queue. Tests then see exactly
what EventBridge delivered (with our stable id carried in the detail), and can
hand the same SQS messages to the events Lambda.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from shortstack.adapters.eventbridge.publisher import event_from_eventbridge
from shortstack.domain.events import Event

REGION = "us-east-1"
SHORTSTACK_EVENTS = {"source": [{"prefix": "shortstack."}]}


class BusTap:
    def __init__(self, bus: str = "shortstack", name: str = "tap") -> None:
        self.sqs = boto3.client("sqs", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        self.queue_url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(SHORTSTACK_EVENTS))
        events.put_targets(
            Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": self.queue_arn}]
        )
        self.seen: list[Event] = []

    def messages(self) -> list[dict[str, Any]]:
        """Every message now in the queue, received and deleted (SQS message dicts)."""
        received: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return received
            received.extend(batch)
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )

    def events(self, detail_type: str | None = None) -> list[Event]:
        """Every event delivered so far (of one detail type if given), oldest first."""
        self.seen.extend(event_from_eventbridge(json.loads(m["Body"])) for m in self.messages())
        return [e for e in self.seen if detail_type is None or e.detail_type == detail_type]
