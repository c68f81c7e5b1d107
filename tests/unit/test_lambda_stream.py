"""The stream consumer Lambda on moto: the table's stream in, exact stats and bus events out.

The records are the table's own (the API and redirect Lambdas write them), delivered
by tests/stream_esm.py as the event source mapping delivers them: in batches, with a
tumbling window's state, retries, bisection, duplicates, and a dead-letter queue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import boto3
import pytest

from shortstack.domain.analytics import DailyStats
from shortstack.service_layer.analytics import AnalyticsService
from tests.conftest import TABLE_NAME
from tests.event_tap import BusTap
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event, response_json
from tests.stream_esm import StreamMapping

DAYS = (date(2020, 1, 1), date(2040, 1, 1))


class Deployment:
    """The API, redirect and stream Lambdas as deployed, sharing one moto account."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.dlq = self.sqs.create_queue(QueueName="shortstack-events-dlq")["QueueUrl"]
        for name, value in {
            "STORAGE": "dynamodb",
            "STAGE": "aws",
            "TABLE_NAME": TABLE_NAME,
            "PUBLIC_BASE_URL": "https://sho.rt",
            "EVENTS_DLQ_URL": self.dlq,
            "VISITOR_HASH_SALT": "test-salt",
            **settings,
        }.items():
            monkeypatch.setenv(name, value)
        self.tap = BusTap()
        self.api = fresh_import("shortstack.entrypoints.lambda_api")
        self.redirect = fresh_import("shortstack.entrypoints.lambda_redirect")
        self.stream = fresh_import("shortstack.entrypoints.lambda_stream")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        self.mapping = StreamMapping(
            dynamodb, streams, TABLE_NAME, self.stream.handler, self.dlq, self.sqs, batch_size=7
        )

    def shorten(self) -> str:
        created = self.api.handler(load_event("apigw_v2_shorten.json"), FakeLambdaContext())
        assert created["statusCode"] == 201, created
        short_id: str = response_json(created)["short_id"]
        return short_id

    def follow(self, short_id: str, times: int = 1, **headers: str) -> None:
        event = load_event("apigw_v2_redirect_get.json", id=short_id)
        event["headers"].update(headers)
        for _ in range(times):
            assert self.redirect.handler(event, None)["statusCode"] == 302

    def click_count(self, short_id: str) -> int:
        got = self.api.handler(load_event("apigw_v2_links_get.json", id=short_id), None)
        count: int = response_json(got)["click_count"]
        return count

    def stats(self, short_id: str) -> DailyStats:
        total = DailyStats(day=DAYS[0])
        for day in self.stream.container.analytics.stats.days(short_id, *DAYS):
            total.absorb(day)
        return total

    def deliver(self) -> None:
        """Everything written so far, then the end of the window."""
        self.mapping.run()
        self.mapping.close_windows()

    def bus_ids(self, detail_type: str) -> set[str]:
        return {event.id for event in self.tap.events(detail_type)}

    def close(self) -> None:
        self.api.app.state.container.close()


