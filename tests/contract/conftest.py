"""The contract suite runs every case against every storage adapter (and DynamoDB Local)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DYNAMODB_LOCAL, STORAGES, TABLE_NAME


@pytest.fixture(params=[*STORAGES, DYNAMODB_LOCAL])
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def adapters(
    storage: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """Fresh repositories of one technology, keyed by port name."""
    if storage == "memory":
        from shortstack.adapters.memory import (
            MemoryItemRepository,
            MemoryLinkRepository,
            MemoryUserRepository,
        )

        yield {
            "items": MemoryItemRepository(),
            "users": MemoryUserRepository(),
            "links": MemoryLinkRepository(),
        }
    elif storage == "sqlite":
        from shortstack.adapters.sqlite import (
            SqliteDatabase,
            SqliteItemRepository,
            SqliteLinkRepository,
            SqliteUserRepository,
        )

        db = SqliteDatabase(tmp_path / "contract.sqlite3")
        yield {
            "items": SqliteItemRepository(db),
            "users": SqliteUserRepository(db),
            "links": SqliteLinkRepository(db),
            "db": db,
        }
        db.close()
    else:
        from shortstack.adapters.dynamodb import (
            DynamoDBItemRepository,
            DynamoDBLinkRepository,
            DynamoDBUserRepository,
        )

        # "dynamodb" is moto, "dynamodb_local" the official engine: the same table either way.
        client = request.getfixturevalue(
            "moto_dynamodb" if storage == "dynamodb" else "dynamodb_local"
        )
        yield {
            "items": DynamoDBItemRepository(client, TABLE_NAME),
            "users": DynamoDBUserRepository(client, TABLE_NAME),
            "links": DynamoDBLinkRepository(client, TABLE_NAME),
            "client": client,
        }
