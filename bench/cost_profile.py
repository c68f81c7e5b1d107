"""Measure what each request type does on AWS; write the profile `shortstack cost` prices.

Under moto, the Lambda entries run as deployed (STORAGE=dynamodb, the table's
stream relayed by the stream consumer through tests/stream_esm.py, the events rule
to a queue as in the SAM template), with every DynamoDB client wrapped by
bench/capacity_meter.py and every EventBridge client counted:

- api: `POST /api/v1/links` (a typical link with a title and two tags) through API
  Gateway, then the stream consumer relaying its change (LinkCreated to the bus) and
  the events Lambda receiving it from the queue;
- redirect: `GET /{short_id}` of that link through CloudFront and the function URL
  (the function-URL fixture, with CloudFront's viewer headers), averaged over 20;
  the stream consumer relays its clicks and folds them at the window's end.

The fold's cost depends on how clicks spread over links: it is one write per
(link, day) a tumbling window touches. It is measured on its own, with the metered
client, over FOLD_WINDOWS windows of clicks drawn from a Zipf distribution over
FOLD_LINKS active links at FOLD_CLICKS_PER_MONTH (the assumption, written into the
profile), so that day items grow as they would during a day.

Durations are warm invocations against a local DynamoDB stand-in
(bench/stub_dynamodb.py), each entry and its hand-written counterpart of
bench/cold_start.py alike: in each of WARM_SAMPLES fresh processes, WARM_CALLS
invocations after WARM_UP, the median of their CPU time (a container serves many;
its second invocation, which cold_start.py times, still pays for lazily built state;
CPU time leaves out the stand-in's own work and the machine's other load, which wall
time counts on top of the assumed round trip), plus an assumed in-region round trip
per AWS call; memory is each
function's MemorySize in the SAM template (the stream consumer's from decision 0105
until the template declares it). Bytes out: the reply's status line and headers as
measured, plus EDGE_HEADER_BYTES the edge adds (Via, X-Cache, ids). The classic
tutorial design (API Gateway, one strongly consistent GetItem and one write per
redirect, no events) is priced from the same link.

    python -m bench.cost_profile        # rewrites src/shortstack/data/request_profile.json
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from bench import cold_start
from bench.capacity_meter import Meter, MeteredDynamoDB, read_units
from bench.common import REPO
from bench.item_sizes import item_size, write_units

PROFILE = REPO / "src" / "shortstack" / "data" / "request_profile.json"
TEMPLATE = REPO / "infra" / "sam" / "template.yaml"
TABLE = "shortstack"
REDIRECTS = 20
# In-region latency of one AWS call from Lambda: an assumption, not a measurement (the
# stand-in answers from 127.0.0.1); it is written into the profile.
AWS_ROUND_TRIP_MS = 5.0
# What CloudFront or API Gateway adds to a reply's headers on its way out (Via, X-Cache,
# X-Amz-Cf-Pop, X-Amz-Cf-Id or apigw-requestid, Date): an estimate, the same for both.
EDGE_HEADER_BYTES = 200
# The stream consumer's event source mapping and memory (decision 0105's interface).
STREAM_BATCH = 1000
STREAM_MEMORY_MB = 512
WINDOW_WRITERS = 8  # add_window's parallel UpdateItems
WARM_SAMPLES = 3
WARM_UP = 20
WARM_CALLS = 100
# The fold's assumption: how clicks spread over links in a 15-minute tumbling window.
FOLD_CLICKS_PER_MONTH = 5_000_000
FOLD_WINDOW_S = 900
FOLD_LINKS = 1000
FOLD_ZIPF_S = 1.2
FOLD_WINDOWS = 8
# Who clicks and whose links: a day's visitors drawn from a pool (a visitor clicks about
# twice a day), the active links spread over owners (each owner's day is one more write).
FOLD_VISITORS_PER_DAY = 80_000
FOLD_OWNERS = 50
HANDLERS = {
    "api": "shortstack.entrypoints.lambda_api.handler",
    "redirect": "shortstack.entrypoints.lambda_redirect.handler",
    "stream": "shortstack.entrypoints.lambda_stream.handler",
    "events": "shortstack.entrypoints.lambda_events.handler",
}
LINK_BODY = {
    "url": "https://www.example.com/blog/2026/launch?utm_source=newsletter&utm_medium=email",
    "title": "Launch post",
    "tags": ["launch", "newsletter"],
}


class _IgnoreTags(yaml.SafeLoader):
    """Reads CloudFormation YAML, turning !Ref, !If, ... into None (only plain values matter)."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def template_settings() -> tuple[dict[str, int], int]:
    """({entry: MemorySize in MB}, the events queue mapping's BatchSize) from the SAM template."""
    template = yaml.load(TEMPLATE.read_text(), Loader=_IgnoreTags)  # noqa: S506 - SafeLoader subclass
    default = int(template["Globals"]["Function"].get("MemorySize", 128))
    memory: dict[str, int] = {}
    # The queue's mapping: a stream's mapping always names a StartingPosition.
    [batch] = [
        int(resource["Properties"]["BatchSize"])
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
        and "StartingPosition" not in resource["Properties"]
    ]
    for resource in template["Resources"].values():
        properties = resource.get("Properties") or {}
        for entry, handler in HANDLERS.items():
            if properties.get("Handler") == handler:
                memory[entry] = int(properties.get("MemorySize", default))
    memory.setdefault("stream", STREAM_MEMORY_MB)
    missing = set(HANDLERS) - set(memory)
    if missing:
        raise SystemExit(f"no function with the handler of {sorted(missing)} in {TEMPLATE}")
    return memory, batch


