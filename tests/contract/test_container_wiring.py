"""bootstrap() wires working services on every storage, DynamoDB Local included."""

from __future__ import annotations

from decimal import Decimal

from shortstack.bootstrap import Container


def test_services_round_trip_through_the_wired_adapters(any_store_container: Container) -> None:
    item = any_store_container.items.create(
        "alice", name="Lamp", description=None, price=Decimal("12.5"), category="Home"
    )
    assert any_store_container.items.get("alice", item.item_id) == item
    assert [i.item_id for i in any_store_container.items.list("alice", category="Home").items] == [
        item.item_id
    ]
    user = any_store_container.users.register(user_id="ada", name="Ada", email="ada@example.com")
    assert any_store_container.users.get("ada") == user
