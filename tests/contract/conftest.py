"""The contract suite runs every case against every storage adapter (and DynamoDB Local)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    DYNAMODB_LOCAL,
    IMPORT_BUCKET,
    STORAGES,
    TABLE_NAME,
)


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
        from shortstack.adapters.memory.apikeys import MemoryApiKeyRepository
        from shortstack.adapters.memory.blobs import MemoryBlobStore
        from shortstack.adapters.memory.imports import MemoryImportRepository
        from shortstack.adapters.memory.stats import MemoryClickStatsRepository

        stats = MemoryClickStatsRepository()
        yield {
            "items": MemoryItemRepository(),
            "users": MemoryUserRepository(),
            "links": MemoryLinkRepository(),
            "stats": stats,
            "stats_rollup": stats,
            "imports": MemoryImportRepository(),
            "blobs": MemoryBlobStore(),
            "apikeys": MemoryApiKeyRepository(),
        }
    elif storage == "sqlite":
        from shortstack.adapters.files import LocalBlobStore
        from shortstack.adapters.sqlite import (
            SqliteDatabase,
            SqliteItemRepository,
            SqliteLinkRepository,
            SqliteUserRepository,
        )
        from shortstack.adapters.sqlite.apikeys import SqliteApiKeyRepository
        from shortstack.adapters.sqlite.imports import SqliteImportRepository
        from shortstack.adapters.sqlite.stats import SqliteClickStatsRepository
        from shortstack.adapters.sqlite.stats_rollup import SqliteClickStatsRollUp

        db = SqliteDatabase(tmp_path / "contract.sqlite3")
        yield {
            "items": SqliteItemRepository(db),
            "users": SqliteUserRepository(db),
            "links": SqliteLinkRepository(db),
            "stats": SqliteClickStatsRepository(db),
            "stats_rollup": SqliteClickStatsRollUp(db),
            "imports": SqliteImportRepository(db),
            "blobs": LocalBlobStore(tmp_path / "blobs"),
            "apikeys": SqliteApiKeyRepository(db),
            "db": db,
        }
        db.close()
    else:
        import boto3

        from shortstack.adapters.dynamodb import (
            DynamoDBItemRepository,
            DynamoDBLinkRepository,
            DynamoDBUserRepository,
        )
        from shortstack.adapters.dynamodb.apikeys import DynamoDBApiKeyRepository
        from shortstack.adapters.dynamodb.imports import DynamoDBImportRepository
        from shortstack.adapters.dynamodb.stats import DynamoDBClickStatsRepository
        from shortstack.adapters.dynamodb.stats_rollup import DynamoDBClickStatsRollUp
        from shortstack.adapters.s3 import S3BlobStore

        # "dynamodb" is moto, "dynamodb_local" the official engine: the same table either way.
        client = request.getfixturevalue(
            "moto_dynamodb" if storage == "dynamodb" else "dynamodb_local"
        )
        yield {
            "items": DynamoDBItemRepository(client, TABLE_NAME),
            "users": DynamoDBUserRepository(client, TABLE_NAME),
            "links": DynamoDBLinkRepository(client, TABLE_NAME),
            "stats": DynamoDBClickStatsRepository(client, TABLE_NAME),
            "stats_rollup": DynamoDBClickStatsRollUp(client, TABLE_NAME),
            "imports": DynamoDBImportRepository(client, TABLE_NAME),
            "apikeys": DynamoDBApiKeyRepository(client, TABLE_NAME),
            "blobs": S3BlobStore(boto3.client("s3", region_name="us-east-1"), IMPORT_BUCKET),
            "client": client,
        }