class CountedEvents:
    """An EventBridge client that counts the entries put on the bus."""

    def __init__(self, inner: Any, counts: Counter[str]) -> None:
        self._inner = inner
        self.counts = counts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def put_events(self, **request: Any) -> Any:
        self.counts["PutEvents"] += 1
        self.counts.update(entry["DetailType"] for entry in request["Entries"])
        return self._inner.put_events(**request)


@dataclass
class Deployment:
    """The entries on moto, with the meters around their clients."""

    meter: Meter
    events: Counter[str]
    tap: Any  # tests.event_tap.BusTap: what the bus's rule delivered to a queue
    modules: dict[str, Any]  # entry name -> freshly imported handler module
    mapping: Any  # tests.stream_esm.StreamMapping: the stream consumer's event source
    dynamodb: Any  # an unmetered client, to look at items


@contextmanager
def deployed_on_moto() -> Iterator[Deployment]:
    """The entries as deployed (STORAGE=dynamodb, the stream, a bus, a rule to a queue)."""
    import boto3
    from moto import mock_aws
    from tests.event_tap import REGION, BusTap
    from tests.lambda_support import fresh_import
    from tests.stream_esm import StreamMapping

    from shortstack.adapters import aws
    from shortstack.adapters.dynamodb.table import create_table

    environment = {
        "STORAGE": "dynamodb",
        "STAGE": "aws",
        "TABLE_NAME": TABLE,
        "EVENT_BUS_NAME": "shortstack",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "PUBLIC_BASE_URL": "https://sho.rt",
        "VISITOR_HASH_SALT": "bench",
        "LOG_LEVEL": "WARNING",
    }
    meter, events = Meter(), Counter[str]()
    with mock.patch.dict(os.environ, environment), mock_aws():
        raw = boto3.client("dynamodb", region_name=REGION)
        create_table(raw, TABLE)
        boto3.client("events", region_name=REGION).create_event_bus(Name="shortstack")
        tap = BusTap()
        plain_client = aws.make_client

        def metered_client(
            service: str, endpoint_url: str | None = None, *budget: aws.RetryBudget
        ) -> Any:
            client = plain_client(service, endpoint_url, *budget)
            if service == "dynamodb":
                return MeteredDynamoDB(client, raw, meter)
            return CountedEvents(client, events) if service == "events" else client

        with mock.patch.object(aws, "make_client", metered_client):
            modules = {
                entry: fresh_import(path.rpartition(".")[0]) for entry, path in HANDLERS.items()
            }
            sqs = boto3.client("sqs", region_name=REGION)
            dlq = sqs.create_queue(QueueName="stream-dlq")["QueueUrl"]
            streams = boto3.client("dynamodbstreams", region_name=REGION)
            stream_handler = modules["stream"].handler
            mapping = StreamMapping(raw, streams, TABLE, stream_handler, dlq, sqs, STREAM_BATCH)
            yield Deployment(meter, events, tap, modules, mapping, raw)
        modules["api"].app.state.container.close()


