"""Measure what each request type does on AWS; write the profile `shortstack cost` prices.

Under moto, the three Lambda entries run as deployed (STORAGE=dynamodb, the
EventBridge bus, a rule to a queue as in the SAM template), with every DynamoDB
client wrapped by bench/capacity_meter.py and every EventBridge client counted:

- api: `POST /api/v1/links` (a typical link with a title and two tags);
- redirect: `GET /{short_id}` of that link, averaged over 20 redirects;
- the events each publishes are delivered through the rule and queue to the
  events Lambda, whose DynamoDB work is charged to the request that caused it.

Durations are the warm invocations bench/cold_start.py measured against a local
DynamoDB stand-in, plus an assumed in-region round trip per AWS call; memory is
each function's MemorySize in the SAM template. SQS: one SendMessage per event
(the rule's delivery), one ReceiveMessage and one DeleteMessageBatch per batch
of the template's BatchSize. The classic tutorial design (one strongly consistent
GetItem and one write per redirect, no events) is priced from the same item.

    python -m bench.cost_profile        # rewrites src/shortstack/data/request_profile.json
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from bench import cold_start
from bench.capacity_meter import Meter, MeteredDynamoDB, read_units
from bench.common import REPO
from bench.dynamodb_costs import item_size, write_units

PROFILE = REPO / "src" / "shortstack" / "data" / "request_profile.json"
TEMPLATE = REPO / "infra" / "sam" / "template.yaml"
TABLE = "shortstack"
REDIRECTS = 20
# In-region latency of one DynamoDB or EventBridge call from Lambda: an assumption, not
# a measurement (the stand-in answers from 127.0.0.1); it is written into the profile.
AWS_ROUND_TRIP_MS = 5.0
HANDLERS = {
    "api": "shortstack.entrypoints.lambda_api.handler",
    "redirect": "shortstack.entrypoints.lambda_redirect.handler",
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
    [batch] = [
        int(resource["Properties"]["BatchSize"])
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    for resource in template["Resources"].values():
        properties = resource.get("Properties") or {}
        for entry, handler in HANDLERS.items():
            if properties.get("Handler") == handler:
                memory[entry] = int(properties.get("MemorySize", default))
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
    """The three entries on moto, with the meters around their clients."""

    meter: Meter
    events: Counter[str]
    tap: Any  # tests.event_tap.BusTap: what the bus's rule delivered to a queue
    modules: dict[str, Any]  # entry name -> freshly imported handler module
    dynamodb: Any  # an unmetered client, to look at items


@contextmanager
def deployed_on_moto() -> Iterator[Deployment]:
    """The entries as deployed (STORAGE=dynamodb, a bus, a rule to a queue) in one moto mock."""
    import boto3
    from moto import mock_aws
    from tests.event_tap import REGION, BusTap
    from tests.lambda_support import fresh_import

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
        "PUBLIC_BASE_URL": "https://sho.rt",
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
            yield Deployment(meter, events, tap, modules, raw)
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


def measure_work() -> dict[str, Any]:
    """What one api request and one redirect do on AWS, and what their events then cost."""
    with deployed_on_moto() as deployed:
        create = _load("apigw_v2_links_create.json")
        create["body"] = json.dumps(LINK_BODY)
        created = deployed.modules["api"].handler(create, None)
        if created["statusCode"] != 201:
            raise RuntimeError(f"creating the link failed: {created}")
        short_id = json.loads(created["body"])["short_id"]
        api = _snapshot(deployed.meter, deployed.events, 1)
        api_consumer = _consume(deployed)
        redirect_event = _load("apigw_v2_redirect_get.json", id=short_id)
        for _ in range(REDIRECTS):
            status = deployed.modules["redirect"].handler(redirect_event, None)["statusCode"]
            if status != 302:
                raise RuntimeError(f"the redirect answered {status}")
        redirect = _snapshot(deployed.meter, deployed.events, REDIRECTS)
        redirect_consumer = _consume(deployed)
        link_item = deployed.dynamodb.get_item(
            TableName=TABLE, Key={"PK": {"S": f"LINK#{short_id}"}, "SK": {"S": "LINK"}}
        )["Item"]
    return {
        "api": {"request": api, "per_event_consumed": api_consumer},
        "redirect": {"request": redirect, "per_event_consumed": redirect_consumer},
        "link_item_bytes": item_size(link_item),
    }


def _calls(figures: dict[str, Any]) -> float:
    return float(sum(figures["dynamodb_requests"].values()) + figures["eventbridge_calls"])


def usage(
    kind: str,
    work: dict[str, Any],
    warm_ms: dict[str, float],
    memory: dict[str, int],
    batch: int,
) -> dict[str, Any]:
    """One request type's Usage (shortstack/pricing.py), its events' fan-out included."""
    request, consumed = work[kind]["request"], work[kind]["per_event_consumed"]
    published = request["eventbridge_events"]
    per_event_ms = warm_ms["events_per_record"] + _calls(consumed) * AWS_ROUND_TRIP_MS
    lambdas = [
        {
            "function": kind,
            "memory_mb": memory[kind],
            "per_request": 1,
            "duration_ms": round(warm_ms[kind] + _calls(request) * AWS_ROUND_TRIP_MS, 3),
        }
    ]
    if published:
        lambdas.append(
            {
                "function": "events",
                "memory_mb": memory["events"],
                "per_request": published / batch,
                "duration_ms": round(per_event_ms * batch, 3),
            }
        )
    return {
        "api_gateway_requests": 1,
        "lambdas": lambdas,
        "dynamodb_rru": request["dynamodb_rru"] + published * consumed["dynamodb_rru"],
        "dynamodb_wru": request["dynamodb_wru"] + published * consumed["dynamodb_wru"],
        "eventbridge_events": published,
        "sqs_requests": published * (1 + 2 / batch),
    }


def classic_redirect(
    work: dict[str, Any], warm_ms: dict[str, float], memory: dict[str, int]
) -> dict[str, Any]:
    """The tutorial design: a strongly consistent GetItem, then a write; no index, no events."""
    size = work["link_item_bytes"]
    return {
        "api_gateway_requests": 1,
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


def warm_durations(cold: dict[str, dict[str, cold_start.ColdStart]]) -> dict[str, float]:
    """Warm invocation milliseconds against the stand-in, from a cold-start run."""
    records = cold_start.PAIRS["events"][0].records
    return {
        "api": cold["api"]["shortstack"].warm_event_ms,
        "redirect": cold["redirect"]["shortstack"].warm_event_ms,
        "events_per_record": cold["events"]["shortstack"].warm_event_ms / records,
        "plain_redirect": cold["redirect"]["plain"].warm_event_ms,
    }


def build_profile(
    cold: dict[str, dict[str, cold_start.ColdStart]], machine: dict[str, Any]
) -> dict[str, Any]:
    memory, batch = template_settings()
    warm_ms = warm_durations(cold)
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
            "sqs_batch_size": batch,
            "memory_mb": memory,
            "warm_invocation_ms_against_local_stand_in": warm_ms,
        },
        "measured": work,
        "usage": {kind: usage(kind, work, warm_ms, memory, batch) for kind in ("redirect", "api")},
        "reference": {"classic_redirect": classic_redirect(work, warm_ms, memory)},
    }


def write_profile(profile: dict[str, Any]) -> Path:
    PROFILE.write_text(json.dumps(profile, indent=2) + "\n")
    return PROFILE


def main() -> int:
    from bench.run import machine

    profile = build_profile(cold_start.measure(samples=3), machine())
    print(json.dumps(profile["usage"], indent=2))
    print(f"written to {write_profile(profile).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
