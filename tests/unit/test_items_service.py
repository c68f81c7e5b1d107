"""Items use cases against the in-memory fakes: rules, events, ownership."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.items import MemoryItemRepository
from shortstack.domain.errors import InvalidInput, ItemNotFound
from shortstack.domain.items import ItemChanges
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.items import ItemsService
from tests.fakes import FakeClock


@pytest.fixture
def publisher() -> MemoryEventPublisher:
    return MemoryEventPublisher()


@pytest.fixture
def service(publisher: MemoryEventPublisher) -> ItemsService:
    return ItemsService(
        MemoryItemRepository(),
        PublishingUnitOfWork(publisher),
        FakeClock(step=timedelta(seconds=1)),
    )


def add(service: ItemsService, owner: str = "alice", **fields: object) -> str:
    values: dict[str, object] = {
        "name": "Lamp",
        "description": None,
        "price": Decimal("20"),
        "category": "Home",
    } | fields
    return service.create(owner, **values).item_id  # type: ignore[arg-type]


def test_create_publishes_item_created(
    service: ItemsService, publisher: MemoryEventPublisher
) -> None:
    item_id = add(service)
    [event] = publisher.of_type("ItemCreated")
    assert event.detail == {"item_id": item_id, "owner": "alice", "category": "Home"}
    assert event.source == "shortstack.items"


def test_update_publishes_the_changed_fields(
    service: ItemsService, publisher: MemoryEventPublisher
) -> None:
    item_id = add(service)
    service.update("alice", item_id, ItemChanges(price=Decimal("25"), name="Desk lamp"))
    [event] = publisher.of_type("ItemUpdated")
    assert sorted(event.detail["fields"]) == ["name", "price"]


def test_update_moves_updated_at_only(service: ItemsService) -> None:
    item_id = add(service)
    before = service.get("alice", item_id)
    after = service.update("alice", item_id, ItemChanges(category="Office"))
    assert after.updated_at > before.updated_at
    assert after.created_at == before.created_at


def test_delete_publishes_and_then_the_item_is_gone(
    service: ItemsService, publisher: MemoryEventPublisher
) -> None:
    item_id = add(service)
    service.delete("alice", item_id)
    assert publisher.of_type("ItemDeleted")[0].detail["item_id"] == item_id
    with pytest.raises(ItemNotFound):
        service.get("alice", item_id)


def test_failed_operations_publish_nothing(
    service: ItemsService, publisher: MemoryEventPublisher
) -> None:
    with pytest.raises(ItemNotFound):
        service.delete("alice", "missing")
    with pytest.raises(ItemNotFound):
        service.update("alice", "missing", ItemChanges(name="x"))
    with pytest.raises(InvalidInput):
        add(service, price=Decimal("-1"))
    assert publisher.published == []


def test_other_owners_items_are_invisible(service: ItemsService) -> None:
    item_id = add(service, owner="alice")
    with pytest.raises(ItemNotFound):
        service.get("bob", item_id)
    with pytest.raises(ItemNotFound):
        service.update("bob", item_id, ItemChanges(name="stolen"))
    with pytest.raises(ItemNotFound):
        service.delete("bob", item_id)
    assert service.list("bob").items == []
    assert service.get("alice", item_id).name == "Lamp"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"description": "d" * 501}, "description"),
        ({"price": Decimal("0")}, "price"),
        ({"price": Decimal("NaN")}, "price"),
        ({"price": Decimal("Infinity")}, "price"),
        ({"price": Decimal("1E-200")}, "price"),
        ({"price": Decimal("0.0000009")}, "price"),
        ({"price": Decimal("1." + "1" * 38)}, "price"),
        ({"category": " "}, "category"),
    ],
)
def test_domain_rules_hold_without_the_http_schema(
    service: ItemsService, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        add(service, **fields)
    assert caught.value.field == field


def test_list_limit_is_clamped_to_the_maximum(service: ItemsService) -> None:
    for n in range(105):
        add(service, name=f"n{n}")
    assert len(service.list("alice", limit=1000).items) == 100
    assert len(service.list("alice", limit=0).items) == 1
