"""What a redirect costs on DynamoDB under the three designs in decision 0100.

Latency under moto means nothing, so this counts what AWS bills: requests per
redirect (counted with a botocore hook while moto serves them) and read/write
request units, from the real item sizes and DynamoDB's documented rules:

- an eventually consistent read of an item up to 4 KB is 0.5 RRU;
- a write is 1 WRU per started KB of the larger of the item before and after, and a
  failed condition still bills that write;
- an update that changes an attribute projected into a GSI writes the index entry too
  (GSI1 projects ALL, so `click_count` changing costs a GSI1 write as well).

Prices: on-demand, us-east-1, since November 2024: $0.625 per million WRU, $0.125
per million RRU.

    python -m bench.dynamodb_costs [--redirects 1000]
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

WRU_USD_PER_MILLION = 0.625
RRU_USD_PER_MILLION = 0.125
TABLE = "shortstack-costs"


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value, by DynamoDB's item-size rules."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        digits = len(data.lstrip("-").replace(".", "").strip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(data)) if isinstance(data, str) else len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in data.items())
    if kind == "SS":
        return sum(len(element.encode()) for element in data)
    raise ValueError(kind)


def item_size(item: dict[str, Any]) -> int:
    """Bytes of an item: attribute names plus values."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units_eventual(size: int) -> float:
    return 0.5 * max(1, math.ceil(size / 4096))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redirects", type=int, default=1000)
    args = parser.parse_args()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)

    import boto3
    from moto import mock_aws

    from shortstack.adapters.dynamodb import keys
    from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
    from shortstack.adapters.dynamodb.table import create_table
    from shortstack.adapters.memory.events import MemoryEventPublisher
    from shortstack.domain.clock import utc_now
    from shortstack.service_layer.links import LinksService

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        repo = DynamoDBLinkRepository(client, TABLE)
        links = LinksService(repo, MemoryEventPublisher())
        typical = links.create(
            "user-7f3a9c",
            url="https://www.example.com/blog/2026/launch?utm_source=newsletter&utm_medium=email",
            title="Launch post",
            tags=["launch", "newsletter"],
        )
        longest = links.create("user-7f3a9c", url="https://www.example.com/" + "a" * 2024)

        calls: Counter[str] = Counter()
        client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.update([model.name])
        )

        def count(run: Callable[[str], Any], short_id: str) -> dict[str, float]:
            calls.clear()
            for _ in range(args.redirects):
                run(short_id)
            return {operation: n / args.redirects for operation, n in calls.items()}

        def option_a(short_id: str) -> None:
            client.get_item(TableName=TABLE, Key=_key(keys, short_id), ConsistentRead=False)
            client.update_item(
                TableName=TABLE,
                Key=_key(keys, short_id),
                UpdateExpression="ADD click_count :one",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

        def option_b(short_id: str) -> None:
            repo.record_click(short_id, utc_now())

        def option_c(short_id: str) -> None:
            client.get_item(TableName=TABLE, Key=_key(keys, short_id), ConsistentRead=False)

        print(f"{args.redirects} redirects per option on moto; item sizes by DynamoDB's rules\n")
        for label, link in (("typical link", typical), ("2 KB URL", longest)):
            raw = client.get_item(TableName=TABLE, Key=_key(keys, link.short_id))["Item"]
            size = item_size(raw)
            wru = write_units(size) * 2  # the table item, and its GSI1 entry (projection ALL)
            rru = read_units_eventual(size)
            print(f"### {label}: item {size} bytes\n")
            print(
                "| option | requests per redirect | RRU | WRU (table + GSI1) "
                "| DynamoDB $ per million redirects | max_visits exact |\n|---|---|---|---|---|---|"
            )
            rows = (
                ("(a) GetItem (eventual) + UpdateItem ADD", option_a, rru, wru, "no"),
                ("(b) one conditional UpdateItem, ALL_NEW", option_b, 0.0, wru, "yes"),
                ("(c) GetItem (eventual) + event; count folded later", option_c, rru, 0.0, "no"),
            )
            for name, run, reads, writes, exact in rows:
                requests = count(run, link.short_id)
                described = ", ".join(f"{n:g} {op}" for op, n in sorted(requests.items()))
                cost = reads * RRU_USD_PER_MILLION + writes * WRU_USD_PER_MILLION
                print(f"| {name} | {described} | {reads:g} | {writes:g} | {cost:.4f} | {exact} |")
            for batch in (1, 10):
                folded = wru / batch * WRU_USD_PER_MILLION
                print(
                    f"| (c) + consumer folding {batch} click(s) per UpdateItem | 1/{batch} "
                    f"UpdateItem | 0 | {wru / batch:g} | +{folded:.4f} | no |"
                )
            print()
        final = repo.get(typical.short_id)
        assert final is not None
        print(f"(sanity: the typical link counted {final.click_count} clicks from (a) and (b))")
    return 0


def _key(keys: Any, short_id: str) -> dict[str, Any]:
    key = keys.link_key(short_id)
    return {"PK": {"S": key["PK"]}, "SK": {"S": key["SK"]}}


if __name__ == "__main__":
    sys.exit(main())
