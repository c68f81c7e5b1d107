"""The events dead-letter queue on AWS: list, replay and purge SQS dead letters.

The same operations as the local `SqliteEventQueue` dead letters, over SQS:
listing receives the letters and makes them visible again at once; replaying
sends each letter's body back to the events queue and only then deletes it
from the DLQ (a crash in between duplicates a letter, which the idempotent
consumers absorb, and never loses one).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shortstack.adapters.eventbridge.publisher import event_from_eventbridge
from shortstack.domain.events import Event

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

LIST_VISIBILITY_S = 30


@dataclass(frozen=True, slots=True)
class SqsDeadLetter:
    event: Event
    attempts: int
    first_received: datetime | None
    receipt_handle: str


class SqsDeadLetters:
    def __init__(self, client: SQSClient, dlq_url: str, queue_url: str | None) -> None:
        self._sqs = client
        self._dlq = dlq_url
        self._queue = queue_url

    def _receive_all(self, limit: int) -> list[tuple[MessageTypeDef, SqsDeadLetter]]:
        found: list[tuple[MessageTypeDef, SqsDeadLetter]] = []
        while len(found) < limit:
            batch = self._sqs.receive_message(
                QueueUrl=self._dlq,
                MaxNumberOfMessages=min(10, limit - len(found)),
                VisibilityTimeout=LIST_VISIBILITY_S,
                AttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                attributes = message.get("Attributes", {})
                first = attributes.get("ApproximateFirstReceiveTimestamp")
                letter = SqsDeadLetter(
                    event=event_from_eventbridge(json.loads(message["Body"])),
                    attempts=int(attributes.get("ApproximateReceiveCount", 0)),
                    first_received=(
                        datetime.fromtimestamp(int(first) / 1000, UTC) if first else None
                    ),
                    receipt_handle=message["ReceiptHandle"],
                )
                found.append((message, letter))
        return found

    def _release(self, messages: list[MessageTypeDef]) -> None:
        for message in messages:
            self._sqs.change_message_visibility(
                QueueUrl=self._dlq, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def dead_letters(self, limit: int = 1000) -> list[SqsDeadLetter]:
        """The letters now in the DLQ (made visible again before returning)."""
        found = self._receive_all(limit)
        self._release([message for message, _ in found])
        return [letter for _, letter in found]

    def replay(self, event_id: str | None = None) -> int:
        """Send letters (one event id, or all) back to the events queue; how many moved."""
        if not self._queue:
            raise ValueError("EVENTS_QUEUE_URL is needed to replay dead letters")
        found = self._receive_all(10_000)
        moved, kept = 0, []
        for message, letter in found:
            if event_id is not None and letter.event.id != event_id:
                kept.append(message)
                continue
            self._sqs.send_message(QueueUrl=self._queue, MessageBody=message["Body"])
            self._sqs.delete_message(QueueUrl=self._dlq, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
        self._release(kept)
        return moved

    def purge_dead_letters(self) -> int:
        """Delete every letter; how many there were (approximately, as SQS counts)."""
        count = approximate_depth(self._sqs, self._dlq)
        self._sqs.purge_queue(QueueUrl=self._dlq)
        return count


def approximate_depth(client: SQSClient, queue_url: str) -> int:
    """The messages SQS counts as waiting in a queue (ApproximateNumberOfMessages)."""
    attributes = client.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def queue_name(queue_url: str) -> str:
    """The queue's name: the last path segment of its URL."""
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


class SqsDeadLetterGauge:
    """The DeadLetterGauge port over SQS: one GetQueueAttributes per dead-letter queue."""

    def __init__(self, client: SQSClient, queue_urls: Sequence[str]) -> None:
        self._sqs = client
        self._urls = list(dict.fromkeys(queue_urls))  # each queue once, in the given order

    def dead_letter_depths(self) -> dict[str, int]:
        return {queue_name(url): approximate_depth(self._sqs, url) for url in self._urls}
