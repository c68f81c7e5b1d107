"""What a redirect and a listing page cost on DynamoDB, counted around the real adapters.

Latency under moto means nothing, so this counts what AWS bills, with
bench/capacity_meter.py wrapped around the client the adapters use: requests,
read and write request units from the real item sizes and DynamoDB's documented
rules (below), index writes included. Three redirect designs (decision 0100) are
compared on the same links:

- (a) eventually consistent GetItem, then an atomic `ADD click_count 1`;
- (b) one conditional UpdateItem that counts and records the click (chosen);
- (c) eventually consistent GetItem; the count would be folded in later.

Size rules: a string is its UTF-8 bytes, a number about one byte per two digits
plus one, every attribute name counts too; a write is 1 WRU per started KB of the
larger of the item before and after; an eventually consistent read 0.5 RRU per
started 4 KB; a Query bills the summed size of what it returns.

    python -m bench.dynamodb_costs [--redirects 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bench.item_sizes import item_size

WRU_USD_PER_MILLION = 0.625
RRU_USD_PER_MILLION = 0.125
TABLE = "shortstack-costs"
LISTING_PAGE = 50
TYPICAL = {
    "url": "https://www.example.com/blog/2026/launch?utm_source=newsletter&utm_medium=email",
    "title": "Launch post",
    "tags": ["launch", "newsletter"],
}
# A common desktop browser's header, and the facts a click through CloudFront records.
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
REFERRER = "https://news.ycombinator.com/item?id=42424242"


def usd_per_million(rru: float, wru: float) -> float:
    return rru * RRU_USD_PER_MILLION + wru * WRU_USD_PER_MILLION


def measure(redirects: int) -> dict[str, Any]:
    """Per-redirect and per-listing-page figures of the typical link and of a 2 KB URL."""
    from bench.common import offline_aws_credentials

    offline_aws_credentials()

    import boto3
    from moto import mock_aws

    from bench.capacity_meter import Meter, MeteredDynamoDB
    from shortstack.adapters.dynamodb import keys
    from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
    from shortstack.adapters.dynamodb.table import create_table
    from shortstack.adapters.memory.events import MemoryEventPublisher
    from shortstack.domain.clock import utc_now
    from shortstack.domain.visits import Click, Visit
    from shortstack.service_layer.events import PublishingUnitOfWork
    from shortstack.service_layer.links import LinksService

    meter = Meter()
    with mock_aws():
        raw = boto3.client("dynamodb", region_name="us-east-1")
        create_table(raw, TABLE)
        metered = MeteredDynamoDB(raw, raw, meter)
        repo = DynamoDBLinkRepository(metered, TABLE)
        links = LinksService(repo, PublishingUnitOfWork(MemoryEventPublisher()))
        typical = links.create("user-7f3a9c", **TYPICAL)  # type: ignore[arg-type]
        longest = links.create("user-7f3a9c", url="https://www.example.com/" + "a" * 2024)
        visit = Visit.from_headers(REFERRER, USER_AGENT, "DE", "198.51.100.10")

        def per_call(run: Any, times: int) -> dict[str, Any]:
            meter.reset()
            for _ in range(times):
                run()
            return {
                "requests": {op: n / times for op, n in sorted(meter.requests.items())},
                "rru": meter.rru / times,
                "wru": meter.wru / times,
            }

        def key(short_id: str) -> dict[str, Any]:
            link_key = keys.link_key(short_id)
            return {"PK": {"S": link_key["PK"]}, "SK": {"S": link_key["SK"]}}

        figures: dict[str, Any] = {}
        for label, link in (("typical link", typical), ("2 KB URL", longest)):

            def design_a(short_id: str = link.short_id) -> None:
                metered.get_item(TableName=TABLE, Key=key(short_id), ConsistentRead=False)
                metered.update_item(
                    TableName=TABLE,
                    Key=key(short_id),
                    UpdateExpression="ADD click_count :one",
                    ConditionExpression="attribute_exists(PK)",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )

            def design_b(short_id: str = link.short_id) -> None:
                repo.record_click(short_id, Click.of(visit, utc_now(), "salt"))

            def design_c(short_id: str = link.short_id) -> None:
                metered.get_item(TableName=TABLE, Key=key(short_id), ConsistentRead=False)

            rows = {
                "(a) GetItem + UpdateItem ADD": per_call(design_a, redirects),
                "(b) one conditional UpdateItem (chosen)": per_call(design_b, redirects),
                "(c) GetItem, count folded later": per_call(design_c, redirects),
            }
            stored = raw.get_item(TableName=TABLE, Key=key(link.short_id))["Item"]
            figures[label] = {"item_bytes_after_a_click": item_size(stored), "designs": rows}

        for n in range(LISTING_PAGE - 2):
            links.create("user-7f3a9c", **{**TYPICAL, "title": f"Post {n}"})  # type: ignore[arg-type]
        figures["listing page"] = {
            "links": LISTING_PAGE,
            **per_call(lambda: links.list("user-7f3a9c", limit=LISTING_PAGE), 5),
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redirects", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = measure(args.redirects)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{args.redirects} redirects per design on moto, metered by DynamoDB's rules\n")
    for label in ("typical link", "2 KB URL"):
        found = figures[label]
        print(f"### {label}: item {found['item_bytes_after_a_click']} bytes with a click's facts\n")
        print("| design | requests per redirect | RRU | WRU | DynamoDB $ per million |")
        print("|---|---|---|---|---|")
        for name, row in found["designs"].items():
            requests = ", ".join(f"{n:g} {op}" for op, n in row["requests"].items())
            cost = usd_per_million(row["rru"], row["wru"])
            print(f"| {name} | {requests} | {row['rru']:g} | {row['wru']:g} | {cost:.4f} |")
        print()
    page = figures["listing page"]
    requests = ", ".join(f"{n:g} {op}" for op, n in page["requests"].items())
    cost = usd_per_million(page["rru"], page["wru"])
    print(
        f"listing page of {page['links']} links: {requests}; {page['rru']:g} RRU, "
        f"{page['wru']:g} WRU; ${cost:.2f} per million pages"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
