"""bootstrap() wires working services on every storage, DynamoDB Local included."""

from __future__ import annotations

from decimal import Decimal

from shortstack.bootstrap import Container


def test_services_round_trip_through_the_wired_adapters(container: Container) -> None:
    item = container.items.create(
        "alice", name="Lamp", description=None, price=Decimal("12.5"), category="Home"
    )
    assert container.items.get("alice", item.item_id) == item
    assert [i.item_id for i in container.items.list("alice", category="Home").items] == [
        item.item_id
    ]
    user = container.users.register(user_id="ada", name="Ada", email="ada@example.com")
    assert container.users.get("ada") == user
