"""`shortstack events put` and `shortstack dlq ...`, locally and against SQS on moto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints import cli_events
from shortstack.entrypoints.cli import main
from tests.conftest import TABLE_NAME, dispatcher_for, settings_for


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EVENTS_BACKOFF_BASE_S", "0")
    return tmp_path


def put(*extra: str) -> int:
    return main(["events", "put", "--source", "shortstack.items", "--detail-type", *extra])


def test_put_then_a_poison_event_is_listed_replayed_and_purged(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert put("ItemDeleted", "--detail", '{"item_id": "i-1"}', "--id", "evt-1") == 0
    assert json.loads(capsys.readouterr().out)["id"] == "evt-1"
    container = bootstrap(settings_for("sqlite", local_env, events_backoff_base_s=0))
    failures: list[str] = []

    def always_fails(event: Any) -> None:
        failures.append(event.id)
        raise RuntimeError("downstream is down")

    container.events.register("ItemDeleted", always_fails)
    dispatcher = dispatcher_for(container)
    for _ in range(3):
        dispatcher.drain()
    assert failures == ["evt-1"] * 3

    assert main(["dlq", "list", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["id"], row["attempts"]) == ("evt-1", 3)
    assert row["last_error"] == "RuntimeError: downstream is down"
    assert row["event"]["detail"] == {"item_id": "i-1"}

    assert main(["dlq", "replay", "evt-1"]) == 0
    assert "replayed 1" in capsys.readouterr().out
    for _ in range(3):  # fails again: back in the dead letters, nothing lost
        dispatcher.drain()
    assert [letter.event.id for letter in container.event_queue.dead_letters()] == ["evt-1"]
    assert main(["dlq", "replay", "no-such-event"]) == 1
    assert main(["dlq", "purge"]) == 0
    assert "purged 1" in capsys.readouterr().out
    assert container.event_queue.dead_letters() == []
    container.close()


@pytest.mark.parametrize(
    "detail",
    [
        "not json",
        "[1, 2]",
        # Found by the outsider pass (failed before the fix): Python reads these, JSON has
        # no such values; a webhook body carrying one is no JSON to its receiver.
        '{"a": NaN}',
        '{"a": [Infinity]}',
        '{"a": {"b": -Infinity}}',
    ],
)
def test_put_refuses_a_detail_that_is_not_a_json_object(
    local_env: Path, detail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert put("ItemDeleted", "--detail", detail) == 2
    assert "--detail" in capsys.readouterr().err


LETTER = {
    "id": "eb-1",
    "source": "shortstack.links",
    "detail-type": "LinkClicked",
    "time": "2026-11-20T09:00:00Z",
    "detail": {"short_id": "abc1234", "occurred_at": "2026-11-20T09:00:00Z", "event_id": "e-9"},
}


@pytest.fixture
def aws_queues(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, str]:
    return queues_for_cli(monkeypatch)


def queues_for_cli(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, str]:
    """SQS on moto, the events queue and its DLQ, and the CLI's settings pointing at them."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="shortstack-events")["QueueUrl"]
    dlq = sqs.create_queue(QueueName="shortstack-events-dlq")["QueueUrl"]
    for name, value in {
        "STORAGE": "dynamodb",
        "TABLE_NAME": TABLE_NAME,
        "EVENTS_QUEUE_URL": queue,
        "EVENTS_DLQ_URL": dlq,
    }.items():
        monkeypatch.setenv(name, value)
    return sqs, queue, dlq


def test_dlq_on_aws_lists_and_replays_sqs_dead_letters(
    aws_queues: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, queue, dlq = aws_queues
    body = LETTER
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(body))
    assert main(["dlq", "list"]) == 0
    out = capsys.readouterr().out
    assert "e-9" in out
    assert "1 dead letter(s)" in out
    assert main(["dlq", "replay", "--all"]) == 0
    [moved] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(moved["Body"]) == body
    assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []


