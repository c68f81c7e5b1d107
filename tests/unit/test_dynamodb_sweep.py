"""The resumable maintenance Scan of the DynamoDB table, on moto."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.adapters.dynamodb.sweep import Sweep, sweep
from shortstack.domain.links import create_link
from tests.conftest import TABLE_NAME

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def add_link(links: Any, short_id: str, expires_at: datetime) -> None:
    link = create_link(
        short_id=short_id, owner="alice", url="https://example.com/", now=NOW, expires_at=NOW
    )
    links.add(replace(link, expires_at=expires_at))


def test_a_sweep_resumes_where_the_last_run_stopped(moto_dynamodb: Any) -> None:
    links = DynamoDBLinkRepository(moto_dynamodb, TABLE_NAME)
    ids = [f"sweep{n:02d}" for n in range(7)]
    for short_id in ids:
        add_link(links, short_id, NOW - timedelta(days=40))
    plan = Sweep(
        name="test",
        filter_expression="SK = :link",
        names={},
        values={":link": "LINK"},
        projection="PK",
        max_pages=2,
        page_items=2,
    )
    client = moto_dynamodb
    seen: list[str] = []
    for _ in range(10):
        batch = [item["PK"]["S"] for item in sweep(client, TABLE_NAME, plan)]
        assert len(batch) <= 4  # two pages of two items read
        seen.extend(batch)
        if len(set(seen)) == len(ids) and len(batch) < 4:
            break
    assert sorted(set(seen)) == [f"LINK#{s}" for s in ids]
    assert len(seen) == len(ids)  # every item once: each run went on from the saved cursor
