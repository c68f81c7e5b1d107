"""Capture real stream records from DynamoDB Local into tests/events/ (the consumer's fixtures).

Runs the services on a fresh table in the official DynamoDB Local engine (S3 on
moto for the import's file), reads the table's stream back with GetRecords, and
writes each scenario as the Lambda event the event source mapping would build
from those records: the raw GetRecords JSON plus `eventSourceARN` (the
tumbling-window fields are added by the tests). The records are the engine's,
unedited.

    scripts/dynamodb-local.sh run -- .venv/bin/python scripts/capture_stream_events.py
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "tests" / "events"
TABLE = "shortstack-capture"
BUCKET = "shortstack-capture-imports"


def main() -> int:
    endpoint = os.environ.get("DYNAMODB_LOCAL_ENDPOINT")
    if not endpoint:
        print("run me through scripts/dynamodb-local.sh run -- ...", file=sys.stderr)
        return 2
    for name, value in {
        "AWS_ACCESS_KEY_ID": "capture",
        "AWS_SECRET_ACCESS_KEY": "capture",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }.items():
        os.environ[name] = value
    sys.path.insert(0, str(ROOT))

    import boto3
    from moto import mock_aws

    from shortstack.adapters.aws import make_client
    from shortstack.adapters.dynamodb.table import create_table
    from shortstack.bootstrap import bootstrap
    from shortstack.config import Settings
    from shortstack.domain.links import LinkChanges
    from shortstack.domain.visits import Visit

    dynamodb = make_client("dynamodb", endpoint)
    streams = make_client("dynamodbstreams", endpoint)
    try:
        dynamodb.delete_table(TableName=TABLE)
        dynamodb.get_waiter("table_not_exists").wait(TableName=TABLE)
    except dynamodb.exceptions.ResourceNotFoundException:
        pass
    create_table(dynamodb, TABLE)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings = Settings(
            storage="dynamodb",
            table_name=TABLE,
            aws_endpoint_url=endpoint,
            imports_bucket=BUCKET,
            visitor_hash_salt="capture-salt",
        )
        container = bootstrap(settings)
        scenarios: dict[str, Any] = {}

        def taken(name: str, run: Any) -> None:
            before = _records(streams, dynamodb)
            run()
            scenarios[name] = _records(streams, dynamodb)[len(before) :]

        def link_life() -> None:
            link = container.links.create(
                "user-7f3a9c",
                url="https://www.example.com/blog/2026/launch?utm_source=newsletter",
                alias="launch",
                title="Launch post",
                tags=["launch", "newsletter"],
            )
            for referrer, agent, country, address in (
                ("https://news.ycombinator.com/item?id=1", CHROME, "DE", "198.51.100.10"),
                (None, IPHONE, "FR", "2001:db8::7"),
                ("https://t.co/abc", GOOGLEBOT, None, None),
            ):
                visit = Visit.from_headers(referrer, agent, country, address)
                container.redirects.follow(link.short_id, visit)
            container.links.update("user-7f3a9c", link.short_id, LinkChanges(is_active=False))
            container.links.delete("user-7f3a9c", link.short_id)

        def other_entities() -> None:
            lamp: dict[str, Any] = {"name": "Lamp", "description": None, "category": "Home"}
            item = container.items.create("user-7f3a9c", price=Decimal("19.90"), **lamp)
            from shortstack.domain.items import ItemChanges

            container.items.update("user-7f3a9c", item.item_id, ItemChanges(price=Decimal("17.50")))
            container.items.delete("user-7f3a9c", item.item_id)
            container.users.register(user_id="ann", name="Ann", email="ann@example.com")
            container.users.delete("ann")
            container.imports.submit("user-7f3a9c", b"url\nhttps://a.example/\nnot a url\n")

        taken("ddb_stream_link_lifecycle.json", link_life)
        taken("ddb_stream_items_users_imports.json", other_entities)
        container.close()
    for name, records in scenarios.items():
        (EVENTS / name).write_text(json.dumps({"Records": records}, indent=2) + "\n")
        print(f"{name}: {len(records)} records")
    return 0


CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _records(streams: Any, dynamodb: Any) -> list[dict[str, Any]]:
    from shortstack.adapters.dynamodb.stream_reader import StreamReader

    arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    reader = StreamReader(streams)
    found = [
        record
        for shard, first in reader.shards(arn)
        for record in reader.records(arn, shard, first)
    ]
    return sorted(found, key=lambda record: int(record["dynamodb"]["SequenceNumber"]))


if __name__ == "__main__":
    sys.exit(main())