@pytest.mark.parametrize(
    "poison",
    [
        # What the events consumer could not read lands in the DLQ as it was sent
        # (tests/unit/test_lambda_events.py): an event without its source, or no JSON at all.
        json.dumps({k: v for k, v in LETTER.items() if k != "source"}),
        "not json {",
        "[1, 2]",
    ],
)
def test_dlq_on_aws_lists_and_replays_a_letter_it_cannot_read_next_to_the_others(
    aws_queues: tuple[Any, str, str], capsys: pytest.CaptureFixture[str], poison: str
) -> None:
    sqs, queue, dlq = aws_queues
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(LETTER))
    poison_id = sqs.send_message(QueueUrl=dlq, MessageBody=poison)["MessageId"]
    assert main(["dlq", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(row["id"] for row in rows) == sorted(["e-9", poison_id])
    [unreadable] = [row for row in rows if row["id"] == poison_id]
    assert "cannot be read" in unreadable["last_error"]
    assert unreadable["body"] == poison
    assert main(["dlq", "replay", poison_id]) == 0
    [moved] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert moved["Body"] == poison  # back to the queue as it was: it fails again, visibly
    assert main(["dlq", "replay", "--all"]) == 0
    assert "replayed 1" in capsys.readouterr().out
    assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []


def test_dlq_on_aws_says_plainly_that_no_letter_has_the_id_it_was_given(
    aws_queues: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, queue, dlq = aws_queues
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(LETTER))
    assert main(["dlq", "replay", "no-such-letter"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "shortstack: no dead letter has the id 'no-such-letter'" in captured.err
    assert sqs.receive_message(QueueUrl=queue).get("Messages", []) == []


BATCH = {
    "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
    "DDBStreamBatchInfo": {
        "streamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-11-20",
        "shardId": "shardId-00000001700000000000-0badc0de",
        "startSequenceNumber": "100000000000000000001",
        "endSequenceNumber": "100000000000000000009",
        "batchSize": 3,
    },
}


def test_a_stream_batch_that_fails_again_is_said_to_stay_not_to_be_missing(
    aws_queues: tuple[Any, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sqs, _, dlq = aws_queues
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(BATCH))
    monkeypatch.setattr(
        cli_events, "_stream_replayer", lambda *_: lambda batch: [batch.first]
    )  # every record of the batch fails again
    assert main(["dlq", "list", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["dlq", "replay", row["id"]]) == 1
    err = capsys.readouterr().err
    assert "no dead letter has the id" not in err
    assert f"{row['id']} stays a dead letter" in err


@pytest.mark.parametrize(
    ("body", "attributes", "attempts"),
    [
        # What EventBridge's rule target sends after its retries says how many it made.
        (LETTER, {"RETRY_ATTEMPTS": {"DataType": "String", "StringValue": "185"}}, 186),
        # Lambda's on-failure destination says how often it invoked on the batch.
        (BATCH, {}, 6),
        # The queue's redrive says nothing of the receives before it: no count is shown.
        (LETTER, {}, None),
    ],
)
def test_dlq_on_aws_lists_the_attempts_before_the_dlq_which_listing_does_not_raise(
    aws_queues: tuple[Any, str, str],
    capsys: pytest.CaptureFixture[str],
    body: dict[str, Any],
    attributes: dict[str, Any],
    attempts: int | None,
) -> None:
    # The DLQ's own ApproximateReceiveCount counts its receives: every list raised it.
    sqs, _, dlq = aws_queues
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(body), MessageAttributes=attributes)
    for _ in range(3):
        assert main(["dlq", "list", "--json"]) == 0
        [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert row["attempts"] == attempts
    assert main(["dlq", "list"]) == 0
    assert f" x{attempts if attempts is not None else '?'} " in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["events", "put", "--source", "", "--detail-type", "X", "--detail", "{}"],
        ["events", "put", "--source", "s", "--detail-type", "  ", "--detail", "{}"],
        ["events", "put", "--source", "s", "--detail-type", "X", "--detail", "{}", "--id", ""],
        ["links", "--owner", "", "list"],
        ["links", "list", "--owner", " "],
    ],
)
def test_an_empty_name_is_refused_before_anything_is_written(
    local_env: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "must not be empty" in capsys.readouterr().err
    assert not list(local_env.iterdir())


@pytest.mark.dynamodb_local
def test_a_stream_batch_the_stream_no_longer_holds_stays_a_letter_and_the_others_replay(
    dynamodb_local: Any,
    dynamodb_local_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The stream keeps records 24 hours and the DLQ keeps letters 14 days: a batch letter
    # older than a day can never be read back. It must not stop the other letters.
    # (DynamoDB Local, the real engine, answers such a read as DynamoDB does; moto asserts.)
    sqs, queue, dlq = queues_for_cli(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", dynamodb_local_endpoint)
    # ... which boto3 would also take for SQS: SQS stays on moto's (AWS's own) endpoint.
    monkeypatch.setenv("EVENTS_ENDPOINT_URL", "https://sqs.us-east-1.amazonaws.com")
    table = dynamodb_local.describe_table(TableName=TABLE_NAME)["Table"]
    gone = {
        "requestContext": {"condition": "RetryAttemptsExhausted"},
        "DDBStreamBatchInfo": {
            "streamArn": table["LatestStreamArn"],
            "shardId": "shardId-00000001700000000000-0badc0de",  # trimmed away since
            "startSequenceNumber": "100000000000000000001",
            "endSequenceNumber": "100000000000000000009",
            "batchSize": 3,
        },
    }
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(gone))
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(LETTER))
    assert main(["dlq", "replay", "--all"]) == 0
    captured = capsys.readouterr()
    assert "replayed 1" in captured.out
    assert "24 hours" in captured.err
    [moved] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(moved["Body"]) == LETTER
    assert main(["dlq", "list", "--json"]) == 0  # still listed: purge it once it is read
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["detail_type"] == "(stream batch)"


def test_dlq_on_aws_long_polls_so_a_few_letters_are_never_missed(
    aws_queues: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A short poll (WaitTimeSeconds 0) asks a sample of SQS's servers and may answer empty
    # while a few letters wait (SQS's ReceiveMessage documentation); list and replay stop at
    # the first empty answer, so each receive must ask every server: a long poll. moto has
    # no sampling to show it, so the test reads the calls the command makes.
    sqs, _, dlq = aws_queues
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(LETTER))
    waits: list[int] = []

    def seen(params: dict[str, Any], **_: Any) -> None:
        waits.append(int(params.get("WaitTimeSeconds", 0)))

    events = boto3.DEFAULT_SESSION.events if boto3.DEFAULT_SESSION else None
    assert events is not None
    events.register("provide-client-params.sqs.ReceiveMessage", seen)
    try:
        assert main(["dlq", "list"]) == 0
        assert main(["dlq", "replay", "--all"]) == 0
    finally:
        events.unregister("provide-client-params.sqs.ReceiveMessage", seen)
    assert "replayed 1" in capsys.readouterr().out
    assert waits
    assert min(waits) >= 1


def test_dlq_on_aws_lists_the_error_eventbridge_gave_with_a_letter(
    aws_queues: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """EventBridge's rule target writes why it gave up into the letter's attributes."""
    sqs, _, dlq = aws_queues
    attributes = {
        "ERROR_CODE": {"DataType": "String", "StringValue": "SDK_CLIENT_ERROR"},
        "ERROR_MESSAGE": {"DataType": "String", "StringValue": "Queue does not exist"},
        "RETRY_ATTEMPTS": {"DataType": "String", "StringValue": "3"},
    }
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(LETTER), MessageAttributes=attributes)
    assert main(["dlq", "list", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["last_error"] == "SDK_CLIENT_ERROR: Queue does not exist"
    assert main(["dlq", "list"]) == 0
    assert " x4  SDK_CLIENT_ERROR: Queue does not exist" in capsys.readouterr().out
