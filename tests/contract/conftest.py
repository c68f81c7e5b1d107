"""The contract suite runs every case against every storage adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IMPORT_BUCKET, STORAGES, TABLE_NAME


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def adapters(
    storage: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """Fresh repositories of one technology, keyed by port name."""
    if storage == "memory":
        from shortstack.adapters.memory import MemoryItemRepository, MemoryUserRepository
        from shortstack.adapters.memory.blobs import MemoryBlobStore
        from shortstack.adapters.memory.imports import MemoryImportRepository

        yield {
            "items": MemoryItemRepository(),
            "users": MemoryUserRepository(),
            "imports": MemoryImportRepository(),
            "blobs": MemoryBlobStore(),
        }
    elif storage == "sqlite":
        from shortstack.adapters.files import LocalBlobStore
        from shortstack.adapters.sqlite import (
            SqliteDatabase,
            SqliteItemRepository,
            SqliteUserRepository,
        )
        from shortstack.adapters.sqlite.imports import SqliteImportRepository

        db = SqliteDatabase(tmp_path / "contract.sqlite3")
        yield {
            "items": SqliteItemRepository(db),
            "users": SqliteUserRepository(db),
            "imports": SqliteImportRepository(db),
            "blobs": LocalBlobStore(tmp_path / "blobs"),
            "db": db,
        }
        db.close()
    else:
        from shortstack.adapters.dynamodb import DynamoDBItemRepository, DynamoDBUserRepository
        from shortstack.adapters.dynamodb.imports import DynamoDBImportRepository
        from shortstack.adapters.s3 import S3BlobStore

        client = request.getfixturevalue("moto_dynamodb")
        s3 = request.getfixturevalue("moto_s3")
        yield {
            "items": DynamoDBItemRepository(client, TABLE_NAME),
            "users": DynamoDBUserRepository(client, TABLE_NAME),
            "imports": DynamoDBImportRepository(client, TABLE_NAME),
            "blobs": S3BlobStore(s3, IMPORT_BUCKET),
            "client": client,
        }
