"""A bulk change of links on DynamoDB: what it bills per action, and its wall time.

For each action of POST /api/v1/links/bulk, `--links` fresh links (a 60-character URL,
two tags, a title) are changed at once through LinksService.change_many on the DynamoDB
adapter. Billing is metered on moto by bench/capacity_meter.py (DynamoDB's size rules,
GSI writes included); the wall time is taken on the engine the tests use when its
endpoint is in the environment, ten writes in flight as the API wires it:

    scripts/dynamodb-local.sh run -- .venv/bin/python -m bench.bulk_change [--links 100]

(without the engine it times moto). docs/decisions/0116 has the figures.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from typing import Any

from bench.capacity_meter import Meter, MeteredDynamoDB
from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.adapters.dynamodb.outbox import StreamUnitOfWork
from shortstack.adapters.dynamodb.table import create_table
from shortstack.domain.clock import utc_now
from shortstack.service_layer.link_bulk import ACTIONS, BulkAction
from shortstack.service_layer.links import LinksService

URL = "https://shop.example.com/campaigns/2026/winter-sale?utm_source=mail"


def _clients() -> tuple[Any, Any, str]:
    """moto's client (for the meter) and the timed engine's (DynamoDB Local, or moto)."""
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, value)
    from moto import mock_aws

    mock_aws().start()  # lets calls to a local endpoint through
    import boto3

    moto = boto3.client("dynamodb", region_name="us-east-1")
    endpoint = os.environ.get("DYNAMODB_LOCAL_ENDPOINT")
    if endpoint:
        from tests.dynamodb_local import wait_until_ready

        return moto, wait_until_ready(endpoint), "DynamoDB Local"
    return moto, moto, "moto"


def action_of(name: str) -> BulkAction:
    if name in ("add_tag", "remove_tag"):
        return BulkAction(name, tag="q4" if name == "remove_tag" else "archived")  # type: ignore[arg-type]
    if name == "set_expiry":
        from datetime import timedelta

        return BulkAction("set_expiry", expires_at=utc_now() + timedelta(days=7))
    return BulkAction(name)  # type: ignore[arg-type]


def run(client: Any, count: int, name: str, workers: int, meter: Meter | None) -> float:
    """Seconds one bulk change of `count` fresh links took (billing into `meter`)."""
    table = f"bench-bulk-{uuid.uuid4().hex[:8]}"
    create_table(client, table)
    plain = LinksService(DynamoDBLinkRepository(client, table), StreamUnitOfWork())
    ids = [
        plain.create("owner", url=URL, tags=["promo", "q4"], title="Winter sale").short_id
        for _ in range(count)
    ]
    used = MeteredDynamoDB(client, client, meter) if meter is not None else client
    service = LinksService(
        DynamoDBLinkRepository(used, table), StreamUnitOfWork(), bulk_workers=workers
    )
    started = time.perf_counter()
    outcomes = service.change_many("owner", [(i, None) for i in ids], action_of(name))
    elapsed = time.perf_counter() - started
    failed = [o for o in outcomes.values() if isinstance(o, Exception)]
    if failed:
        raise RuntimeError(f"{name}: {failed[:3]}")
    client.delete_table(TableName=table)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=100)
    args = parser.parse_args()
    moto, engine, engine_name = _clients()
    for name in ACTIONS:
        meter = Meter()
        run(moto, args.links, name, 1, meter)
        # moto's table is not safe for threads: ten in flight on the engine only.
        seconds = run(engine, args.links, name, 10 if engine is not moto else 1, None)
        requests = ", ".join(f"{op} {n}" for op, n in sorted(meter.requests.items()))
        print(
            f"{name:13} {args.links} links: {meter.wru:g} WRU, {meter.rru:g} RRU ({requests});"
            f" {seconds * 1000:.0f} ms on {engine_name}"
        )


if __name__ == "__main__":
    main()
