"""ItemRepository contract: the same cases on memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.bootstrap import Adapters
from shortstack.config import Settings
from shortstack.domain.errors import Conflict, InvalidCursor, ItemNotFound, PreconditionFailed
from shortstack.domain.items import PRICE_MAX, PRICE_MIN, ItemChanges, create_item
from shortstack.domain.pagination import encode_cursor
from shortstack.domain.preconditions import TAGS_MAX, Expected, entity_tag
from tests.concurrency import race
from tests.contract.conftest import none_of, only, present

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make(owner: str = "alice", n: int = 0, category: str = "Books", **fields: Any) -> Any:
    return create_item(
        owner=owner,
        name=fields.get("name", f"item {n}"),
        description=fields.get("description"),
        price=fields.get("price", Decimal("9.99")),
        category=category,
        now=T0 + timedelta(seconds=n),
    )


def test_add_then_get_round_trips_every_field(adapters: Adapters) -> None:
    repo = adapters.items
    item = make(description="with ünïcödé ✓ and a # sign", price=Decimal("1234.5"))
    repo.add(item)
    assert repo.get("alice", item.item_id) == item


def test_get_of_another_owners_item_is_none(adapters: Adapters) -> None:
    repo = adapters.items
    item = make()
    repo.add(item)
    assert repo.get("mallory", item.item_id) is None
    assert repo.get("alice", "no-such-id") is None


def test_adding_an_existing_id_conflicts_and_keeps_the_original(adapters: Adapters) -> None:
    repo = adapters.items
    item = make()
    repo.add(item)
    with pytest.raises(Conflict):
        repo.add(replace(item, name="impostor"))
    assert present(repo.get("alice", item.item_id)).name == item.name


def test_update_changes_only_given_fields(adapters: Adapters) -> None:
    repo = adapters.items
    item = make(description="keep me")
    repo.add(item)
    later = T0 + timedelta(hours=1)
    updated = repo.update("alice", item.item_id, ItemChanges(price=Decimal("5")), later)
    assert updated.price == Decimal("5")
    assert updated.name == item.name
    assert updated.description == "keep me"
    assert updated.updated_at == later
    assert updated.created_at == item.created_at
    assert repo.get("alice", item.item_id) == updated


def test_update_can_clear_the_description(adapters: Adapters) -> None:
    repo = adapters.items
    item = make(description="old")
    repo.add(item)
    updated = repo.update("alice", item.item_id, ItemChanges(clear_description=True), T0)
    assert updated.description is None
    assert present(repo.get("alice", item.item_id)).description is None


def test_update_of_missing_or_foreign_item_raises(adapters: Adapters) -> None:
    repo = adapters.items
    item = make()
    repo.add(item)
    with pytest.raises(ItemNotFound):
        repo.update("alice", "missing", ItemChanges(name="x"), T0)
    with pytest.raises(ItemNotFound):
        repo.update("mallory", item.item_id, ItemChanges(name="x"), T0)
    assert present(repo.get("alice", item.item_id)).name == item.name


def test_category_change_moves_the_item_between_category_listings(adapters: Adapters) -> None:
    repo = adapters.items
    item = make(category="Books")
    repo.add(item)
    repo.update("alice", item.item_id, ItemChanges(category="Games"), T0)
    assert repo.list("alice", category="Books", limit=10, cursor=None).items == []
    games = repo.list("alice", category="Games", limit=10, cursor=None).items
    assert [i.item_id for i in games] == [item.item_id]


def test_delete(adapters: Adapters) -> None:
    repo = adapters.items
    item = make()
    repo.add(item)
    assert repo.delete("mallory", item.item_id) is False
    assert repo.delete("alice", item.item_id) is True
    assert repo.delete("alice", item.item_id) is False
    assert repo.get("alice", item.item_id) is None


def test_list_pages_newest_first_without_gaps_or_repeats(adapters: Adapters) -> None:
    repo = adapters.items
    created = [make(n=n) for n in range(7)]
    for item in created:
        repo.add(item)
    repo.add(make(owner="bob", n=100))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = repo.list("alice", category=None, limit=3, cursor=cursor)
        seen.extend(i.item_id for i in page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [i.item_id for i in reversed(created)]
    assert pages == 3


def test_exact_page_size_has_no_next_cursor(adapters: Adapters) -> None:
    repo = adapters.items
    for n in range(3):
        repo.add(make(n=n))
    page = repo.list("alice", category=None, limit=3, cursor=None)
    assert len(page.items) == 3
    assert page.next_cursor is None


def test_list_by_category_only_returns_that_category(adapters: Adapters) -> None:
    repo = adapters.items
    for n in range(4):
        repo.add(make(n=n, category="Books" if n % 2 else "Games"))
    books = repo.list("alice", category="Books", limit=10, cursor=None).items
    assert {i.category for i in books} == {"Books"}
    assert len(books) == 2


def test_category_with_separator_characters_does_not_leak(adapters: Adapters) -> None:
    repo = adapters.items
    repo.add(make(n=1, category="A#B"))
    repo.add(make(n=2, category="A"))
    assert len(repo.list("alice", category="A#B", limit=10, cursor=None).items) == 1
    assert len(repo.list("alice", category="A", limit=10, cursor=None).items) == 1


@pytest.mark.parametrize("cursor", ["garbage", "e30", "eyJrIjoxfQ", "!!!", "x" * 2000])
def test_invalid_cursor_is_rejected(adapters: Adapters, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        adapters.items.list("alice", category=None, limit=10, cursor=cursor)


def test_concurrent_partial_updates_lose_no_field(adapters: Adapters) -> None:
    repo = adapters.items
    item = make(description="d0")
    repo.add(item)
    changes = [
        ItemChanges(name="new name"),
        ItemChanges(price=Decimal("42")),
        ItemChanges(category="Games"),
        ItemChanges(description="new description"),
    ]
    barrier = threading.Barrier(len(changes))
    errors: list[BaseException] = []

    def apply(change: ItemChanges) -> None:
        try:
            barrier.wait()
            repo.update("alice", item.item_id, change, T0 + timedelta(minutes=1))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=apply, args=(c,)) for c in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    final = present(repo.get("alice", item.item_id))
    assert (final.name, final.price, final.category, final.description) == (
        "new name",
        Decimal("42"),
        "Games",
        "new description",
    )


@pytest.mark.parametrize(
    "price",
    [PRICE_MIN, PRICE_MAX, Decimal("0.30000000000000004"), Decimal("123456789.123456789")],
)
def test_every_price_the_domain_accepts_round_trips(adapters: Adapters, price: Decimal) -> None:
    repo = adapters.items
    item = make(price=price)
    repo.add(item)
    assert present(repo.get("alice", item.item_id)).price == price
    repo.update("alice", item.item_id, ItemChanges(price=price), T0)
    assert present(repo.get("alice", item.item_id)).price == price


@pytest.mark.parametrize("position", ["x#y", "a#b#c", "2026-01-01T00:00:00.000Z#nope", "\x00#\x00"])
def test_a_forged_cursor_never_reaches_another_owners_items(
    adapters: Adapters, position: str
) -> None:
    repo = adapters.items
    repo.add(make(owner="bob", n=1))
    repo.add(make(owner="alice", n=2))
    try:
        page = repo.list("alice", category=None, limit=10, cursor=encode_cursor({"k": position}))
    except InvalidCursor:
        return
    assert {item.owner for item in page.items} <= {"alice"}


def test_each_update_moves_the_version_and_a_stale_one_changes_nothing(
    adapters: Adapters,
) -> None:
    repo = adapters.items
    item = make()
    repo.add(item)
    first = repo.update("alice", item.item_id, ItemChanges(name="one", expected=Expected(None)), T0)
    assert first.version == item.version + 1
    second = repo.update(
        "alice", item.item_id, ItemChanges(name="two", expected=only(first.version)), T0
    )
    assert second.version == first.version + 1
    with pytest.raises(PreconditionFailed) as refused:
        repo.update(
            "alice", item.item_id, ItemChanges(name="lost", expected=only(item.version)), T0
        )
    assert refused.value.current_tag == entity_tag(second.version)
    with pytest.raises(PreconditionFailed):
        repo.delete("alice", item.item_id, only(first.version))
    assert present(repo.get("alice", item.item_id)) == second


def test_a_condition_no_version_meets_refuses_and_a_missing_item_is_not_found_first(
    adapters: Adapters,
) -> None:
    repo = adapters.items
    item = make()
    repo.add(item)
    never = Expected(frozenset())
    with pytest.raises(PreconditionFailed):
        repo.update("alice", item.item_id, ItemChanges(name="x", expected=never), T0)
    with pytest.raises(ItemNotFound):
        repo.update("mallory", item.item_id, ItemChanges(name="x", expected=never), T0)
    assert repo.delete("mallory", item.item_id, never) is False
    assert repo.delete("alice", "missing", never) is False
    assert repo.delete("alice", item.item_id, only(1, item.version)) is True


@pytest.mark.parametrize("names", [(), ("version",), ("version", 0)])
def test_if_none_match_refuses_a_write_to_a_version_it_names_or_any_with_star(
    adapters: Adapters, names: tuple[str | int, ...]
) -> None:
    repo, item = adapters.items, make()
    repo.add(item)
    refused_by = none_of(*(item.version if name == "version" else int(name) for name in names))
    with pytest.raises(PreconditionFailed, match="If-None-Match"):
        repo.update("alice", item.item_id, ItemChanges(name="x", expected=refused_by), T0)
    with pytest.raises(PreconditionFailed, match="If-None-Match"):
        repo.delete("alice", item.item_id, refused_by)
    assert repo.delete("mallory", item.item_id, refused_by) is False
    renamed = ItemChanges(name="one", expected=none_of(item.version + 1))
    assert repo.update("alice", item.item_id, renamed, T0).name == "one"
    assert repo.delete("alice", item.item_id, none_of(item.version)) is True


def test_a_write_naming_the_most_tags_both_headers_take_is_answered(adapters: Adapters) -> None:
    """TAGS_MAX versions in If-Match and as many in If-None-Match: within what one DynamoDB
    condition takes (100 operands an IN), so a 412 or a write, never a store's error."""
    repo, item = adapters.items, make()
    repo.add(item)
    others = frozenset(range(1, TAGS_MAX))
    both = Expected(others | {item.version}, frozenset(range(TAGS_MAX, 2 * TAGS_MAX)))
    assert repo.update("alice", item.item_id, ItemChanges(name="y", expected=both), T0).name == "y"
    with pytest.raises(PreconditionFailed):
        repo.delete("alice", item.item_id, Expected(others, others))


