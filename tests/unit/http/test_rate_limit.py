"""The local server's per-client-IP limit on creating requests (POSTs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.http.ratelimit import TokenBuckets
from tests.conftest import settings_for
from tests.fakes import FakeMonotonicClock

BOOK = {"name": "Dune", "price": 9.99, "category": "books"}


def test_a_minutes_allowance_passes_then_the_next_waits_for_a_refill() -> None:
    clock = FakeMonotonicClock()
    buckets = TokenBuckets(per_minute=6, clock=clock)
    assert [buckets.take("10.0.0.1") for _ in range(6)] == [None] * 6
    wait_s = buckets.take("10.0.0.1")
    assert wait_s == pytest.approx(10.0)  # 6 per minute: one token every 10 s
    clock.advance(5)
    assert buckets.take("10.0.0.1") == pytest.approx(5.0)
    clock.advance(5)
    assert buckets.take("10.0.0.1") is None
    assert buckets.take("10.0.0.1") is not None


def test_each_address_has_its_own_bucket() -> None:
    buckets = TokenBuckets(per_minute=1, clock=FakeMonotonicClock())
    assert buckets.take("10.0.0.1") is None
    assert buckets.take("10.0.0.1") is not None
    assert buckets.take("10.0.0.2") is None


def test_an_idle_bucket_refills_to_a_minute_at_most() -> None:
    clock = FakeMonotonicClock()
    buckets = TokenBuckets(per_minute=2, clock=clock)
    buckets.take("a")
    clock.advance(3600)
    assert [buckets.take("a") for _ in range(3)][:2] == [None, None]
    assert buckets.take("a") is not None


def test_memory_stays_bounded_under_many_addresses() -> None:
    buckets = TokenBuckets(per_minute=10, max_keys=100, clock=FakeMonotonicClock())
    for n in range(10_000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")
    assert len(buckets) == 100


def test_a_zero_allowance_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        TokenBuckets(per_minute=0)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    container = bootstrap(settings_for("sqlite", tmp_path, rate_limit_creates_per_minute=3))
    with TestClient(create_app(container)) as client:
        yield client


def test_posts_over_the_limit_get_429_with_retry_after_and_store_nothing(
    limited: TestClient,
) -> None:
    statuses = [limited.post("/api/v1/items", json=BOOK).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    refused = limited.post("/api/v1/items", json={**BOOK, "name": "Refused"})
    assert refused.status_code == 429
    assert "per minute" in refused.json()["message"]
    assert int(refused.headers["retry-after"]) >= 1
    # Reads are never limited, and the refused create left nothing behind.
    listed = limited.get("/api/v1/items?limit=100")
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()] == ["Dune"] * 3
    assert limited.post("/shorten", json={"url": "https://example.com/"}).status_code == 429


def test_the_limit_is_documented_on_posts_only(limited: TestClient) -> None:
    paths = limited.get("/openapi.json").json()["paths"]
    assert "429" in paths["/api/v1/items"]["post"]["responses"]
    assert "429" in paths["/shorten"]["post"]["responses"]
    assert "429" not in paths["/api/v1/items"]["get"]["responses"]


def test_without_a_limit_nothing_is_refused_or_documented(client: TestClient) -> None:
    assert {client.post("/api/v1/items", json=BOOK).status_code for _ in range(20)} == {201}
    assert (
        "429"
        not in client.get("/openapi.json").json()["paths"]["/api/v1/items"]["post"]["responses"]
    )
