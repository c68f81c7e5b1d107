"""A viral link on DynamoDB: past its item's write limit every visitor still gets the redirect.

The link's item is throttled by tests/throttling.py (moto cannot throttle); clicks go to
counter shards, totals and folded stats stay exact, and a link with `max_visits` keeps
counting on its own item, so its limit holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest

from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.bootstrap import Container, adapters_for, bootstrap
from shortstack.domain.analytics import DailyStats
from shortstack.domain.errors import LinkGone, ServiceUnavailable
from shortstack.domain.links import LinkChanges
from shortstack.domain.visits import Visit
from tests.concurrency import race
from tests.conftest import DYNAMODB_LOCAL, TABLE_NAME, settings_for
from tests.fakes import FakeMonotonicClock
from tests.lambda_support import fresh_import
from tests.stream_esm import StreamMapping
from tests.throttling import ThrottlingDynamoDB

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0 Safari/537.36"


class Hot:
    def __init__(
        self, app: Container, client: ThrottlingDynamoDB, clock: FakeMonotonicClock, mapping: Any
    ):
        self.app = app
        self.client = client
        self.clock = clock
        self.mapping = mapping

    def link(self, alias: str, **fields: Any) -> str:
        self.app.links.create("alice", url="https://example.com/", alias=alias, **fields)
        self.client.throttled.add(f"LINK#{alias}")
        return alias

    def follow(self, short_id: str, times: int = 1) -> list[int]:
        statuses = []
        for _ in range(times):
            try:
                self.app.redirects.follow(short_id, Visit.from_headers(None, BROWSER, "DE"))
                statuses.append(302)
            except LinkGone:
                statuses.append(410)
            self.clock.now += 0.05
        return statuses

    def stats(self, short_id: str) -> DailyStats:
        self.mapping.run()
        self.mapping.close_windows()
        total = DailyStats(day=date(2020, 1, 1))
        for day in self.app.analytics.stats.days(short_id, date(2020, 1, 1), date(2040, 1, 1)):
            total.absorb(day)
        return total


@pytest.fixture(params=["dynamodb", DYNAMODB_LOCAL])
def hot(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Hot]:
    extra: dict[str, Any] = {}
    if request.param == "dynamodb":
        raw = request.getfixturevalue("moto_dynamodb")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    else:
        raw = request.getfixturevalue("dynamodb_local")
        extra["aws_endpoint_url"] = request.getfixturevalue("dynamodb_local_endpoint")
        streams = boto3.client(
            "dynamodbstreams", region_name="us-east-1", endpoint_url=extra["aws_endpoint_url"]
        )
    clock = FakeMonotonicClock()  # the repository waits on it without sleeping
    client = ThrottlingDynamoDB(raw)
    links = DynamoDBLinkRepository(client, TABLE_NAME, wait=clock.advance, clock=clock)
    links.hot._clock = clock
    settings = settings_for("dynamodb", tmp_path, **extra)
    throttled = replace(adapters_for(settings), links=links, expired_links=links)
    app = bootstrap(settings, adapters=throttled)
    for name, value in {"STORAGE": "dynamodb", "TABLE_NAME": TABLE_NAME}.items():
        monkeypatch.setenv(name, value)
    consumer = fresh_import("shortstack.entrypoints.lambda_stream")
    monkeypatch.setattr(consumer, "container", app)
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="hot-dlq")["QueueUrl"]
    mapping = StreamMapping(raw, streams, TABLE_NAME, consumer.handler, dlq, sqs)
    mapping.start_at_the_tail()
    yield Hot(app, client, clock, mapping)
    app.close()


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_a_throttled_link_redirects_every_visitor_and_counts_every_click(
    hot: Hot, code: str
) -> None:
    hot.client.code = code
    hot.client.let_through = 10  # the item takes one write in ten: it is past its limit
    viral = hot.link("viral")
    assert hot.follow(viral, 300) == [302] * 300
    assert hot.app.links.links.hot.shard_clicks > 280  # a few wait for the link's mark
    assert hot.app.links.get("alice", viral).click_count == 300
    listed = hot.app.links.list("alice").items
    assert [link.click_count for link in listed] == [300]
    stats = hot.stats(viral)
    assert (stats.clicks, stats.counts["countries"]) == (300, {"DE": 300})


def test_a_hot_link_disabled_stops_redirecting_within_a_second(hot: Hot) -> None:
    hot.client.let_through = 10
    viral = hot.link("viral")
    hot.follow(viral, 10)
    hot.client.throttled.clear()
    hot.app.links.update("alice", viral, LinkChanges(is_active=False))
    hot.client.throttled.add(f"LINK#{viral}")
    hot.clock.now += 1.0  # the rules this container remembers are read again
    assert hot.follow(viral, 3) == [410, 410, 410]


def test_a_hot_links_count_is_read_again_where_batchgetitem_left_its_shards_unprocessed(
    hot: Hot,
) -> None:
    hot.client.let_through = 10
    viral = hot.link("viral")
    hot.follow(viral, 40)
    hot.client.unprocessed_reads, hot.client.batch_gets = 3, 0
    began = hot.clock.now
    assert hot.app.links.get("alice", viral).click_count == 40
    assert hot.client.batch_gets == 4  # the shards' keys, sent again after each throttled read
    assert hot.clock.now - began == pytest.approx(0.05 + 0.1 + 0.2)  # with backoff between


def test_a_hot_links_count_that_stays_unprocessed_is_a_503_not_a_wrong_count(hot: Hot) -> None:
    hot.client.let_through = 10
    viral = hot.link("viral")
    hot.follow(viral, 40)
    hot.client.unprocessed_reads = 1_000
    with pytest.raises(ServiceUnavailable, match="unprocessed"):
        hot.app.links.get("alice", viral)


def test_a_one_time_link_stays_exact_and_pays_with_latency(hot: Hot) -> None:
    once = hot.link("once", max_visits=1)
    hot.client.let_through = 4  # the partition takes one write in four
    began = hot.clock.now
    statuses = hot.follow(once, 20)
    assert statuses.count(302) == 1
    assert statuses.count(410) == 19
    assert hot.app.links.links.hot.shard_clicks == 0
    assert hot.app.links.get("alice", once).click_count == 1
    assert hot.clock.now - began > 20 * 0.05  # it waited for its item


def test_a_limited_link_past_the_wait_answers_503_not_a_wrong_count(hot: Hot) -> None:
    """Its item refuses every write for longer than EXACT_WAIT_S."""
    limited = hot.link("limited", max_visits=10)
    with pytest.raises(ServiceUnavailable):
        hot.follow(limited)
    assert hot.app.links.get("alice", limited).click_count == 0


def test_setting_a_limit_on_a_hot_link_seals_its_shards_and_moves_their_counts(hot: Hot) -> None:
    hot.client.let_through = 10
    viral = hot.link("viral")
    hot.follow(viral, 40)
    hot.client.throttled.clear()
    hot.client.throttled.add("LINK#other")  # the PATCH goes through; the link cooled down
    changed = hot.app.links.update("alice", viral, LinkChanges(max_visits=45))
    assert changed.click_count == 40
    hot.client.throttled.add(f"LINK#{viral}")
    hot.client.let_through = 2
    hot.clock.now += 1.0  # this container reads the new rules
    statuses = hot.follow(viral, 20)
    assert statuses.count(302) == 5  # 45 in all, whatever the shards
    assert hot.app.links.get("alice", viral).click_count == 45
    assert hot.stats(viral).clicks == 45
    hot.client.throttled.clear()
    lifted = hot.app.links.update("alice", viral, LinkChanges(clear_max_visits=True))
    assert lifted.click_count == 45


def test_racing_visitors_of_a_throttled_link_are_all_counted(hot: Hot) -> None:
    viral = hot.link("viral")
    hot.client.let_through = 3

    def follow(n: int) -> int:
        return hot.follow(viral)[0]

    assert race(60, follow) == [302] * 60
    assert hot.app.links.get("alice", viral).click_count == 60
    assert hot.stats(viral).clicks == 60


def test_a_deleted_hot_link_leaves_no_shards_for_the_next_link_with_its_id(hot: Hot) -> None:
    hot.client.let_through = 10
    viral = hot.link("viral")
    hot.follow(viral, 25)
    hot.client.throttled.clear()
    hot.app.links.delete("alice", viral)
    hot.app.analytics.stats.delete_link(viral)  # what LinkDeleted does on the bus
    hot.app.links.create("bob", url="https://example.org/", alias=viral)
    assert hot.app.links.get("bob", viral).click_count == 0


def test_a_hot_link_deleted_in_an_open_window_leaves_no_stats_for_the_next_link_with_its_id(
    hot: Hot,
) -> None:
    hot.client.let_through = 10
    viral = hot.link("viral")
    hot.follow(viral, 25)  # most on its counter shards
    hot.mapping.run()  # in the open window
    hot.client.throttled.clear()
    hot.app.links.delete("alice", viral)
    hot.mapping.run()
    hot.app.analytics.stats.delete_link(viral)  # what LinkDeleted does on the bus
    hot.app.links.create("bob", url="https://example.org/", alias=viral)
    assert hot.stats(viral).clicks == 0  # the window closes
    [alice] = hot.app.analytics.stats.owner_days("alice", date(2020, 1, 1), date(2040, 1, 1))
    assert alice.clicks == 25


def test_a_burst_that_ends_before_the_mark_would_land_leaves_no_click_unread(hot: Hot) -> None:
    viral = hot.link("viral")
    hot.client.let_through = 3  # the item, its marker included, takes one write in three
    assert hot.follow(viral, 7) == [302] * 7
    # No later click retries the mark: the shards' clicks must be read already.
    assert hot.app.links.get("alice", viral).click_count == 7
    assert hot.stats(viral).clicks == 7


def test_no_click_lands_on_a_shard_while_the_link_cannot_be_marked(hot: Hot) -> None:
    viral = hot.link("viral")  # every write to its item refused: not even the marker lands
    with pytest.raises(ServiceUnavailable):
        hot.follow(viral)
    assert hot.app.links.links.hot.shard_clicks == 0
    hot.client.throttled.clear()  # the item cools down
    assert hot.follow(viral, 2) == [302, 302]
    assert hot.app.links.get("alice", viral).click_count == 2
    assert hot.stats(viral).clicks == 2


def test_a_limit_set_while_most_shards_never_took_a_click_reads_back_exactly(hot: Hot) -> None:
    hot.client.let_through = 10
    viral = hot.link("viral")
    hot.follow(viral, 3)  # at most three of its ten shards exist; sealing creates the rest
    hot.client.throttled.clear()
    changed = hot.app.links.update("alice", viral, LinkChanges(max_visits=45))
    assert changed.click_count == 3
    assert [link.click_count for link in hot.app.links.list("alice").items] == [3]
