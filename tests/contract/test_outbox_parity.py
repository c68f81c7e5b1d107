"""One behaviour on both runtimes: the same use cases announce the same events and stats.

Locally the events are the SQLite outbox's rows (every click's too, CLICK_EVENTS_ON_BUS)
and each click is folded in its own transaction;
on DynamoDB (moto and the official DynamoDB Local engine) they are derived from the
table's stream, which the stream consumer Lambda relays through tests/stream_esm.py.
Either way the announced events, in order, and the folded stats must be equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.analytics import DailyStats
from shortstack.domain.events import Event
from shortstack.domain.items import ItemChanges
from shortstack.domain.link_options import rule_from
from shortstack.domain.link_routing import Variant
from shortstack.domain.links import LinkChanges
from shortstack.domain.visits import Visit
from tests.conftest import DYNAMODB_LOCAL, TABLE_NAME, dispatcher_for, settings_for
from tests.fakes import FakeClock
from tests.lambda_support import fresh_import
from tests.stream_esm import StreamMapping, StreamTail

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
VISITS = [
    Visit.from_headers("https://news.ycombinator.com/item?id=1", "Mozilla/5.0 Chrome/131", "DE"),
    Visit.from_headers(None, "Mozilla/5.0 (iPhone) Mobile Safari/604.1", "FR", "2001:db8::9"),
    Visit.from_headers("https://t.co/x", "Googlebot/2.1 (+http://www.google.com/bot.html)", None),
]


def stepping() -> FakeClock:
    """One second later at every reading: the same times on every runtime."""
    return FakeClock(START, step=timedelta(seconds=1))


class Runtime:
    def __init__(self, container: Container, mapping: StreamMapping | None, tail: Any) -> None:
        self.container = container
        self.mapping = mapping
        self.tail = tail
        self.queued: list[Event] = []
        if tail is None:  # the dispatcher deletes queue rows it handled: note them as queued
            queue = container.event_queue
            assert queue is not None
            enqueue = queue.enqueue

            def noting(conn: Any, events: Any) -> None:
                enqueue(conn, events)
                self.queued.extend(events)

            queue.enqueue = noting  # type: ignore[method-assign]
            self.dispatcher = dispatcher_for(container)

    def events(self) -> list[Event]:
        """Every event announced so far, in order."""
        if self.tail is None:
            return list(self.queued)
        found: list[Event] = self.tail.events()
        return found

    def fold(self) -> None:
        """Fold the announced clicks into the stats, as the runtime does."""
        if self.mapping is None:
            self.dispatcher.drain()
        else:
            self.mapping.run()
            self.mapping.close_windows()

    def stats(self, short_id: str) -> DailyStats:
        total = DailyStats(day=START.date())
        for day in self.container.analytics.stats.days(
            short_id, date(2026, 1, 1), date(2027, 1, 1)
        ):
            total.absorb(day)
        return total


@pytest.fixture(params=["sqlite", "dynamodb", DYNAMODB_LOCAL])
def runtime(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    storage: str = request.param
    extra: dict[str, Any] = {"visitor_hash_salt": "parity"}
    if storage == "sqlite":
        # Every click announced: the queue then holds what the table's stream holds on AWS
        # (the click folded in its transaction, its event marked folded for the dispatcher).
        extra["click_events_on_bus"] = True
        container = bootstrap(settings_for("sqlite", tmp_path, **extra), clock=stepping())
        yield Runtime(container, None, None)
        container.close()
        return
    if storage == "dynamodb":
        client = request.getfixturevalue("moto_dynamodb")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    else:
        client = request.getfixturevalue("dynamodb_local")
        endpoint = request.getfixturevalue("dynamodb_local_endpoint")
        extra["aws_endpoint_url"] = endpoint
        streams = boto3.client("dynamodbstreams", region_name="us-east-1", endpoint_url=endpoint)
    container = bootstrap(settings_for("dynamodb", tmp_path, **extra), clock=stepping())
    for name, value in {"STORAGE": "dynamodb", "TABLE_NAME": TABLE_NAME}.items():
        monkeypatch.setenv(name, value)
    consumer = fresh_import("shortstack.entrypoints.lambda_stream")
    monkeypatch.setattr(consumer, "container", container)  # the same wiring as the services
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="parity-dlq")["QueueUrl"]
    mapping = StreamMapping(client, streams, TABLE_NAME, consumer.handler, dlq, sqs, batch_size=4)
    mapping.start_at_the_tail()
    yield Runtime(container, mapping, StreamTail(client, TABLE_NAME, streams))
    container.close()


def comparable(event: Event, names: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """An event without what differs by nature between runs: random ids become names."""
    detail = dict(event.detail)
    for key in ("item_id", "import_id"):
        if key in detail:
            detail[key] = names.setdefault(str(detail[key]), f"{key}-{len(names)}")
    return event.detail_type, detail


def test_the_same_use_cases_announce_the_same_events_and_fold_the_same_stats(
    runtime: Runtime,
) -> None:
    app = runtime.container
    item = app.items.create("alice", name="Lamp", description=None, price=Decimal(9), category="x")
    app.items.update("alice", item.item_id, ItemChanges(price=Decimal(8)))
    app.items.delete("alice", item.item_id)
    app.users.register(user_id="ann", name="Ann", email="ann@example.com")
    app.users.delete("ann")
    link = app.links.create("alice", url="https://example.com/a", alias="parity", title="A")
    for n in range(12):
        app.redirects.follow(link.short_id, VISITS[n % len(VISITS)])
    app.links.update("alice", link.short_id, LinkChanges(title="B", tags=("x",)))
    app.imports.submit("alice", b"url,alias\nhttps://example.com/b,imported\nnot a url,\n")
    runtime.fold()

    stats = runtime.stats("parity")
    # Googlebot's four visits were redirected but are counted apart (decision 0106).
    assert (stats.clicks, stats.bots) == (8, 4)
    assert stats.counts["referrers"] == {"news.ycombinator.com": 4, "(direct)": 4}
    assert stats.counts["countries"] == {"DE": 4, "FR": 4}
    assert stats.counts["bots"] == {"Googlebot": 4}
    assert app.links.get("alice", "parity").click_count == 8

    app.links.delete("alice", link.short_id)
    names: dict[str, str] = {}
    announced = [comparable(event, names) for event in runtime.events()]
    clicked = [detail for kind, detail in announced if kind == "LinkClicked"]
    crawled = [detail for kind, detail in announced if kind == "LinkVisitedByBot"]
    assert len(crawled) == 4
    assert crawled[0] == {
        "short_id": "parity",
        "occurred_at": crawled[0]["occurred_at"],
        "user_agent": "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "country": None,
        "bot": "crawler",
    }
    assert [kind for kind, _ in announced if kind not in ("LinkClicked", "LinkVisitedByBot")] == [
        "ItemCreated",
        "ItemUpdated",
        "ItemDeleted",
        "UserCreated",
        "UserDeleted",
        "LinkCreated",
        "LinkUpdated",
        "ImportRequested",
        "LinkCreated",
        "ImportFinished",
        "LinkDeleted",
    ]
    assert len(clicked) == 8
    assert clicked[1]["visitor"] is not None  # the one visit with an address
    assert clicked[0] == {
        "short_id": "parity",
        "occurred_at": clicked[0]["occurred_at"],
        "referrer": "https://news.ycombinator.com",
        "user_agent": "Mozilla/5.0 Chrome/131",
        "country": "DE",
        "visitor": None,
        "rule": None,
        "variant": None,
    }
    expected_details = EXPECTED_DETAILS
    others = [d for kind, d in announced if kind not in ("LinkClicked", "LinkVisitedByBot")]
    assert others == expected_details


IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148 Safari/604.1"


def test_rules_and_variants_are_attributed_alike_on_both_runtimes(runtime: Runtime) -> None:
    """The redirect decides after its write; the stream consumer finds the same rule/variant."""
    app = runtime.container
    spins = iter(range(0, 1_000_000, 37_000))
    app.redirects.spin = lambda: next(spins)
    link = app.links.create(
        "alice",
        url="https://example.com/",
        alias="routed",
        rules=[
            rule_from("https://ios.example/", device="ios"),
            rule_from("https://de.example/", language="de"),
        ],
        variants=[Variant("https://a.example/", 1), Variant("https://b.example/", 3)],
    )
    visits = [
        Visit.from_headers(None, IPHONE, None),
        Visit.from_headers(None, "Mozilla/5.0 Chrome/131", None, accept_language="de-AT,de"),
        Visit.from_headers(None, "Mozilla/5.0 Chrome/131", None, query="utm=1"),
    ]
    places = [app.redirects.follow(link.short_id, visits[n % 3]).location for n in range(24)]  # type: ignore[union-attr]
    runtime.fold()
    clicked = [e.detail for e in runtime.events() if e.detail_type == "LinkClicked"]
    assert [(d["rule"], d["variant"]) for d in clicked][:3] == [(0, None), (1, None), (None, 0)]
    chosen = [
        ["https://ios.example/", "https://de.example/"][d["rule"]]
        if d["rule"] is not None
        else ["https://a.example/", "https://b.example/"][d["variant"]]
        for d in clicked
    ]
    assert chosen == places
    stats = runtime.stats("routed")
    assert stats.counts["rules"] == {"0": 8, "1": 8}
    assert sum(stats.counts["variants"].values()) == 8
    assert sum(stats.counts["rules"].values()) + 8 == stats.clicks == 24


EXPECTED_DETAILS: list[dict[str, Any]] = [
    {"item_id": "item_id-0", "owner": "alice", "category": "x"},
    {"item_id": "item_id-0", "owner": "alice", "fields": ["price"]},
    {"item_id": "item_id-0", "owner": "alice"},
    {"user_id": "ann"},
    {"user_id": "ann"},
    {
        "short_id": "parity",
        "owner": "alice",
        "url": "https://example.com/a",
        "expires_at": "2026-03-31T09:00:06.000Z",
        "title": "A",
        "tags": [],
    },
    {
        "short_id": "parity",
        "owner": "alice",
        "fields": ["title", "tags"],
        "changes": {"title": "B", "tags": ["x"]},
    },
    {"import_id": "import_id-1", "owner": "alice", "filename": None},
    {
        "short_id": "imported",
        "owner": "alice",
        "url": "https://example.com/b",
        "expires_at": "2026-03-31T09:00:20.000Z",
        "title": None,
        "tags": [],
    },
    {
        "import_id": "import_id-1",
        "owner": "alice",
        "status": "partially_succeeded",
        "total": 2,
        "valid": 1,
        "invalid": 1,
        "loaded": 1,
        "failed": 0,
    },
    {"short_id": "parity", "owner": "alice"},
]


def test_an_upload_is_requested_when_its_file_lands_and_finished_when_it_never_comes(
    runtime: Runtime,
) -> None:
    """A job made for an upload URL announces nothing until its file lands (or never does)."""
    app = runtime.container
    clock = app.imports.clock
    assert isinstance(clock, FakeClock)
    landed, _ = app.uploads.request("alice", "landed.csv")
    never, _ = app.uploads.request("alice", "never.csv")
    assert runtime.events() == []
    app.uploads.receive(landed, b"url,alias\nhttps://example.com/u,uploaded\n")
    clock.advance(days=1)  # well past the URL's expiry: asking for the status ends the wait
    job, _ = app.imports.status("alice", never.import_id, limit=10, cursor=None)
    assert job.status == "failed"

    names: dict[str, str] = {}
    announced = [comparable(event, names) for event in runtime.events()]
    outline = [(kind, detail.get("import_id"), detail.get("status")) for kind, detail in announced]
    assert outline == [
        ("ImportRequested", "import_id-0", None),
        ("LinkCreated", None, None),
        ("ImportFinished", "import_id-0", "succeeded"),
        ("ImportFinished", "import_id-1", "failed"),
    ]
    assert announced[0][1]["filename"] == "landed.csv"


def test_the_overview_equals_the_sum_of_the_links_stats_on_both_runtimes(
    runtime: Runtime,
) -> None:
    """Per-owner roll-ups come from the same fold as each link's days, on every runtime."""
    app = runtime.container
    links = [
        app.links.create("alice", url=f"https://example.com/{n}", alias=f"over{n}")
        for n in range(3)
    ]
    other = app.links.create("bob", url="https://example.com/bob", alias="bobs1")
    addresses = ["198.51.100.1", "198.51.100.2", "2001:db8::5"]
    for n in range(12):
        visit = Visit.from_headers(
            "https://t.co/x" if n % 2 else None,
            "Mozilla/5.0 (iPhone) Mobile Safari/604.1" if n % 3 else "Mozilla/5.0 Chrome/131",
            "DE" if n % 4 else "FR",
            addresses[n % 3],
        )
        app.redirects.follow(links[n % 3 if n < 9 else 0].short_id, visit)
    app.redirects.follow(other.short_id, VISITS[1])
    app.redirects.follow(links[1].short_id, VISITS[2])  # a crawler: a bot, never a click
    runtime.fold()

    overview = app.analytics.overview("alice", START.date(), START.date()).report
    per_link = [runtime.stats(link.short_id) for link in links]
    assert overview.totals.clicks == sum(s.clicks for s in per_link) == 12
    assert overview.totals.bots == sum(s.bots for s in per_link) == 1
    for dimension in ("referrers", "browsers", "devices", "countries"):
        summed: dict[str, int] = {}
        for stats in per_link:
            for value, count in stats.counts[dimension].items():
                summed[value] = summed.get(value, 0) + count
        assert overview.totals.counts[dimension] == summed, dimension
    assert overview.top("links") == [("over0", 6), ("over1", 3), ("over2", 3)]
    # Three addresses with two User-Agents: each (address, agent) pair once across links.
    pairs = {(addresses[n % 3], bool(n % 3)) for n in range(12)}
    assert overview.totals.unique_visitors == len(pairs)
    assert overview.totals.unique_visitors <= sum(s.unique_visitors for s in per_link)
    bobs = app.analytics.overview("bob", START.date(), START.date()).report
    assert (bobs.totals.clicks, bobs.top("links")) == (1, [("bobs1", 1)])
