"""The events dead-letter queue on AWS: list, replay and purge SQS dead letters.

The same operations as the local `SqliteEventQueue` dead letters, over SQS:
listing receives the letters and makes them visible again at once. The queue
holds two kinds of letter:
- an EventBridge event the events queue gave up on: replaying sends its body back
  to the events queue and only then deletes it from the DLQ (a crash in between
  duplicates a letter, which the idempotent consumers absorb, and never loses one);
- a batch of the table's stream the stream consumer gave up on, as Lambda's
  on-failure destination writes it: the shard and sequence range, not the records.
  Replaying hands the batch to `replay_batch`, which reads the range back from the
  stream and re-processes it; the letter is deleted only when nothing failed again.
Anything else (a message the events consumer could not read either, moved here as it
came) is listed under its SQS message id with the reason, and replayed like an event.

A letter's `attempts` are those made before it reached the DLQ, as the letter records
them: EventBridge's RETRY_ATTEMPTS message attribute plus the first try, or the batch's
approximateInvokeCount; None for what the queue's redrive moved (after maxReceiveCount
receives), which keeps no count of its own. Not the DLQ's ApproximateReceiveCount: it
counts the DLQ's own receives, and every list is one. An event's `last_error` is what
EventBridge wrote with it (its ERROR_CODE and ERROR_MESSAGE attributes); None for what the
redrive moved, which says nothing of why. No letter says when it failed: SQS knows only
when the DLQ was first read, which listing itself sets, so it is not shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shortstack.adapters.eventbridge.publisher import event_from_eventbridge
from shortstack.domain.errors import DeadLetterNotFound
from shortstack.domain.events import Event

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

LIST_VISIBILITY_S = 30
# A short poll asks a sample of SQS's servers and may answer empty while a few letters
# wait; receiving stops at the first empty answer, so every receive long-polls (all
# servers), which costs this wait once, at the end.
LIST_WAIT_S = 1
_log = logging.getLogger("shortstack.events")


@dataclass(frozen=True, slots=True)
class SqsDeadLetter:
    event: Event
    attempts: int | None
    last_error: str | None
    receipt_handle: str

    @property
    def id(self) -> str:
        return self.event.id


@dataclass(frozen=True, slots=True)
class StreamBatch:
    """Where a dead-lettered batch of the table's stream was: shard and sequence range."""

    stream_arn: str
    shard_id: str
    first: str
    last: str
    size: int
    condition: str

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> StreamBatch:
        """From the message Lambda's on-failure destination sends (DDBStreamBatchInfo)."""
        info = body["DDBStreamBatchInfo"]
        return cls(
            stream_arn=str(info["streamArn"]),
            shard_id=str(info["shardId"]),
            first=str(info["startSequenceNumber"]),
            last=str(info["endSequenceNumber"]),
            size=int(info.get("batchSize", 0)),
            condition=str((body.get("requestContext") or {}).get("condition", "")),
        )

    @property
    def id(self) -> str:
        """A short, stable name for the letter (the range is what identifies it)."""
        digest = hashlib.sha256(f"{self.shard_id}#{self.first}#{self.last}".encode()).hexdigest()
        return f"batch-{digest[:12]}"


@dataclass(frozen=True, slots=True)
class StreamBatchLetter:
    batch: StreamBatch
    attempts: int | None
    receipt_handle: str

    @property
    def id(self) -> str:
        return self.batch.id


@dataclass(frozen=True, slots=True)
class UnreadableLetter:
    """A message that is neither an event nor a stream batch (what the events consumer
    could not read either): listed under its SQS message id, replayed as it is."""

    message_id: str
    body: str
    reason: str
    attempts: int | None
    receipt_handle: str

    @property
    def id(self) -> str:
        return self.message_id

    @property
    def last_error(self) -> str:
        return f"the letter cannot be read as an event or a stream batch: {self.reason}"


Letter = SqsDeadLetter | StreamBatchLetter | UnreadableLetter
# Re-process a dead-lettered stream batch; the sequence numbers that failed again.
ReplayBatch = Callable[[StreamBatch], list[str]]


def _no_stream_replay(batch: StreamBatch) -> list[str]:
    raise ValueError(
        "replaying a stream batch needs the stream consumer's wiring (STORAGE=dynamodb)"
    )


