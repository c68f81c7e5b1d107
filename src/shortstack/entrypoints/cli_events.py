"""`shortstack events put` and `shortstack dlq list|replay|purge`.

They act on the deployment the settings name: locally the SQLite queue under
DATA_DIR (a running server's dispatcher picks a put event up within a second);
with STORAGE=dynamodb the EventBridge bus and the SQS dead-letter queue
(EVENTS_DLQ_URL, EVENTS_QUEUE_URL), which also holds the stream consumer's failed
batches: those are replayed by reading their range back from the table's stream.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from shortstack.config import Settings
from shortstack.domain.clock import to_iso, utc_now
from shortstack.domain.errors import DeadLetterNotFound
from shortstack.domain.events import Event
from shortstack.entrypoints.cli_data import command_settings
from shortstack.entrypoints.cli_options import non_empty

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

    from shortstack.adapters.sqs import ReplayBatch, StreamBatch
    from shortstack.bootstrap import Container


def configure_events(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    put = actions.add_parser("put", help="publish one event (like `aws events put-events`)")
    put.add_argument("--source", required=True, type=non_empty, help="e.g. shortstack.links")
    put.add_argument("--detail-type", required=True, type=non_empty, help="e.g. LinkClicked")
    put.add_argument("--detail", required=True, help="the detail as a JSON object")
    put.add_argument(
        "--id", type=non_empty, help="the event id (default: a new one); reuse it to test dedup"
    )


def _not_json(name: str) -> Any:
    """NaN and the infinities, which Python's reader takes and JSON has not."""
    raise ValueError(f"{name} is not a JSON value")


def run_events(args: argparse.Namespace) -> int:
    try:
        detail = json.loads(args.detail, parse_constant=_not_json)
    except ValueError as exc:
        print(f"shortstack: --detail is not JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(detail, dict):
        print("shortstack: --detail must be a JSON object", file=sys.stderr)
        return 2
    from shortstack.bootstrap import bootstrap

    settings = command_settings()
    if isinstance(settings, int):
        return settings
    extra: dict[str, Any] = {"id": args.id} if args.id else {}
    event = Event(args.source, args.detail_type, detail, utc_now(), **extra)
    container = bootstrap(settings)
    try:
        container.publisher.publish([event])
    finally:
        container.close()
    print(json.dumps({"id": event.id, "time": to_iso(event.time)}))
    return 0


def configure_dlq(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="show the dead letters")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    replay = actions.add_parser("replay", help="send dead letters back to the queue")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("event_id", nargs="?", help="the id of one letter (event or batch-...)")
    which.add_argument("--all", action="store_true", help="every letter")
    actions.add_parser("purge", help="delete every dead letter")


def _dead_letters(settings: Settings) -> tuple[Any, Any]:
    """The dead-letter store of this deployment, and what to close afterwards."""
    from shortstack.bootstrap import bootstrap

    container = bootstrap(settings)
    if settings.storage == "dynamodb":
        if not settings.events_dlq_url:
            container.close()
            raise SystemExit("EVENTS_DLQ_URL is not set (the events dead-letter queue's URL)")
        from shortstack.adapters.aws import make_client
        from shortstack.adapters.sqs import SqsDeadLetters

        client = make_client("sqs", settings.events_endpoint_url)
        streams = make_client("dynamodbstreams", settings.aws_endpoint_url)
        replay = _stream_replayer(container, streams)
        letters = SqsDeadLetters(
            client, settings.events_dlq_url, settings.events_queue_url, replay_batch=replay
        )
        return letters, container
    if container.event_queue is None:
        container.close()
        raise SystemExit(f"STORAGE={settings.storage} keeps no dead letters")
    return container.event_queue, container


def _stream_replayer(container: Container, streams: DynamoDBStreamsClient) -> ReplayBatch:
    """Read a dead-lettered stream batch back and re-process it, one record at a time."""
    from shortstack.adapters.dynamodb.stream_events import UnreadableRecord, change_of, sequence_of
    from shortstack.adapters.dynamodb.stream_reader import StreamRangeGone, StreamReader

    reader = StreamReader(streams)
    relay = container.relay
    if relay is None:
        raise SystemExit("replaying a stream batch needs STORAGE=dynamodb")

    def replay(batch: StreamBatch) -> list[str]:
        failed: list[str] = []
        changes = []
        try:
            for record in reader.records(batch.stream_arn, batch.shard_id, batch.first, batch.last):
                try:
                    changes.append(change_of(record))
                except UnreadableRecord:
                    failed.append(sequence_of(record))
        except StreamRangeGone as exc:
            # Past the stream's 24 hours the letter can never be replayed, and a short read
            # cannot be replayed yet: it stays listed (purge it once read, or try again)
            # and the other letters go on.
            print(f"shortstack: {batch.id} cannot be replayed: {exc}", file=sys.stderr)
            return [batch.first]
        return failed + relay.replay(changes)

    return replay


def _row(letter: Any) -> dict[str, Any]:
    """One dead letter as a JSON object: an event, a stream batch (its range only), or a
    letter that is neither (its body as it came)."""
    batch = getattr(letter, "batch", None)
    body = getattr(letter, "body", None)
    error: str | None
    if batch is not None:
        kind = "(stream batch)"
        error = (
            f"{batch.condition}: shard {batch.shard_id}, sequence {batch.first}"
            f" to {batch.last} ({batch.size} records)"
        )
        extra: dict[str, Any] = {"batch": asdict(batch)}
    elif body is not None:
        kind, error, extra = "(unreadable)", letter.last_error, {"body": body}
    else:
        kind, error = letter.event.detail_type, getattr(letter, "last_error", None)
        extra = {"source": letter.event.source, "event": letter.event.to_dict()}
    # An event's letter goes by the event's id (a local letter has no id of its own).
    return {
        "id": letter.id if batch is not None or body is not None else letter.event.id,
        "detail_type": kind,
        "attempts": letter.attempts,
        "last_error": error,
        **extra,
    }


def run_dlq(args: argparse.Namespace) -> int:
    settings = command_settings()
    if isinstance(settings, int):
        return settings
    store, container = _dead_letters(settings)
    try:
        if args.action == "list":
            letters = store.dead_letters()
            for letter in letters:
                row = _row(letter)
                if args.json:
                    print(json.dumps(row))
                else:
                    error = (row["last_error"] or "")[:110]
                    attempts = "?" if row["attempts"] is None else row["attempts"]
                    print(f"{row['id']}  {row['detail_type']:<14} x{attempts}  {error}")
            if not args.json:
                print(f"{len(letters)} dead letter(s)")
        elif args.action == "replay":
            try:
                moved = store.replay(None if args.all else args.event_id)
            except DeadLetterNotFound as exc:
                print(f"shortstack: {exc} (`shortstack dlq list` shows them)", file=sys.stderr)
                return 1
            print(f"replayed {moved} dead letter(s)")
            if not moved and not args.all:
                print(f"shortstack: {args.event_id} stays a dead letter", file=sys.stderr)
                return 1
        else:
            print(f"purged {store.purge_dead_letters()} dead letter(s)")
    finally:
        if container is not None:
            container.close()
    return 0
