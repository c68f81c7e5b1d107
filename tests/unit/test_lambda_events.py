"""The events consumer Lambda on moto: EventBridge rule -> SQS -> handler, partial failures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from shortstack.domain.events import link_clicked
from shortstack.domain.links import create_link
from tests.conftest import TABLE_NAME
from tests.event_tap import BusTap
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event, sqs_event

SHORT_ID = "launch1"
CLICKED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def events_lambda(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    module = fresh_import("shortstack.entrypoints.lambda_events")
    link = create_link(
        short_id=SHORT_ID,
        owner="local",
        url="https://example.com/",
        now=CLICKED_AT,
        expires_at=CLICKED_AT + timedelta(days=30),
    )
    module.container.links.links.add(link)
    return module


def stats_of(module: Any, day: date = date(2026, 11, 20)) -> Any:
    report = module.container.analytics.report("local", SHORT_ID, day, day)
    return report.totals


def test_the_stored_sqs_batch_counts_each_click_once_and_reports_the_poison_record(
    events_lambda: Any,
) -> None:
    event = load_event("sqs_eventbridge_link_clicked.json", short_id=SHORT_ID)
    response = events_lambda.handler(event, FakeLambdaContext())
    # Record 3 re-publishes record 1 (same event_id, new EventBridge id); record 4 is unreadable.
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][3]["messageId"]}]}
    totals = stats_of(events_lambda)
    assert (totals.clicks, totals.bots) == (2, 0)
    assert totals.counts["referrers"] == {"news.ycombinator.com": 1, "(direct)": 1}
    assert totals.counts["devices"] == {"desktop": 1, "mobile": 1}
    assert totals.counts["countries"] == {"DE": 1, "(unknown)": 1}
    # SQS delivers the whole batch again (say the function timed out): nothing changes.
    events_lambda.handler(event, FakeLambdaContext())
    assert stats_of(events_lambda).clicks == 2


@pytest.mark.slow
def test_published_clicks_flow_through_eventbridge_and_sqs_into_exact_stats(
    events_lambda: Any,
) -> None:
    tap = BusTap()
    publisher = events_lambda.container.publisher
    clicks = [
        link_clicked(SHORT_ID, CLICKED_AT, "https://t.co/x", "curl/8.5", "us") for _ in range(25)
    ]
    publisher.publish(clicks)
    publisher.publish(clicks[:5])  # a publisher retry after a lost response
    messages = tap.messages()
    assert len(messages) == 30
    for start in range(0, len(messages), 10):
        response = events_lambda.handler(
            sqs_event(messages[start : start + 10], tap.queue_arn), FakeLambdaContext()
        )
        assert response == {"batchItemFailures": []}
    totals = stats_of(events_lambda)
    assert (totals.clicks, totals.bots) == (25, 25)
    assert totals.counts["referrers"] == {"t.co": 25}
    assert totals.counts["countries"] == {"US": 25}


def test_a_record_failing_every_receive_lands_in_the_dlq_after_max_receives(
    events_lambda: Any,
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="shortstack-events-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName="shortstack-events",
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
        },
    )["QueueUrl"]
    poison = load_event("sqs_eventbridge_link_clicked.json", short_id=SHORT_ID)["Records"][3]
    sqs.send_message(QueueUrl=queue, MessageBody=poison["body"])
    receives = 0
    while messages := sqs.receive_message(QueueUrl=queue, AttributeNames=["All"]).get(
        "Messages", []
    ):
        receives += 1
        response = events_lambda.handler(sqs_event(messages, "arn:queue"), FakeLambdaContext())
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for message in messages:  # what Lambda's SQS integration does with the response
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    assert receives == 3
    [letter] = sqs.receive_message(QueueUrl=dlq).get("Messages", [])
    assert json.loads(letter["Body"])["detail"]["event_id"] == "c1a9d2f0e4b34a6f9a1e5b7c3d2f1a03"
