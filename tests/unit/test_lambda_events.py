"""The events consumer Lambda on moto: EventBridge rule -> SQS -> handler, partial failures.

On AWS the stream consumer folds every click (test_lambda_stream.py); this Lambda runs
the bus's other subscribers, such as forgetting a deleted link's stats.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from shortstack.domain.events import link_clicked, link_deleted
from shortstack.domain.links import create_link
from shortstack.domain.visits import Click
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


def test_clicks_on_the_bus_count_nothing_here_the_stream_consumer_folded_them(
    events_lambda: Any,
) -> None:
    """CLICK_EVENTS_ON_BUS puts LinkClicked on the bus for other subscribers only."""
    event = load_event("sqs_eventbridge_link_clicked.json", short_id=SHORT_ID)
    assert events_lambda.handler(event, FakeLambdaContext()) == {"batchItemFailures": []}
    assert stats_of(events_lambda).clicks == 0


@pytest.mark.slow
def test_link_deleted_flows_through_eventbridge_and_sqs_and_forgets_the_stats(
    events_lambda: Any,
) -> None:
    tap = BusTap()
    analytics = events_lambda.container.analytics
    click = Click(CLICKED_AT, "https://t.co", "curl/8.5", "US")
    analytics.fold_click(link_clicked(SHORT_ID, click))
    assert stats_of(events_lambda).clicks == 1
    # The link's item alone gone: a delete whose removal of the stats did not finish
    # (the repository's delete removes both), which LinkDeleted's handler completes.
    boto3.client("dynamodb", region_name="us-east-1").delete_item(
        TableName=TABLE_NAME, Key={"PK": {"S": f"LINK#{SHORT_ID}"}, "SK": {"S": "LINK"}}
    )
    deleted = link_deleted(SHORT_ID, "local", CLICKED_AT)
    events_lambda.container.publisher.publish([deleted, deleted])  # a publisher retry
    messages = tap.messages()
    assert len(messages) == 2
    response = events_lambda.handler(sqs_event(messages, tap.queue_arn), FakeLambdaContext())
    assert response == {"batchItemFailures": []}
    day = date(2026, 11, 20)
    assert analytics.stats.days(SHORT_ID, day, day) == []


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
    unreadable = {k: v for k, v in json.loads(poison["body"]).items() if k != "source"}
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(unreadable))
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
