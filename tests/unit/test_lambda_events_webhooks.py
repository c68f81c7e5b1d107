"""Webhooks from the events consumer Lambda (moto): a real SQS payload of a bus LinkClicked.

On AWS clicks reach this consumer only with CLICK_EVENTS_ON_BUS; the delivery is the
same code as locally, and a failed one is reported in `batchItemFailures`, so SQS
redelivers it and, after maxReceiveCount, dead-letters it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook as Verifier

from shortstack.domain.links import create_link
from shortstack.domain.webhooks import Webhook
from tests.conftest import TABLE_NAME
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event
from tests.webhook_support import ScriptedTransport

SHORT_ID = "hooked1"
OWNER = "owner-1"
RECEIVER = "https://hooks.example.com/in"
# Before the recorded clicks: a click is its link owner's only if the link existed then.
MADE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def transport() -> ScriptedTransport:
    return ScriptedTransport(names={"hooks.example.com": ["93.184.215.14"]})


@pytest.fixture
def events_lambda(
    moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch, transport: ScriptedTransport
) -> Any:
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    module = fresh_import("shortstack.entrypoints.lambda_events")
    module.container.webhooks.transport = transport
    link = create_link(
        short_id=SHORT_ID,
        owner=OWNER,
        url="https://example.com/",
        now=MADE,
        expires_at=datetime.now(UTC) + timedelta(days=30),
    )
    module.container.links.links.add(link)
    return module


def clicked() -> dict[str, Any]:
    """Four records: three clicks, one of them delivered twice (SQS is at least once)."""
    return load_event("sqs_eventbridge_link_clicked.json", short_id=SHORT_ID)


def subscribed(module: Any, owner: str = OWNER) -> Webhook:
    """A click subscription made when the link was, before the recorded clicks happened."""
    service = module.container.webhooks
    hook: Webhook = replace(service.create(owner, RECEIVER, ["LinkClicked"]), created_at=MADE)
    service.webhooks.revoke(owner, hook.webhook_id)
    service.webhooks.add(hook)
    return hook


def every_record(event: dict[str, Any]) -> list[dict[str, str]]:
    return [{"itemIdentifier": record["messageId"]} for record in event["Records"]]


def test_a_bus_click_is_delivered_signed_to_the_links_owner(
    events_lambda: Any, transport: ScriptedTransport
) -> None:
    hook = subscribed(events_lambda)
    assert events_lambda.handler(clicked(), FakeLambdaContext()) == {"batchItemFailures": []}
    assert len(transport.posts) == 4
    message_ids = []
    for url, address, headers, body in transport.posts:
        assert (url, str(address)) == (RECEIVER, "93.184.215.14")
        payload = Verifier(hook.secret).verify(body, headers)
        assert (payload["type"], payload["data"]["short_id"]) == ("LinkClicked", SHORT_ID)
        message_ids.append(headers["webhook-id"])
    # The redelivered record goes again under the same id, which receivers drop.
    assert len(set(message_ids)) == 3
    deliveries = events_lambda.container.webhooks.deliveries(OWNER, hook.webhook_id)
    assert [(d.ok, d.status_code) for d in deliveries] == [(True, 200)] * 4


def test_a_failed_delivery_is_reported_so_sqs_delivers_the_record_again(
    events_lambda: Any, transport: ScriptedTransport
) -> None:
    subscribed(events_lambda)
    transport.status = 502
    event = clicked()
    response = events_lambda.handler(event, FakeLambdaContext())
    assert response == {"batchItemFailures": every_record(event)}


def test_on_aws_a_name_turned_private_is_refused_at_delivery(
    events_lambda: Any, transport: ScriptedTransport
) -> None:
    hook = subscribed(events_lambda)
    transport.names["hooks.example.com"] = ["10.0.0.9"]
    event = clicked()
    response = events_lambda.handler(event, FakeLambdaContext())
    assert response == {"batchItemFailures": every_record(event)}
    assert transport.posts == []
    deliveries = events_lambda.container.webhooks.deliveries(OWNER, hook.webhook_id)
    assert all("10.0.0.9" in (d.error or "") for d in deliveries)


def test_another_owners_click_sends_nothing(
    events_lambda: Any, transport: ScriptedTransport
) -> None:
    subscribed(events_lambda, "someone-else")
    assert events_lambda.handler(clicked(), FakeLambdaContext()) == {"batchItemFailures": []}
    assert transport.posts == []


def test_a_click_from_before_the_subscription_is_not_sent_to_it(
    events_lambda: Any, transport: ScriptedTransport
) -> None:
    """The recorded clicks are of 2026-11-20; a subscription made now never hears of them,
    however late SQS or a DLQ redrive hands them in."""
    hook = events_lambda.container.webhooks.create(OWNER, RECEIVER, ["LinkClicked"])
    assert events_lambda.handler(clicked(), FakeLambdaContext()) == {"batchItemFailures": []}
    assert transport.posts == []
    assert events_lambda.container.webhooks.deliveries(OWNER, hook.webhook_id) == []


class AlmostOver(FakeLambdaContext):
    def get_remaining_time_in_millis(self) -> int:
        return 1_500


def test_an_invocation_about_to_end_sends_nothing_and_has_every_record_retried(
    events_lambda: Any, transport: ScriptedTransport
) -> None:
    subscribed(events_lambda)
    event = clicked()
    response = events_lambda.handler(event, AlmostOver())
    assert response == {"batchItemFailures": every_record(event)}
    assert transport.posts == []
