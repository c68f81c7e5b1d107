"""Timeouts that must cover other timeouts, in SAM and Terraform alike.

- The redirect function's timeout covers the SDK's worst case for every AWS call one
  redirect makes (counted by running the real handler on moto), so a slow dependency
  fails the call, with its retries, before Lambda kills the invocation mid-answer. A
  hot link's extra calls (hot_links.py) follow a throttle, which DynamoDB answers at
  once; a limited link waits at most EXACT_WAIT_S for its item, and the timeout covers
  that wait plus one call's worst case.
- The events queue hides a received batch for at least 6x the consumer's timeout plus
  its batching window (AWS's advice for Lambda consumers), and redrives only after 5
  receives, so a batch still running is never handed to a second consumer and throttled
  polls do not dead-letter valid events.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.adapters.aws import ORPHAN_VISIT_BUDGET, REDIRECT_BUDGET, RetryBudget
from shortstack.adapters.dynamodb.hot_links import EXACT_WAIT_S
from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.domain.links import create_link
from tests.conftest import TABLE_NAME
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event
from tests.unit.test_aws_clients import clients_in

from .sam_offline import source_template
from .test_terraform import TERRAFORM

SAM = source_template()["Resources"]
TERRAFORM_MAIN = "".join(p.read_text() for p in sorted(TERRAFORM.glob("*.tf")))


def terraform_function_spec(name: str) -> dict[str, int]:
    line = re.search(rf"^\s*{name}\s*=\s*\{{(.*)\}}$", TERRAFORM_MAIN, re.MULTILINE)
    assert line, name
    return {k: int(v) for k, v in re.findall(r"(memory|timeout)\s*=\s*(\d+)", line.group(1))}


def terraform_number(resource: str, attribute: str) -> int:
    block = TERRAFORM_MAIN[TERRAFORM_MAIN.index(resource) :]
    found = re.search(rf"\b{attribute}\s*=\s*(\d+)", block)
    assert found, (resource, attribute)
    return int(found.group(1))


@pytest.fixture
def worst_redirect_s(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> float:
    """The longest the AWS calls of one GET or HEAD of the redirect handler may take, each at
    its client's worst case (an unknown id's orphan visit has a client and budget of its own)."""
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("STAGE", "aws")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    module = fresh_import("shortstack.entrypoints.lambda_redirect")
    now = datetime.now(UTC)
    link = create_link(
        short_id="budget",
        owner="someone",
        url="https://example.com/a",
        now=now,
        expires_at=now + timedelta(days=1),
    )
    DynamoDBLinkRepository(moto_dynamodb, TABLE_NAME).add(link)
    budgets = {budget.read_timeout_s: budget for budget in (REDIRECT_BUDGET, ORPHAN_VISIT_BUDGET)}
    counted: list[RetryBudget] = []
    for clients in clients_in(module.redirects).values():
        for client in clients:
            budget = budgets[client.meta.config.read_timeout]
            client.meta.events.register(
                "before-call", lambda budget=budget, **_: counted.append(budget)
            )
    worst = 0.0
    for fixture, short_id, most_calls in (
        # A GET counts the click with one conditional write, and publishes nothing.
        ("apigw_v2_redirect_get.json", "budget", {REDIRECT_BUDGET: 1}),
        ("apigw_v2_redirect_head.json", "budget", {REDIRECT_BUDGET: 1}),
        # An unknown id's first orphan visit of the day: the claim of a place, the counter.
        ("apigw_v2_redirect_get.json", "missing", {REDIRECT_BUDGET: 1, ORPHAN_VISIT_BUDGET: 3}),
        ("apigw_v2_redirect_get.json", "missing", {REDIRECT_BUDGET: 1, ORPHAN_VISIT_BUDGET: 1}),
    ):
        counted.clear()
        response = module.handler(load_event(fixture, id=short_id), FakeLambdaContext())
        assert response["statusCode"] in (302, 404), response
        assert {b: counted.count(b) for b in set(counted)} == most_calls, short_id
        worst = max(worst, sum(budget.worst_case_s() for budget in counted))
    return worst


def test_the_redirect_timeout_covers_the_sdk_retry_budget_of_its_calls(
    worst_redirect_s: float,
) -> None:
    sam_timeout = SAM["RedirectFunction"]["Properties"]["Timeout"]
    assert sam_timeout >= worst_redirect_s, (sam_timeout, worst_redirect_s)
    assert sam_timeout >= EXACT_WAIT_S + REDIRECT_BUDGET.worst_case_s()
    assert terraform_function_spec("redirect_function")["timeout"] == sam_timeout
    # API Gateway gives up on an integration after 30 s whatever the function does.
    assert sam_timeout < 30


def test_the_events_queue_outlasts_six_consumer_timeouts_and_redrives_after_five_receives() -> None:
    consumer_timeout = SAM["EventsFunction"]["Properties"]["Timeout"]
    mapping = SAM["EventsQueueMapping"]["Properties"]
    window = mapping["MaximumBatchingWindowInSeconds"]
    queue = SAM["EventsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * consumer_timeout + window
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 5

    tf_timeout = terraform_function_spec("events_function")["timeout"]
    tf_window = terraform_number(
        'resource "aws_lambda_event_source_mapping" "events_queue"',
        "maximum_batching_window_in_seconds",
    )
    tf_visibility = terraform_number(
        'resource "aws_sqs_queue" "events_queue"', "visibility_timeout_seconds"
    )
    assert tf_visibility >= 6 * tf_timeout + tf_window
    assert terraform_number('resource "aws_sqs_queue" "events_queue"', "maxReceiveCount") >= 5
    assert (tf_timeout, tf_window, tf_visibility) == (
        consumer_timeout,
        window,
        queue["VisibilityTimeout"],
    )
