"""The DynamoDB batch loader's retry of unprocessed keys and items (moto never throttles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.adapters.dynamodb import batch_writes, link_loader
from shortstack.adapters.dynamodb.links import link_record
from shortstack.domain.errors import ServiceUnavailable
from shortstack.domain.imports import PlannedLink

NOW = datetime(2026, 11, 24, tzinfo=UTC)


class ThrottlingTable:
    """batch_get_item/batch_write_item that leave the first request's last entry unprocessed."""

    def __init__(self, throttled_rounds: int) -> None:
        self.throttled_rounds = throttled_rounds
        self.items: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.calls.append("get")
        return {"Responses": {"t": []}, "UnprocessedKeys": {}}

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.calls.append("write")
        requests = RequestItems["t"]
        if self.throttled_rounds:
            self.throttled_rounds -= 1
            requests, left = requests[:-1], requests[-1:]
        else:
            left = []
        for request in requests:
            item = request["PutRequest"]["Item"]
            self.items[item["PK"]["S"]] = item
        return {"UnprocessedItems": {"t": left} if left else {}}


def planned(count: int) -> list[PlannedLink]:
    return [
        PlannedLink(n, f"id{n:05d}", f"https://example.com/{n}", NOW + timedelta(days=1), False)
        for n in range(count)
    ]


def test_unprocessed_items_are_sent_again_until_all_are_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batch_writes, "BACKOFF_S", 0)
    table = ThrottlingTable(throttled_rounds=3)
    results = link_loader.add_new_links(table, "t", "o", planned(30), NOW, link_record)
    assert results == [None] * 30
    assert len(table.items) == 30
    # one get for 30 ids; 2 batches of 25 + 5, the first throttled 3 times
    assert table.calls == ["get", "write", "write", "write", "write", "write"]


def test_a_table_that_never_takes_the_items_is_a_retryable_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batch_writes, "BACKOFF_S", 0)
    table = ThrottlingTable(throttled_rounds=1_000)
    with pytest.raises(ServiceUnavailable, match="unprocessed"):
        link_loader.add_new_links(table, "t", "o", planned(3), NOW, link_record)