def _load(name: str, **placeholders: str) -> dict[str, Any]:
    text = (REPO / "tests" / "events" / name).read_text()
    for key, value in placeholders.items():
        text = text.replace("{" + key + "}", value)
    event: dict[str, Any] = json.loads(text)
    return event


def _snapshot(meter: Meter, events: Counter[str], per: int) -> dict[str, Any]:
    """The meter's totals divided over `per` requests, then both counters reset."""
    figures = {
        "dynamodb_requests": {op: n / per for op, n in sorted(meter.requests.items())},
        "dynamodb_rru": meter.rru / per,
        "dynamodb_wru": meter.wru / per,
        "eventbridge_events": sum(n for t, n in events.items() if t != "PutEvents") / per,
        "eventbridge_calls": events["PutEvents"] / per,
    }
    meter.reset()
    events.clear()
    return figures


def reply_bytes(response: dict[str, Any]) -> int:
    """Bytes of a Lambda HTTP reply on the wire: status line, headers, body, edge headers."""
    headers = sum(len(f"{name}: {value}\r\n") for name, value in response["headers"].items())
    status_line = len(f"HTTP/1.1 {response['statusCode']} Found\r\n")
    return status_line + headers + 2 + len(response.get("body") or "") + EDGE_HEADER_BYTES


def _consume(deployed: Deployment) -> Any:
    """Deliver what the bus routed to the queue to the events Lambda; its totals per event."""
    from tests.lambda_support import sqs_event

    messages = deployed.tap.messages()
    for start in range(0, len(messages), 10):
        batch = sqs_event(messages[start : start + 10], "arn:aws:sqs:us-east-1:1:events")
        response = deployed.modules["events"].handler(batch, None)
        if response != {"batchItemFailures": []}:
            raise RuntimeError(f"the events Lambda failed records: {response}")
    return _snapshot(deployed.meter, deployed.events, max(1, len(messages)))