class SqsDeadLetters:
    def __init__(
        self,
        client: SQSClient,
        dlq_url: str,
        queue_url: str | None,
        replay_batch: ReplayBatch | None = None,
    ) -> None:
        self._sqs = client
        self._dlq = dlq_url
        self._queue = queue_url
        self._replay_batch = replay_batch

    def _receive_all(self, limit: int) -> list[tuple[MessageTypeDef, Letter]]:
        found: list[tuple[MessageTypeDef, Letter]] = []
        while len(found) < limit:
            batch = self._sqs.receive_message(
                QueueUrl=self._dlq,
                MaxNumberOfMessages=min(10, limit - len(found)),
                VisibilityTimeout=LIST_VISIBILITY_S,
                WaitTimeSeconds=LIST_WAIT_S,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                found.append((message, _letter(message)))
        return found

    def _release(self, messages: list[MessageTypeDef]) -> None:
        for message in messages:
            self._sqs.change_message_visibility(
                QueueUrl=self._dlq, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def dead_letters(self, limit: int = 1000) -> list[Letter]:
        """The letters now in the DLQ (made visible again before returning)."""
        found = self._receive_all(limit)
        self._release([message for message, _ in found])
        return [letter for _, letter in found]

    def replay(self, letter_id: str | None = None) -> int:
        """Replay letters (one id, or all); how many were replayed and left the DLQ.

        An event goes back to the events queue; a stream batch is read back from the
        stream and re-processed, and stays a letter if any of its records fails again.
        DeadLetterNotFound when no letter has the id given.
        """
        found = self._receive_all(10_000)
        moved, kept = 0, []
        for message, letter in found:
            if letter_id is not None and letter.id != letter_id:
                kept.append(message)
                continue
            if isinstance(letter, StreamBatchLetter):
                if self._replay_batch is None:
                    raise ValueError("replaying a stream batch needs the stream consumer's wiring")
                failed = self._replay_batch(letter.batch)
                if failed:
                    _log.error(
                        "stream batch failed again",
                        extra={"letter": letter.id, "sequences": failed[:10]},
                    )
                    kept.append(message)
                    continue
            else:
                if not self._queue:
                    raise ValueError("EVENTS_QUEUE_URL is needed to replay dead letters")
                self._sqs.send_message(QueueUrl=self._queue, MessageBody=message["Body"])
            self._sqs.delete_message(QueueUrl=self._dlq, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
        self._release(kept)
        if letter_id is not None and all(letter.id != letter_id for _, letter in found):
            raise DeadLetterNotFound(letter_id)
        return moved

    def purge_dead_letters(self) -> int:
        """Delete every letter; how many there were (approximately, as SQS counts)."""
        count = approximate_depth(self._sqs, self._dlq)
        self._sqs.purge_queue(QueueUrl=self._dlq)
        return count


def _letter(message: MessageTypeDef) -> Letter:
    """A received DLQ message as the letter it holds (an event or a stream batch)."""
    handle = message["ReceiptHandle"]
    try:
        body = json.loads(message["Body"])
        if "DDBStreamBatchInfo" in body:
            invoked = _count((body.get("requestContext") or {}).get("approximateInvokeCount"))
            return StreamBatchLetter(StreamBatch.of(body), invoked, handle)
        said = message.get("MessageAttributes", {})
        retried = _count(_text(said, "RETRY_ATTEMPTS"))
        attempts = retried + 1 if retried is not None else None
        error = ": ".join(
            text for name in ("ERROR_CODE", "ERROR_MESSAGE") if (text := _text(said, name))
        )
        return SqsDeadLetter(event_from_eventbridge(body), attempts, error or None, handle)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # One odd letter must not hide the others from `list` or stop `replay --all`.
        reason = f"{type(exc).__name__}: {exc}"
        return UnreadableLetter(message["MessageId"], message["Body"], reason, None, handle)


def _text(attributes: Mapping[str, Any], name: str) -> str | None:
    """A string message attribute's value, or None."""
    value = (attributes.get(name) or {}).get("StringValue")
    return value if isinstance(value, str) else None


def _count(value: object) -> int | None:
    """A count a letter records (a number, or its digits), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


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