@pytest.fixture
def deployment(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    built = Deployment(monkeypatch)
    yield built
    built.close()


def test_n_redirects_delivered_twice_fold_into_exactly_n_clicks(deployment: Deployment) -> None:
    deployment.mapping.deliver_twice = True
    first, second = deployment.shorten(), deployment.shorten()
    deployment.follow(first, 45)
    deployment.follow(
        second, 4, **{"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}
    )
    deployment.deliver()
    # Googlebot is redirected but counted apart: bots, never clicks (decision 0106).
    assert (deployment.stats(first).clicks, deployment.stats(second).clicks) == (45, 0)
    assert deployment.stats(second).bots == 4
    deployment.follow(first, 5)
    deployment.deliver()
    deployment.mapping.close_windows()  # an empty window adds nothing
    assert deployment.stats(first).clicks == deployment.click_count(first) == 50
    assert deployment.stats(first).counts["countries"] == {"FR": 50}


def test_other_events_reach_the_bus_once_per_id_and_clicks_stay_off_it(
    deployment: Deployment,
) -> None:
    deployment.mapping.deliver_twice = True
    short_id = deployment.shorten()
    deployment.follow(short_id, 3)
    deployment.deliver()
    created = deployment.tap.events("LinkCreated")
    assert len(created) == 2  # the batch was delivered twice
    assert {event.detail["short_id"] for event in created} == {short_id}
    assert len(deployment.bus_ids("LinkCreated")) == 1  # with one id, which consumers dedupe
    assert deployment.tap.events("LinkClicked") == []


def test_linkclicked_reaches_the_bus_when_the_setting_asks(
    moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = Deployment(monkeypatch, CLICK_EVENTS_ON_BUS="true")
    short_id = deployment.shorten()
    deployment.follow(short_id, 12)
    deployment.deliver()
    clicked = deployment.tap.events("LinkClicked")
    assert len({event.id for event in clicked}) == 12
    assert {event.detail["short_id"] for event in clicked} == {short_id}
    assert deployment.stats(short_id).clicks == 12
    deployment.close()


def test_a_batch_that_fails_halfway_is_redelivered_and_stats_equal_the_counts(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = [deployment.shorten() for _ in range(3)]
    for short_id in links:
        deployment.follow(short_id, 6)
    publisher = deployment.stream.container.relay.publisher
    real_publish = publisher.publish
    failures = iter([True, False, True])

    def flaky(events: Any) -> None:
        if next(failures, False):
            raise ConnectionError("EventBridge throttled")
        real_publish(events)

    monkeypatch.setattr(publisher, "publish", flaky)
    deployment.mapping.run()
    window = deployment.stream.container.relay.fold
    calls: list[int] = []
    real_add = window.add_window

    def crash_once(source: str, start: str, days: Any, owner_days: Any) -> None:
        real_add(source, start, dict(list(days.items())[:1]), {})  # part of the window lands
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError("the final call died half-way")
        real_add(source, start, days, owner_days)

    monkeypatch.setattr(window, "add_window", crash_once)
    with pytest.raises(TimeoutError):
        deployment.mapping.close_windows()
    deployment.mapping.windows -= 1  # Lambda retries the same final call
    deployment.mapping.close_windows()
    for short_id in links:
        assert deployment.stats(short_id).clicks == deployment.click_count(short_id) == 6
    assert len(deployment.bus_ids("LinkCreated")) == 3


def _refuse_poison(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """A consumer bug that fails the poison/1 click until `deployed` is set False, with two
    retries: its batch goes to the dead-letter queue."""
    read = AnalyticsService.click_facts
    bug = {"deployed": True}

    def refuses_poison(self: AnalyticsService, event: Any) -> Any:
        if bug["deployed"] and event.detail.get("user_agent") == "poison/1":
            raise ValueError("a consumer bug meets this record")
        return read(self, event)

    # The class for containers built from now on (the CLI's), the bound method for this one.
    monkeypatch.setattr(AnalyticsService, "click_facts", refuses_poison)
    relay = deployment.stream.container.relay
    monkeypatch.setattr(relay, "facts_of", deployment.stream.container.analytics.click_facts)
    deployment.mapping.max_retries = 2
    return bug


def test_a_poison_record_is_dead_lettered_then_replayed_exactly(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from shortstack.entrypoints.cli import main

    short_id = deployment.shorten()
    deployment.follow(short_id, 5)
    deployment.follow(short_id, 1, **{"user-agent": "poison/1"})
    deployment.follow(short_id, 5)
    bug = _refuse_poison(deployment, monkeypatch)
    deployment.deliver()
    assert deployment.click_count(short_id) == 11
    folded = deployment.stats(short_id).clicks
    assert folded < 11  # the poison click, and any others in its dead-lettered batch

    assert main(["dlq", "list", "--json"]) == 0
    [letter] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert letter["id"].startswith("batch-")
    assert letter["batch"]["first"] <= letter["batch"]["last"]
    assert "RetryAttemptsExhausted" in letter["last_error"]

    assert main(["dlq", "replay", "--all"]) == 0  # the bug is still there: the letter stays
    assert "replayed 0" in capsys.readouterr().out
    bug["deployed"] = False  # the fix is deployed
    assert main(["dlq", "replay", letter["id"]]) == 0
    assert "replayed 1" in capsys.readouterr().out
    assert deployment.stats(short_id).clicks == 11
    assert main(["dlq", "replay", "--all"]) == 0  # nothing left, nothing counted twice
    assert deployment.stats(short_id).clicks == 11


def test_real_stream_records_from_dynamodb_local_become_bus_events_and_stats(
    deployment: Deployment,
) -> None:
    captured = load_event("ddb_stream_link_lifecycle.json")
    window = {"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T10:05:00Z"}
    event = {**captured, "window": window, "state": {}, "shardId": "shardId-0001"}
    event["isFinalInvokeForWindow"] = False
    response = deployment.stream.handler(event, FakeLambdaContext())
    assert response["batchItemFailures"] == []
    final = {"Records": [], "window": window, "state": response["state"], "shardId": "shardId-0001"}
    assert deployment.stream.handler({**final, "isFinalInvokeForWindow": True}, None) == {
        "batchItemFailures": [],
        "state": {},
    }
    assert [e.detail_type for e in deployment.tap.events()] == [
        "LinkCreated",
        "LinkUpdated",
        "LinkDeleted",
    ]
    # The link was deleted in the window: its clicks count for its owner's day only.
    assert deployment.stats("launch").clicks == 0
    owner = deployment.tap.events("LinkCreated")[0].detail["owner"]
    [day] = deployment.stream.container.analytics.stats.owner_days(owner, *DAYS)
    assert (day.clicks, day.bots) == (2, 1)
    assert day.counts["referrers"] == {"news.ycombinator.com": 1, "(direct)": 1}
    assert day.counts["links"] == {"launch": 2}


def test_the_close_takes_each_links_owner_from_its_click_records(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner's roll-up is fed from the clicks' own records: no look-up per clicked link."""
    links = [deployment.shorten() for _ in range(3)]
    for n, short_id in enumerate(links):
        deployment.follow(short_id, n + 2)
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE_NAME, Key={"PK": {"S": f"LINK#{links[0]}"}, "SK": {"S": "LINK"}}
    )["Item"]
    owner = item["owner"]["S"]
    relay = deployment.stream.container.relay
    looked_up: list[set[str]] = []

    def owners_of(short_ids: Any) -> dict[str, str]:
        looked_up.append(set(short_ids))
        return {}

    monkeypatch.setattr(relay, "owners_of", owners_of)
    deployment.deliver()
    assert looked_up == []
    [today] = relay.stats.owner_days(owner, *DAYS)
    assert today.clicks == 2 + 3 + 4
    assert today.counts["links"] == {links[0]: 2, links[1]: 3, links[2]: 4}


def test_later_windows_merge_without_reading_and_stats_equal_the_counts(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the Lambda, window after window: only the first window reads the link's and
    its owner's day; every later one merges into what the consumer wrote, exactly."""
    short_id = deployment.shorten()
    fold = deployment.stream.container.relay.fold
    client = fold._client
    reads: list[str] = []

    class Spy:
        def __getattr__(self, name: str) -> Any:
            if name == "get_item":
                reads.append(name)
            return getattr(client, name)

    monkeypatch.setattr(fold, "_client", Spy())
    for n in range(4):
        address = {"cloudfront-viewer-address": f"203.0.113.{n}:443"}
        deployment.follow(short_id, 3, **address)  # a new visitor each window
        deployment.deliver()
    assert len(reads) == 2  # the link's day and its owner's, at the first window
    stats = deployment.stats(short_id)
    assert stats.clicks == deployment.click_count(short_id) == 12
    assert stats.unique_visitors == 4


def test_the_fold_knows_the_mappings_window_length() -> None:
    """add_window trusts what it wrote only at the window right after: its length is the
    event source mapping's, in both templates."""
    from pathlib import Path

    from shortstack.adapters.dynamodb.stats import WINDOW_S

    infra = Path(__file__).resolve().parents[2] / "infra"
    sam = re.findall(r"TumblingWindowInSeconds: (\d+)", (infra / "sam/template.yaml").read_text())
    terraform = re.findall(
        r"tumbling_window_in_seconds\s*=\s*(\d+)", (infra / "terraform/functions.tf").read_text()
    )
    assert [int(n) for n in sam + terraform] == [WINDOW_S, WINDOW_S]


def _delete(deployment: Deployment, short_id: str) -> None:
    """The API's delete, its REMOVE relayed, and what the events Lambda does on LinkDeleted."""
    deleted = deployment.api.handler(load_event("apigw_v2_links_delete.json", id=short_id), None)
    assert deleted["statusCode"] == 204, deleted
    deployment.mapping.run()
    for event in deployment.tap.events("LinkDeleted"):
        deployment.stream.container.analytics.forget_link(event)


def _partition(short_id: str) -> list[str]:
    items = boto3.client("dynamodb", region_name="us-east-1").query(
        TableName=TABLE_NAME,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"LINK#{short_id}"}},
    )["Items"]
    return sorted(item["SK"]["S"] for item in items)


def test_a_link_deleted_while_its_clicks_are_in_an_open_window_leaves_no_day_items(
    deployment: Deployment,
) -> None:
    """The window closes after forget_link dropped the link's stats: it must not write them
    back. The owner's day keeps the clicks, as decision 0110 says."""
    short_id = deployment.shorten()
    deployment.follow(short_id, 2)
    deployment.deliver()  # an earlier window: a day item, which forget_link deletes
    deployment.follow(short_id, 5)
    deployment.mapping.run()  # the clicks are in the open window
    owner = deployment.tap.events("LinkCreated")[0].detail["owner"]
    _delete(deployment, short_id)
    assert _partition(short_id) == []
    deployment.mapping.close_windows()
    assert _partition(short_id) == []
    [today] = deployment.stream.container.analytics.stats.owner_days(owner, *DAYS)
    assert today.clicks == 7
    assert today.counts["links"] == {short_id: 7}


def _create_sale(deployment: Deployment) -> str:
    """The caller's link under the alias `sale`."""
    event = load_event("apigw_v2_links_create.json")
    event["body"] = json.dumps({"url": "https://shop.example.com/sale", "alias": "sale"})
    event["headers"]["content-length"] = str(len(event["body"]))
    made = deployment.api.handler(event, None)
    assert made["statusCode"] == 201, made
    short_id: str = response_json(made)["short_id"]
    return short_id


def test_an_alias_made_again_in_the_window_of_its_deleted_link_counts_only_its_own_clicks(
    deployment: Deployment,
) -> None:
    alias = _create_sale(deployment)
    deployment.follow(alias, 3)
    deployment.mapping.run()
    _delete(deployment, alias)
    assert _create_sale(deployment) == alias
    deployment.follow(alias, 2)
    deployment.deliver()
    assert deployment.stats(alias).clicks == deployment.click_count(alias) == 2


def _dead_lettered_click(
    deployment: Deployment,
    short_id: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[[], None]:
    """A click of `short_id` that a consumer bug sends to the dead-letter queue; what
    replays it once the fix is deployed."""
    from shortstack.entrypoints.cli import main

    deployment.follow(short_id, 1, **{"user-agent": "poison/1"})
    bug = _refuse_poison(deployment, monkeypatch)
    deployment.deliver()
    assert main(["dlq", "list", "--json"]) == 0
    [letter] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    def replay() -> None:
        bug["deployed"] = False
        assert main(["dlq", "replay", letter["id"]]) == 0
        assert "replayed 1" in capsys.readouterr().out

    return replay


def test_a_deleted_links_click_replayed_from_the_dead_letter_queue_makes_no_day_item(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The replay comes after forget_link dropped the link's days: a day it wrote would be
    shown by a link made later under the alias. The click's record still names its owner,
    so the replay has to ask whether the link is there."""
    short_id = deployment.shorten()
    replay = _dead_lettered_click(deployment, short_id, monkeypatch, capsys)
    _delete(deployment, short_id)
    assert _partition(short_id) == []
    replay()
    assert _partition(short_id) == []
    owner = deployment.tap.events("LinkCreated")[0].detail["owner"]
    assert deployment.stream.container.analytics.stats.owner_days(owner, *DAYS) == []


def test_a_click_of_a_deleted_link_replayed_after_its_owner_made_the_alias_again_is_not_its(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same owner, so only the new link's creation after the click tells them apart."""
    alias = _create_sale(deployment)
    replay = _dead_lettered_click(deployment, alias, monkeypatch, capsys)
    _delete(deployment, alias)
    assert _create_sale(deployment) == alias
    deployment.follow(alias, 2)
    deployment.deliver()
    replay()
    assert deployment.stats(alias).clicks == deployment.click_count(alias) == 2