def fold_cost(client: Any, meter: Meter) -> dict[str, Any]:
    """WRU per click of the window fold under the stated spread of clicks over links."""
    from shortstack.adapters.dynamodb import stats as stats_module
    from shortstack.adapters.dynamodb.stats import DynamoDBClickStatsRepository
    from shortstack.domain.analytics import ClickFacts
    from shortstack.service_layer.relay import ClickWindow

    stats = DynamoDBClickStatsRepository(client, TABLE)
    rng = random.Random(2026)
    links = [f"L{n:05d}" for n in range(FOLD_LINKS)]
    weights = [1 / (rank**FOLD_ZIPF_S) for rank in range(1, FOLD_LINKS + 1)]
    hosts = ["(direct)", "t.co", "news.ycombinator.com", "www.google.com", "l.facebook.com"]
    hosts += [f"blog{n}.example" for n in range(40)]
    countries = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "(unknown)"]
    countries += [f"C{n}" for n in range(20)]
    browsers = ["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet", "Googlebot"]
    oses = ["Windows", "macOS", "iOS", "Android", "Linux", "ChromeOS", "(unknown)"]
    owners = {link: f"owner{n % FOLD_OWNERS}" for n, link in enumerate(links)}
    per_window = round(FOLD_CLICKS_PER_MONTH / (30 * 86400) * FOLD_WINDOW_S)
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    clicks = groups = owner_groups = calls = 0
    wru = rru = 0.0
    for window in range(FOLD_WINDOWS):
        state = ClickWindow()
        for n in range(per_window):
            facts = ClickFacts(
                event_id=f"w{window}c{n}",
                short_id=rng.choices(links, weights)[0],
                day=start.date(),
                referrer=rng.choice(hosts[: 5 + window * 5]),
                browser=rng.choice(browsers),
                device=rng.choice(["desktop", "mobile", "tablet"]),
                is_bot=False,
                country=rng.choice(countries),
                os=rng.choice(oses),
                visitor=f"visitor{rng.randrange(FOLD_VISITORS_PER_DAY)}",
                # The UTC hour each day keeps its clicks by (decision 0114).
                hour=(start + timedelta(seconds=FOLD_WINDOW_S * (window + n / per_window))).hour,
            )
            # The click's stream record names its link's owner (the link's new image).
            facts = replace(facts, owner=owners[facts.short_id])
            state.add(str(window * per_window + n), facts)
        window_start = (start + timedelta(seconds=FOLD_WINDOW_S * window)).isoformat()
        meter.reset()
        # One writer: the meter adds up each write exactly (moto is not thread-safe either).
        with mock.patch.object(stats_module, "_WINDOW_WRITERS", 1):
            owner_days = state.owner_days()
            stats.add_window("shardId-bench", window_start, state.days, owner_days)
        if window:  # the first window meets empty day items; later ones grown ones
            clicks += per_window
            groups += len(state.days)
            owner_groups += len(owner_days)
            wru += meter.wru
            rru += meter.rru
            calls += sum(meter.requests.values())
    meter.reset()
    return {
        "assumption": {
            "clicks_per_month": FOLD_CLICKS_PER_MONTH,
            "window_s": FOLD_WINDOW_S,
            "clicks_per_window": per_window,
            "active_links": FOLD_LINKS,
            "zipf_s": FOLD_ZIPF_S,
            "windows": FOLD_WINDOWS,
            "visitors_per_day": FOLD_VISITORS_PER_DAY,
            "owners": FOLD_OWNERS,
        },
        "links_per_click": round(groups / clicks, 4),
        "owner_days_per_click": round(owner_groups / clicks, 4),
        "wru_per_click": round(wru / clicks, 4),
        "rru_per_click": round(rru / clicks, 4),
        # DynamoDB calls the close makes per click (reads and writes), for its duration.
        "calls_per_click": round(calls / clicks, 4),
    }


def measure_work() -> dict[str, Any]:
    """What one api request and one redirect do on AWS, and what their events then cost."""
    with deployed_on_moto() as deployed:
        meter, events = deployed.meter, deployed.events
        create = _load("apigw_v2_links_create.json")
        create["body"] = json.dumps(LINK_BODY)
        created = deployed.modules["api"].handler(create, None)
        if created["statusCode"] != 201:
            raise RuntimeError(f"creating the link failed: {created}")
        short_id = json.loads(created["body"])["short_id"]
        api = _snapshot(meter, events, 1)
        deployed.mapping.run()
        deployed.mapping.close_windows()
        api_relay = _snapshot(meter, events, 1)
        api_consumer = _consume(deployed)
        redirect_event = _load("lambda_url_redirect_get.json", id=short_id)
        handler = deployed.modules["redirect"].handler
        answers = [handler(redirect_event, None) for _ in range(REDIRECTS)]
        if {answer["statusCode"] for answer in answers} != {302}:
            raise RuntimeError(f"the redirect answered {answers[-1]}")
        redirect = _snapshot(meter, events, REDIRECTS)
        deployed.mapping.run()  # the relay alone: clicks go to the window's state
        redirect_relay = _snapshot(meter, events, REDIRECTS)
        deployed.mapping.close_windows()
        meter.reset()
        link_item = deployed.dynamodb.get_item(
            TableName=TABLE, Key={"PK": {"S": f"LINK#{short_id}"}, "SK": {"S": "LINK"}}
        )["Item"]
        fold = fold_cost(MeteredDynamoDB(deployed.dynamodb, deployed.dynamodb, meter), meter)
    classic_item = {name: value for name, value in link_item.items() if name != "visit"}
    return {
        "api": {"request": api, "relayed": api_relay, "per_event_consumed": api_consumer},
        "redirect": {"request": redirect, "relayed": redirect_relay},
        "fold": fold,
        "link_item_bytes": item_size(link_item),
        "classic_link_item_bytes": item_size(classic_item),
        "redirect_reply_bytes": reply_bytes(answers[-1]),
        "api_reply_bytes": reply_bytes(created),
    }


