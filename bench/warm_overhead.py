"""Warm per-invoke time of each Lambda entry on the in-memory store, next to its plain handler.

The API is timed on its three hot routes (a link, a page of links, a create), each next to
the one-route FastAPI app behind Mangum (bench/floor_api_handler.py): the least any FastAPI
route costs, which the API's light front does not pay.

Each variant runs in its own fresh process with STORAGE=memory: the shortstack
entries build their in-memory fakes at import; the hand-written boto3 handlers
(bench/plain_*_handler.py) get a dict-backed stand-in for their DynamoDB client,
so neither side waits on storage and the difference is the code around it. The
redirect runs as on DynamoDB, whose unit of work keeps no events (the click's write
is the stream's record); "with LinkClicked" is the same on the fakes' unit of work,
which builds and keeps one per click. After a warm-up, 5 runs of 10,000 invokes
each; the median run gives microseconds per invoke.

    python -m bench.warm_overhead [--invokes 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.common import REPO

EVENTS = REPO / "tests" / "events"
WARM_UP = 1000
VARIANTS = {
    ("redirect", "shortstack"): "shortstack.entrypoints.lambda_redirect",
    ("redirect", "plain"): "bench.plain_redirect_handler",
    # The fakes' unit of work keeps a LinkClicked per click, which on DynamoDB is never built.
    ("redirect", "with LinkClicked"): "shortstack.entrypoints.lambda_redirect",
    ("api", "shortstack"): "shortstack.entrypoints.lambda_api",
    ("api", "plain"): "bench.plain_api_handler",
    ("api", "fastapi floor"): "bench.floor_api_handler",
    # The API's other hot routes (its light front answers all three): no plain handler.
    ("api list", "shortstack"): "shortstack.entrypoints.lambda_api",
    ("api create", "shortstack"): "shortstack.entrypoints.lambda_api",
    ("events", "shortstack"): "shortstack.entrypoints.lambda_events",
    ("events", "plain"): "bench.plain_events_handler",
}
SHORT_ID = "bench01"
LINK_ITEM = {
    "PK": {"S": f"LINK#{SHORT_ID}"},
    "SK": {"S": "LINK"},
    "short_id": {"S": SHORT_ID},
    "url": {"S": "https://example.com/landing"},
    "is_active": {"BOOL": True},
    "click_count": {"N": "0"},
    "expires_at": {"S": "2099-01-01T00:00:00.000Z"},
}


class _Refused(Exception):
    """A failed condition, as botocore raises it."""


class DictDynamoDB:
    """The few DynamoDB calls the plain handlers make, answered from a dict."""

    class exceptions:  # noqa: N801 - botocore's spelling: client.exceptions.X
        ConditionalCheckFailedException = _Refused
        TransactionCanceledException = _Refused

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {
            (LINK_ITEM["PK"]["S"], LINK_ITEM["SK"]["S"]): copy.deepcopy(LINK_ITEM)
        }

    def _key(self, key: dict[str, Any]) -> tuple[str, str]:
        return key["PK"]["S"], key["SK"]["S"]

    def get_item(self, **request: Any) -> dict[str, Any]:
        item = self.items.get(self._key(request["Key"]))
        return {"Item": item} if item is not None else {}

    def update_item(self, **request: Any) -> dict[str, Any]:
        item = self.items.get(self._key(request["Key"]))
        if item is None:
            raise _Refused
        item["click_count"] = {"N": str(int(item["click_count"]["N"]) + 1)}
        return {"Attributes": item}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        marker, update = TransactItems[0]["Put"]["Item"], TransactItems[1]["Update"]
        if self._key(marker) in self.items:
            raise _Refused
        self.items[self._key(marker)] = marker
        day = self.items.setdefault(self._key(update["Key"]), {"clicks": {"N": "0"}})
        day["clicks"] = {"N": str(int(day["clicks"]["N"]) + 1)}
        return {}


def _event(name: str) -> dict[str, Any]:
    text = (EVENTS / name).read_text().replace("{id}", SHORT_ID)
    event: dict[str, Any] = json.loads(text.replace("{short_id}", SHORT_ID))
    return event


def _click_batches(count: int) -> list[dict[str, Any]]:
    """`count` one-record SQS batches, each a LinkClicked event with its own id."""
    template = _event("sqs_eventbridge_link_clicked.json")["Records"][0]
    body = json.loads(template["body"])
    batches = []
    for _ in range(count):
        body["id"] = str(uuid.uuid4())
        body["detail"]["event_id"] = uuid.uuid4().hex
        record = {**template, "messageId": str(uuid.uuid4()), "body": json.dumps(body)}
        batches.append({"Records": [record]})
    return batches


def _prepare(name: str, variant: str, module: Any) -> tuple[Callable[[int], list[Any]], Any]:
    """(events for n invokes, the answer expected), after seeding the store with the link."""
    if variant == "plain":
        module._dynamodb = DictDynamoDB()
    elif variant == "fastapi floor":
        pass  # answers from code: nothing to seed
    elif name == "redirect":
        from shortstack.domain.clock import utc_now
        from shortstack.domain.links import create_link

        if variant == "shortstack":
            # As on DynamoDB, where the click's UpdateItem is the stream's record and the
            # unit of work keeps no events (decision 0105): the plain handler builds none.
            module.redirects.uow.keeps_events = False
        now = utc_now()
        module.redirects.links.add(
            create_link(
                short_id=SHORT_ID,
                owner="local",
                url="https://example.com/landing",
                now=now,
                expires_at=now + timedelta(days=30),
            )
        )
    elif name.startswith("api"):
        create = _event("apigw_v2_links_create.json")
        create["body"] = json.dumps(
            {"url": "https://example.com/landing", "alias": SHORT_ID, "tags": ["promo"]}
        )
        created = module.handler(create, None)
        if created["statusCode"] != 201:
            raise RuntimeError(f"could not seed the API's link: {created}")
    if name == "redirect":
        event = _event("apigw_v2_redirect_get.json")
        return (lambda n: [event] * n), 302
    if name == "api":
        event = _event("apigw_v2_links_get.json")
        return (lambda n: [event] * n), 200
    if name == "api list":  # ?tag=promo&limit=10: a page holding the one seeded link
        event = _event("apigw_v2_links_list.json")
        return (lambda n: [event] * n), 200
    if name == "api create":  # a new link on a random id each time
        event = _event("apigw_v2_links_create.json")
        event["body"] = json.dumps({"url": "https://example.com/landing", "tags": ["promo"]})
        return (lambda n: [event] * n), 201
    return _click_batches, []


def _outcome(response: dict[str, Any]) -> Any:
    return response.get("statusCode", response.get("batchItemFailures"))


def run_child(name: str, variant: str, invokes: int, runs: int) -> dict[str, float]:
    """In this process: import the handler, seed it, time `runs` x `invokes` calls."""
    module = importlib.import_module(VARIANTS[(name, variant)])
    events_for, expected = _prepare(name, variant, module)
    handler = module.handler
    for event in events_for(WARM_UP):
        if _outcome(handler(event, None)) != expected:
            raise RuntimeError(f"{name}/{variant} answered {handler(event, None)!r}")
    per_invoke = []
    for _ in range(runs):
        events = events_for(invokes)
        started = time.perf_counter()
        for event in events:
            handler(event, None)
        per_invoke.append((time.perf_counter() - started) / invokes * 1e6)
    return {"median_us": statistics.median(per_invoke), "min_us": min(per_invoke)}


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{REPO}:{REPO / 'src'}",
        "STORAGE": "memory",
        "STAGE": "local",
        "AUTH_MODE": "none",
        "TABLE_NAME": "shortstack-bench",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "LOG_LEVEL": "WARNING",
        # The local server's create limit would answer 429 to a loop of creates.
        "RATE_LIMIT_CREATES_PER_MINUTE": "0",
    }


def measure(invokes: int, runs: int) -> dict[str, dict[str, dict[str, float]]]:
    """{entry: {variant: {"median_us", "min_us"}}}, each variant in a fresh process."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, variant in VARIANTS:
        command = [
            sys.executable, "-m", "bench.warm_overhead", "--child", name, variant,
            "--invokes", str(invokes), "--runs", str(runs),
        ]  # fmt: skip
        out = subprocess.run(
            command, capture_output=True, text=True, env=environment(), check=True, timeout=300
        )
        results.setdefault(name, {})[variant] = json.loads(out.stdout.strip().splitlines()[-1])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("ENTRY", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(*args.child, args.invokes, args.runs)))
        return 0
    print(
        f"microseconds per invoke, median of {args.runs} x {args.invokes:,} (STORAGE=memory)\n\n"
        "| entry | shortstack | plain handler | overhead |\n|---|---|---|---|"
    )
    found = measure(args.invokes, args.runs)
    floor = found["api"]["fastapi floor"]["median_us"]
    for name, variants in found.items():
        mine = variants["shortstack"]["median_us"]
        if "plain" not in variants:
            print(f"| {name} | {mine:.1f} | | {mine / floor:.2f}x one-route FastAPI |")
            continue
        plain = variants["plain"]["median_us"]
        print(f"| {name} | {mine:.1f} | {plain:.1f} | {mine - plain:+.1f} |")
        if "with LinkClicked" in variants:
            built = variants["with LinkClicked"]["median_us"]
            row = f"| {name}, with LinkClicked | {built:.1f} | {plain:.1f} | {built - plain:+.1f} |"
            print(row)
        if "fastapi floor" in variants:
            print(f"| {name}: one-route FastAPI + Mangum | {floor:.1f} | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
