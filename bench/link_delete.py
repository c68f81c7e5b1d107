"""Deleting a link's stats on DynamoDB: the calls one API DELETE makes, and its wall time.

A link with `--days` day items, their months and every hot-link counter shard is
written to a fresh table, then `delete_link_stats` (what `DELETE /api/v1/links/{id}`
runs after deleting the link) removes them; the calls are counted through botocore's
event hooks. Against the DynamoDB Local engine the tests use:

    scripts/dynamodb-local.sh run -- .venv/bin/python -m bench.link_delete [--days 400]

(without the engine's endpoint in the environment it runs on moto). The code before a
change: the same command with `PYTHONPATH=<a checkout of the older commit>/src`.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections import Counter
from typing import Any

from tests.stats_support import link_stats_left, write_link_stats

from shortstack.adapters.dynamodb.stats import delete_link_stats
from shortstack.adapters.dynamodb.table import create_table

SHORT_ID = "bench01"


def _client() -> tuple[Any, str]:
    # Test credentials in a test region: the engine (or moto) takes any.
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, value)
    endpoint = os.environ.get("DYNAMODB_LOCAL_ENDPOINT")
    if endpoint:
        from tests.dynamodb_local import wait_until_ready

        return wait_until_ready(endpoint), "DynamoDB Local"
    from moto import mock_aws

    mock_aws().start()
    import boto3

    return boto3.client("dynamodb", region_name="us-east-1"), "moto"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    client, engine = _client()
    calls: Counter[str] = Counter()
    for run in range(args.runs):
        table = f"bench-delete-{uuid.uuid4().hex[:8]}"
        create_table(client, table)
        stored = write_link_stats(client, table, SHORT_ID, args.days)
        calls.clear()

        def count(model: Any, **_: Any) -> None:
            calls[model.name] += 1

        client.meta.events.register("before-call.dynamodb", count)
        started = time.perf_counter()
        delete_link_stats(client, table, SHORT_ID)
        elapsed = time.perf_counter() - started
        client.meta.events.unregister("before-call.dynamodb", count)
        left = link_stats_left(client, table, SHORT_ID)
        print(
            f"{engine} run {run + 1}: {stored} items ({args.days} days), "
            f"{sum(calls.values())} calls {dict(sorted(calls.items()))}, "
            f"{elapsed * 1000:.0f} ms, {left} left"
        )
        client.delete_table(TableName=table)


if __name__ == "__main__":
    main()
