"""OrphanVisitRepository contract: counters per key, a daily cap on new keys, newest-day paging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from shortstack.bootstrap import Adapters
from shortstack.config import Settings
from shortstack.domain.clock import utc_now
from shortstack.domain.errors import InvalidCursor
from shortstack.domain.orphan_visits import OrphanVisitKey, forget_after
from shortstack.domain.pagination import encode_cursor
from shortstack.service_layer.ports import OrphanVisitRepository

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The DynamoDB listing walks back from today, over the days the TTL may still hold.
TODAY = utc_now().date()
CAP = 1000


@pytest.fixture
def repo(adapters: Adapters) -> OrphanVisitRepository:
    return adapters.orphan_visits


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def key(
    path: str, day: date = TODAY, referrer: str = "(direct)", browser: str = "Chrome"
) -> OrphanVisitKey:
    return OrphanVisitKey(day, path, referrer, browser)


def record(repo: OrphanVisitRepository, k: OrphanVisitKey, hour: int = 9, cap: int = CAP) -> bool:
    return repo.record(k, at(k.day, hour), daily_keys=cap, forget_after=forget_after(k.day, 30))


def everything(repo: OrphanVisitRepository, limit: int = 100) -> list[tuple[OrphanVisitKey, int]]:
    found: list[tuple[OrphanVisitKey, int]] = []
    cursor: str | None = None
    while True:
        page = repo.list(limit=limit, cursor=cursor)
        found.extend((row.key, row.visits) for row in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return found


def test_repeated_visits_of_one_key_add_up_and_keep_the_last_time(
    repo: OrphanVisitRepository,
) -> None:
    for hour in (9, 11, 10):
        assert record(repo, key("nope"), hour)
    [row] = repo.list(limit=10, cursor=None).items
    assert (row.key, row.visits) == (key("nope"), 3)
    assert row.last_visit_at >= at(TODAY, 10)


def test_referrer_and_browser_are_part_of_the_key(repo: OrphanVisitRepository) -> None:
    record(repo, key("nope"))
    record(repo, key("nope", referrer="example.com"))
    record(repo, key("nope", browser="curl"))
    record(repo, key("nope", browser="curl"))
    assert sorted((k.referrer_host, k.browser, n) for k, n in everything(repo)) == [
        ("(direct)", "Chrome", 1),
        ("(direct)", "curl", 2),
        ("example.com", "Chrome", 1),
    ]


def test_the_listing_is_newest_day_first_then_by_path_and_pages_cover_it_once(
    repo: OrphanVisitRepository,
) -> None:
    days = [TODAY - timedelta(days=n) for n in (0, 1, 5)]
    for day in reversed(days):
        for path in ("b-path", "a-path", "c-path"):
            record(repo, key(path, day))
    expected = [key(path, day) for day in days for path in ("a-path", "b-path", "c-path")]
    assert [k for k, _ in everything(repo, limit=100)] == expected
    assert [k for k, _ in everything(repo, limit=2)] == expected
    first = repo.list(limit=4, cursor=None)
    assert len(first.items) == 4
    assert first.next_cursor is not None
    assert repo.list(limit=9, cursor=None).next_cursor is None


def test_a_day_takes_new_keys_up_to_its_cap_and_known_keys_still_count(
    repo: OrphanVisitRepository,
) -> None:
    yesterday = TODAY - timedelta(days=1)
    assert all(record(repo, key(f"p{n}"), cap=3) for n in range(3))
    assert not record(repo, key("p3"), cap=3)
    assert not record(repo, key("p0", referrer="other.example"), cap=3)
    assert record(repo, key("p0"), cap=3)
    assert record(repo, key("p3", yesterday), cap=3)  # another day has its own places
    counted = dict(everything(repo))
    assert counted == {key("p0"): 2, key("p1"): 1, key("p2"): 1, key("p3", yesterday): 1}


def test_a_cursor_that_is_not_ours_is_refused(repo: OrphanVisitRepository) -> None:
    record(repo, key("nope"))
    for cursor in (
        "garbage",
        encode_cursor({"k": "x"}),
        encode_cursor({"d": "no-day", "p": "a", "r": "b", "b": "c"}),
    ):
        with pytest.raises(InvalidCursor):
            repo.list(limit=10, cursor=cursor)


def test_old_days_are_forgotten_by_the_store_or_its_ttl(
    repo: OrphanVisitRepository,
    store_settings: Settings,
    dynamodb_client: DynamoDBClient | None,
) -> None:
    old, recent = TODAY - timedelta(days=3), TODAY - timedelta(days=1)
    record(repo, key("old", old))
    record(repo, key("recent", recent))
    if dynamodb_client is None:
        assert repo.forget_before(recent) == 1
        assert [k for k, _ in everything(repo)] == [key("recent", recent)]
        return
    items = dynamodb_client.scan(TableName=store_settings.table_name)["Items"]
    orphan_items = [item for item in items if item["PK"]["S"].startswith("ORPHAN")]
    assert orphan_items
    assert all("ttl" in item for item in orphan_items)
    assert all("entity" not in item for item in orphan_items)  # the stream's filter skips them
    expected = int(forget_after(old, 30).timestamp())
    assert {
        int(item["ttl"]["N"]) for item in orphan_items if old.isoformat() in item["PK"]["S"]
    } == {expected}


def test_several_visits_are_added_in_one_call(repo: OrphanVisitRepository) -> None:
    k = key("nope")
    assert repo.record(k, at(TODAY), daily_keys=CAP, forget_after=forget_after(TODAY, 30), visits=5)
    assert repo.record(k, at(TODAY), daily_keys=CAP, forget_after=forget_after(TODAY, 30), visits=2)
    assert everything(repo) == [(k, 7)]
