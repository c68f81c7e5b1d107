"""A viral link past DynamoDB's per-item write limit: what visitors get and what it costs.

moto never throttles, so this wraps its client in a capacity model: every partition
key takes at most ITEM_WRITES_PER_S writes per second (a token bucket on a virtual
clock; DynamoDB documents about 1,000 WCU a second per partition), and a write over
that is refused with ProvisionedThroughputExceededException, unbilled, as DynamoDB
does. CONTAINERS redirect Lambdas (each its own repository and hot-link memory)
share the load round robin; the virtual clock moves 1/rate seconds per click, and a
backoff the repository waits moves it too.

Three links are clicked at `--rate` for `--seconds`: one without a limit (its clicks
move to the counter shards) and two with `max_visits` (they must stay exact, so they
wait for their own item): one the load reaches, one it never does. Printed:
redirects answered, errors, exactness of the totals, the requests and request units
per click, and the extra wait.

    python -m bench.hot_link [--rate 3000] [--seconds 4] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

ITEM_WRITES_PER_S = 1000
CONTAINERS = 20
TABLE = "shortstack-hot"
# No limit (clicks move to shards); a limit the load reaches; one it never reaches.
LINKS = (("viral", None), ("limited", 1000), ("capped", 1_000_000))


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.waited = 0.0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += seconds
        self.waited += seconds


class CapacityModel:
    """A client that refuses writes past ITEM_WRITES_PER_S on one partition key."""

    def __init__(self, inner: Any, clock: VirtualTime, requests: Counter[str]) -> None:
        self._inner = inner
        self._clock = clock
        self.requests = requests
        self._tokens: dict[str, tuple[float, float]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _take(self, partition: str, operation: str) -> None:
        tokens, at = self._tokens.get(partition, (ITEM_WRITES_PER_S, self._clock()))
        now = self._clock()
        tokens = min(ITEM_WRITES_PER_S, tokens + (now - at) * ITEM_WRITES_PER_S)
        if tokens < 1:
            self._tokens[partition] = (tokens, now)
            self.requests["throttled"] += 1
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": ""}},
                operation,
            )
        self._tokens[partition] = (tokens - 1, now)

    def update_item(self, **request: Any) -> Any:
        partition = request["Key"]["PK"]["S"]
        self._take(partition, "UpdateItem")
        self.requests["shard write" if partition.startswith("HOTLINK#") else "link write"] += 1
        return self._inner.update_item(**request)

    def get_item(self, **request: Any) -> Any:
        self.requests["read"] += 1
        return self._inner.get_item(**request)


def run(rate: int, seconds: float) -> dict[str, Any]:
    from bench.common import offline_aws_credentials

    offline_aws_credentials()

    import boto3
    from moto import mock_aws

    from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
    from shortstack.adapters.dynamodb.table import create_table
    from shortstack.domain.clock import utc_now
    from shortstack.domain.errors import LinkGone, ServiceUnavailable
    from shortstack.domain.links import create_link
    from shortstack.domain.visits import Click

    figures: dict[str, Any] = {"rate_per_s": rate, "seconds": seconds, "containers": CONTAINERS}
    with mock_aws():
        raw = boto3.client("dynamodb", region_name="us-east-1")
        create_table(raw, TABLE)
        setup = DynamoDBLinkRepository(raw, TABLE)
        now = utc_now()
        for alias, limit in LINKS:
            setup.add(
                create_link(
                    short_id=alias,
                    owner="bench",
                    url="https://example.com/",
                    now=now,
                    expires_at=now.replace(year=now.year + 1),
                    max_visits=limit,
                )
            )
        for alias, _ in LINKS:
            clock = VirtualTime()
            requests: Counter[str] = Counter()
            client = CapacityModel(raw, clock, requests)
            containers = [
                DynamoDBLinkRepository(client, TABLE, wait=clock.wait, clock=clock)
                for _ in range(CONTAINERS)
            ]
            for repository in containers:
                repository.hot._clock = clock
            answers: Counter[str] = Counter()
            worst_wait = 0.0
            clicks = int(rate * seconds)
            for n in range(clicks):
                clock.now = max(clock.now, n / rate)
                before = clock.waited
                try:
                    containers[n % CONTAINERS].record_click(alias, Click(utc_now()))
                    answers["302"] += 1
                except LinkGone:
                    answers["410"] += 1
                except ServiceUnavailable:
                    answers["503"] += 1
                worst_wait = max(worst_wait, clock.waited - before)
            stored = setup.get(alias)
            assert stored is not None
            billed_writes = requests["link write"] + requests["shard write"]
            figures[alias] = {
                "clicks": clicks,
                "answers": dict(answers),
                "click_count": stored.click_count,
                "exact": stored.click_count == answers["302"],
                "requests_per_click": {k: round(v / clicks, 4) for k, v in requests.items()},
                "wru_per_click": round(billed_writes / clicks, 4),
                "rru_per_click": round(requests["read"] * 0.5 / clicks, 4),
                "waited_s_total": round(clock.waited, 3),
                "worst_wait_s": round(worst_wait, 3),
            }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=3000, help="clicks per second")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.rate, args.seconds)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"{args.rate:,} clicks/s for {args.seconds:g} s on one link, {CONTAINERS} containers, "
        f"each item takes {ITEM_WRITES_PER_S:,} writes/s\n"
    )
    for alias, limit in LINKS:
        label = "no visit limit" if limit is None else f"max_visits={limit:,}"
        found = figures[alias]
        print(
            f"{label}: {found['answers']}; click_count {found['click_count']:,} "
            f"({'exact' if found['exact'] else 'NOT exact'}); per click "
            f"{found['wru_per_click']} WRU, {found['rru_per_click']} RRU, requests "
            f"{found['requests_per_click']}; waited {found['waited_s_total']} s in all, "
            f"at most {found['worst_wait_s']} s for one visitor"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
