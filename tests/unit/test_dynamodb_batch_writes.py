"""Batched writes on DynamoDB: a deleted link's stats and an import's row errors go through
BatchWriteItem, 25 a call, and only what DynamoDB leaves unprocessed is sent again, after
a capped exponential backoff; what stays unprocessed is "not now" (ServiceUnavailable: a
503 on the API, a retried step of the import workflow), never a 500.

moto never leaves anything unprocessed: `UnprocessedFirst` wraps its client to do so.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient

from shortstack.adapters.dynamodb.hot_links import HOT_SHARDS
from shortstack.adapters.dynamodb.imports import DynamoDBImportRepository
from shortstack.adapters.dynamodb.stats import delete_link_stats
from shortstack.adapters.workflow.tasks import is_transient
from shortstack.domain.errors import ServiceUnavailable
from shortstack.domain.imports import RowError
from tests.conftest import TABLE_NAME, settings_for
from tests.stats_support import link_stats_left, write_link_stats

SHORT_ID = "abc1234"


class UnprocessedFirst:
    """moto's client, counting calls, whose first `rounds` BatchWriteItem calls leave their
    last request unprocessed (as DynamoDB does for a partition over its throughput)."""

    def __init__(self, inner: Any, rounds: int) -> None:
        self._inner = inner
        self.rounds = rounds
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()  # an import's row errors are written by 8 threads

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._inner, name)

        def counted(**request: Any) -> Any:
            self.calls[name] += 1
            return method(**request)

        return counted

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        [(table, requests)] = RequestItems.items()
        left: list[Any] = []
        with self._lock:
            self.calls["batch_write_item"] += 1
            if self.rounds:
                self.rounds -= 1
                requests, left = requests[:-1], requests[-1:]
        if requests:
            self._inner.batch_write_item(RequestItems={table: requests})
        return {"UnprocessedItems": {table: left} if left else {}}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoffs slept, instead of sleeping them."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def stats_of_a_link(client: Any, days: int) -> int:
    """`days` days of the link's stats, their months and shards, and a day of another link."""
    write_link_stats(client, TABLE_NAME, "other01", 1)
    return write_link_stats(client, TABLE_NAME, SHORT_ID, days)


def stats_left(client: Any, short_id: str = SHORT_ID) -> int:
    return link_stats_left(client, TABLE_NAME, short_id)


def test_a_link_with_400_days_of_stats_is_forgotten_in_19_calls(moto_dynamodb: Any) -> None:
    stored = stats_of_a_link(moto_dynamodb, 400)
    assert stored == 400 + 14 + HOT_SHARDS  # 2025-01 to 2026-02: 14 months
    client: Any = UnprocessedFirst(moto_dynamodb, rounds=0)
    delete_link_stats(client, TABLE_NAME, SHORT_ID)
    # One Query of the keys, one BatchGetItem of the shards, 424 deletes 25 at a time.
    assert client.calls == {"query": 1, "batch_get_item": 1, "batch_write_item": 17}
    assert stats_left(moto_dynamodb) == 0
    assert stats_left(moto_dynamodb, "other01") == 1 + 1 + HOT_SHARDS


def test_deletes_left_unprocessed_are_sent_again_backing_off(
    moto_dynamodb: Any, sleeps: list[float]
) -> None:
    stats_of_a_link(moto_dynamodb, 30)
    client: Any = UnprocessedFirst(moto_dynamodb, rounds=3)
    delete_link_stats(client, TABLE_NAME, SHORT_ID)
    assert stats_left(moto_dynamodb) == 0
    # 41 keys: batches of 25 and 16, the first left one request three times.
    assert client.calls["batch_write_item"] == 2 + 3
    assert sleeps == [0.05, 0.1, 0.2]


def test_deletes_that_stay_unprocessed_are_not_now_rather_than_a_failure(
    moto_dynamodb: Any, sleeps: list[float]
) -> None:
    stats_of_a_link(moto_dynamodb, 30)
    client: Any = UnprocessedFirst(moto_dynamodb, rounds=1_000)
    with pytest.raises(ServiceUnavailable, match="unprocessed"):
        delete_link_stats(client, TABLE_NAME, SHORT_ID)
    assert client.calls["batch_write_item"] == 8
    # Capped exponential: 5.15 s in all before the 503.
    assert sleeps == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0]


def test_row_errors_left_unprocessed_are_sent_again(
    moto_dynamodb: Any, sleeps: list[float]
) -> None:
    client: Any = UnprocessedFirst(moto_dynamodb, rounds=2)
    repo = DynamoDBImportRepository(client, TABLE_NAME)
    repo.add_errors("imp1", [RowError(row, "bad") for row in range(2, 62)])
    page = repo.list_errors("imp1", limit=100, cursor=None)
    assert [error.row for error in page.items] == list(range(2, 62))
    assert client.calls["batch_write_item"] == 3 + 2
    assert len(sleeps) == 2


def test_row_errors_that_stay_unprocessed_are_a_step_the_workflow_retries(
    moto_dynamodb: Any, sleeps: list[float]
) -> None:
    client: Any = UnprocessedFirst(moto_dynamodb, rounds=1_000)
    repo = DynamoDBImportRepository(client, TABLE_NAME)
    with pytest.raises(ServiceUnavailable) as raised:
        repo.add_errors("imp1", [RowError(2, "bad")])
    assert is_transient(raised.value)


def test_a_delete_whose_stats_stay_unprocessed_answers_503_in_json(
    moto_dynamodb: Any, sleeps: list[float], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the app on DynamoDB: the link is gone (a retry answers 404) and LinkDeleted's
    handler removes the stats later; the client is told "not now", not a 500."""
    from fastapi.testclient import TestClient

    from shortstack.bootstrap import bootstrap
    from shortstack.entrypoints.http.app import create_app

    container = bootstrap(settings_for("dynamodb", tmp_path))
    with TestClient(create_app(container)) as http:
        made = http.post("/api/v1/links", json={"url": "https://example.com/", "alias": "gone1"})
        assert made.status_code == 201
        write_link_stats(moto_dynamodb, TABLE_NAME, "gone1", 30)
        original = BaseClient._make_api_call

        def unprocessed(client: Any, operation: str, request: dict[str, Any]) -> Any:
            if operation == "BatchWriteItem":
                return {"UnprocessedItems": request["RequestItems"]}
            return original(client, operation, request)

        monkeypatch.setattr(BaseClient, "_make_api_call", unprocessed)
        answer = http.delete("/api/v1/links/gone1")
        assert answer.status_code == 503
        assert "unprocessed" in answer.json()["message"]
        assert len(sleeps) == 7
        assert http.delete("/api/v1/links/gone1").status_code == 404
    container.close()
