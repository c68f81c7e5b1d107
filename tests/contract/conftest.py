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
        from shortstack.adapters.memory.stats import MemoryClickStatsRepository

        yield {
            "items": MemoryItemRepository(),
            "users": MemoryUserRepository(),
            "links": MemoryLinkRepository(),
            "stats": MemoryClickStatsRepository(),
        }
    elif storage == "sqlite":
        from shortstack.adapters.sqlite import (
            SqliteDatabase,
            SqliteItemRepository,
            SqliteLinkRepository,
            SqliteUserRepository,
        )
        from shortstack.adapters.sqlite.stats import SqliteClickStatsRepository

        db = SqliteDatabase(tmp_path / "contract.sqlite3")
        yield {
            "stats": SqliteClickStatsRepository(db),
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
        from shortstack.adapters.dynamodb.stats import DynamoDBClickStatsRepository

        yield {
            "stats": DynamoDBClickStatsRepository(client, TABLE_NAME),
            "items": DynamoDBItemRepository(client, TABLE_NAME),
            "users": DynamoDBUserRepository(client, TABLE_NAME),
            "links": DynamoDBLinkRepository(client, TABLE_NAME),
            "client": client,
        }