def _calls(figures: dict[str, Any]) -> float:
    return float(sum(figures["dynamodb_requests"].values()) + figures["eventbridge_calls"])


def _stream_share(warm_ms: dict[str, float], memory: dict[str, int], extra_ms: float) -> Any:
    """The stream consumer's part of one relayed change: a share of a full batch."""
    return {
        "function": "stream",
        "memory_mb": memory["stream"],
        "per_request": 1 / STREAM_BATCH,
        "duration_ms": round((warm_ms["stream_per_record"] + extra_ms) * STREAM_BATCH, 3),
    }


def usage(
    kind: str, work: dict[str, Any], warm_ms: dict[str, float], memory: dict[str, int], batch: int
) -> dict[str, Any]:
    """One request type's Usage (shortstack/pricing.py), its relaying and fan-out included."""
    request = work[kind]["request"]
    entry = {
        "function": kind,
        "memory_mb": memory[kind],
        "per_request": 1,
        "duration_ms": round(warm_ms[kind] + _calls(request) * AWS_ROUND_TRIP_MS, 3),
    }
    if kind == "redirect":
        fold = work["fold"]
        # The close's calls (a write per (link, day) and (owner, day) touched, and the reads
        # before some) run WINDOW_WRITERS at a time.
        fold_ms = fold["calls_per_click"] * AWS_ROUND_TRIP_MS / WINDOW_WRITERS
        return {
            "cloudfront_requests": 1,
            "cloudfront_bytes_out": work["redirect_reply_bytes"],
            "lambdas": [entry, _stream_share(warm_ms, memory, fold_ms)],
            "dynamodb_rru": request["dynamodb_rru"] + fold["rru_per_click"],
            "dynamodb_wru": request["dynamodb_wru"] + fold["wru_per_click"],
            "stream_read_requests": 1 / STREAM_BATCH,
            "eventbridge_events": 0,
            "sqs_requests": 0,
        }
    relayed, consumed = work[kind]["relayed"], work[kind]["per_event_consumed"]
    published = relayed["eventbridge_events"]
    put_ms = relayed["eventbridge_calls"] * AWS_ROUND_TRIP_MS
    per_event_ms = warm_ms["events_per_record"] + _calls(consumed) * AWS_ROUND_TRIP_MS
    return {
        "api_gateway_requests": 1,
        "api_gateway_bytes_out": work["api_reply_bytes"],
        "lambdas": [
            entry,
            _stream_share(warm_ms, memory, put_ms),
            {
                "function": "events",
                "memory_mb": memory["events"],
                "per_request": published / batch,
                "duration_ms": round(per_event_ms * batch, 3),
            },
        ],
        "dynamodb_rru": request["dynamodb_rru"] + published * consumed["dynamodb_rru"],
        "dynamodb_wru": request["dynamodb_wru"] + published * consumed["dynamodb_wru"],
        "stream_read_requests": 1 / STREAM_BATCH,
        "eventbridge_events": published,
        "sqs_requests": published * (1 + 2 / batch),
    }


def classic_redirect(
    work: dict[str, Any], warm_ms: dict[str, float], memory: dict[str, int]
) -> dict[str, Any]:
    """The tutorial design: API Gateway, a strongly consistent GetItem, then a write."""
    size = work["classic_link_item_bytes"]
    return {
        "api_gateway_requests": 1,
        "api_gateway_bytes_out": work["redirect_reply_bytes"],
        "lambdas": [
            {
                "function": "redirect",
                "memory_mb": memory["redirect"],
                "per_request": 1,
                "duration_ms": round(warm_ms["plain_redirect"] + 2 * AWS_ROUND_TRIP_MS, 3),
            }
        ],
        "dynamodb_rru": read_units(size, consistent=True),
        "dynamodb_wru": float(write_units(size)),
        "eventbridge_events": 0,
        "sqs_requests": 0,
    }


