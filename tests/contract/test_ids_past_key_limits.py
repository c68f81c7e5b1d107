"""An id no item can have names nothing, on every store: a 404, never a 500.

A path segment is the client's to choose. DynamoDB refuses a request whose partition key
passes 2,048 bytes or whose sort key passes 1,024 (a ValidationException); an id that long
can name no item, so the repositories answer as for any unknown id. Found through the API
Lambda on DynamoDB Local (scripts/lambda_bridge.py): `GET /api/v1/items/<2,100 c>` and its
neighbours answered 500 where the local server answers 404.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shortstack.bootstrap import Adapters
from shortstack.domain.errors import ItemNotFound, LinkNotFound
from shortstack.domain.items import ItemChanges
from shortstack.domain.links import LinkChanges

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
# Past the partition key's 2,048 bytes, in ASCII and in 4-byte characters (the key's bytes
# count, not its characters), and past the sort key's 1,024 bytes where the id is the sort key.
IDS = ["c" * 2100, "\U0001f600" * 520, "d" * 1100]


@pytest.mark.parametrize("unknown", IDS, ids=["ascii", "4-byte", "sort-key"])
def test_ids_past_dynamodbs_key_limits_name_nothing(adapters: Adapters, unknown: str) -> None:
    assert adapters.items.get("alice", unknown) is None
    with pytest.raises(ItemNotFound):
        adapters.items.update("alice", unknown, ItemChanges(name="x"), NOW)
    assert adapters.items.delete("alice", unknown) is False

    assert adapters.links.get(unknown) is None
    assert adapters.links.get(unknown, consistent=False) is None
    with pytest.raises(LinkNotFound):
        adapters.links.update("alice", unknown, LinkChanges(is_active=False), NOW)
    assert adapters.links.delete("alice", unknown) is False

    assert adapters.webhooks.get("alice", unknown) is None
    assert adapters.webhooks.revoke("alice", unknown) is False
    assert adapters.webhooks.deliveries(unknown, 10) == []
    assert adapters.apikeys.revoke("alice", unknown) is False
    assert adapters.imports.get(unknown) is None