def test_an_item_written_before_versions_is_version_0_and_can_be_matched(
    adapters: Adapters, dynamodb_client: Any, store_settings: Settings
) -> None:
    repo = adapters.items
    item = replace(make(), version=0)
    repo.add(item)
    if dynamodb_client is not None:  # an old record has no version attribute at all
        dynamodb_client.update_item(
            TableName=store_settings.table_name,
            Key=to_attributes(keys.item_key(item.item_id)),
            UpdateExpression="REMOVE version",
        )
    assert present(repo.get("alice", item.item_id)).version == 0
    updated = repo.update("alice", item.item_id, ItemChanges(name="x", expected=only(0)), T0)
    assert updated.version == 1


def test_racing_updates_with_one_if_match_let_exactly_one_through(adapters: Adapters) -> None:
    repo = adapters.items
    item = make()
    repo.add(item)
    expected = only(item.version)

    def update(n: int) -> str:
        change = ItemChanges(name=f"writer {n}", expected=expected)
        try:
            repo.update("alice", item.item_id, change, T0)
        except PreconditionFailed:
            return "412"
        return "200"

    outcomes = race(12, update)
    assert sorted(outcomes) == ["200"] + ["412"] * 11
    assert present(repo.get("alice", item.item_id)).version == item.version + 1