_WARM = (
    cold_start.EVENT_PRELUDE
    + """import statistics
import {module} as entry
for _ in range({warm_up}):
    entry.handler(event, None)
cpu, wall = [], []
for _ in range({calls}):
    c0, t0 = time.process_time(), time.perf_counter()
    answer = entry.handler(event, None)
    wall.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
outcome = answer.get("statusCode", answer.get("batchItemFailures"))
print(json.dumps([statistics.median(cpu), statistics.median(wall), outcome]))
"""
)


def warm_invocations(samples: int = WARM_SAMPLES) -> dict[str, dict[str, float]]:
    """{entry: {"shortstack": ms, "plain": ms, ...}}: a warm invocation's median CPU
    milliseconds against the stand-in (and its wall milliseconds, `<variant>_wall`), the
    entries run round-robin in fresh processes."""
    from bench import stub_dynamodb
    from bench.common import median

    server, endpoint = stub_dynamodb.start()
    env = cold_start.environment(endpoint)
    rows: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(samples):
            for name, (mine, plain) in cold_start.PAIRS.items():
                for variant, entry in (("shortstack", mine), ("plain", plain)):
                    code = _WARM.format(
                        event=str(cold_start.EVENTS / entry.event),
                        module=entry.module,
                        records=entry.records,
                        extra=repr(dict(entry.extra)),
                        warm_up=WARM_UP,
                        calls=WARM_CALLS,
                    )
                    line, _ = cold_start.run_python(code, env)
                    cpu_s, wall_s, outcome = json.loads(line)
                    if outcome != entry.expected:
                        raise RuntimeError(f"{entry.module} answered {outcome!r}")
                    rows.setdefault((name, variant), []).append(cpu_s * 1000)
                    rows.setdefault((name, f"{variant}_wall"), []).append(wall_s * 1000)
    finally:
        server.shutdown()
    found: dict[str, dict[str, float]] = {}
    for (name, variant), values in rows.items():
        found.setdefault(name, {})[variant] = median(values)
    return found


def warm_durations(warm: dict[str, dict[str, float]]) -> dict[str, float]:
    """Warm invocation milliseconds against the stand-in, per request or record."""
    return {
        "api": warm["api"]["shortstack"],
        "redirect": warm["redirect"]["shortstack"],
        "events_per_record": warm["events"]["shortstack"] / cold_start.PAIRS["events"][0].records,
        "stream_per_record": warm["stream"]["shortstack"] / cold_start.PAIRS["stream"][0].records,
        "plain_redirect": warm["redirect"]["plain"],
    }


def build_profile(
    machine: dict[str, Any], warm: dict[str, dict[str, float]] | None = None
) -> dict[str, Any]:
    memory, batch = template_settings()
    warm = warm or warm_invocations()
    warm_ms = warm_durations(warm)
    work = measure_work()
    return {
        "about": (
            "What one request of each type does on AWS, measured by `make bench` "
            "(bench/cost_profile.py); `shortstack cost` prices it with aws_prices.json."
        ),
        "measured_at": machine["date"],
        "machine": machine,
        "how": " ".join(__doc__.split("\n\n    python")[0].split()),
        "assumptions": {
            "aws_round_trip_ms": AWS_ROUND_TRIP_MS,
            "edge_header_bytes": EDGE_HEADER_BYTES,
            "sqs_batch_size": batch,
            "stream_batch_size": STREAM_BATCH,
            "memory_mb": memory,
            "fold": work["fold"]["assumption"],
            "warm_invocation_ms_against_local_stand_in": warm_ms,
            "warm_invocations": {
                "processes": WARM_SAMPLES,
                "warm_up": WARM_UP,
                "median_of": WARM_CALLS,
                "clock": "CPU time of the process (wall time beside it, for comparison)",
                "ms": warm,
            },
        },
        "measured": work,
        "usage": {kind: usage(kind, work, warm_ms, memory, batch) for kind in ("redirect", "api")},
        "reference": {"classic_redirect": classic_redirect(work, warm_ms, memory)},
    }


def write_profile(profile: dict[str, Any]) -> Path:
    PROFILE.write_text(json.dumps(profile, indent=2) + "\n")
    return PROFILE


def main() -> int:
    from bench.common import machine

    profile = build_profile(machine())
    print(json.dumps(profile["usage"], indent=2))
    print(f"written to {write_profile(profile).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
