"""ApiKeyRepository contract: hashes stored, found by hash, listed and revoked per owner."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from shortstack.bootstrap import Adapters
from shortstack.config import Settings
from shortstack.domain.apikeys import ApiKey, hash_secret, new_api_key
from shortstack.domain.errors import Conflict
from shortstack.service_layer.ports import ApiKeyRepository

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def make(owner: str, name: str = "ci", minutes: int = 0) -> tuple[ApiKey, str]:
    return new_api_key(owner, name, T0 + timedelta(minutes=minutes))


@pytest.fixture
def repo(adapters: Adapters) -> ApiKeyRepository:
    return adapters.apikeys


def test_a_key_is_found_by_the_hash_of_its_secret(repo: ApiKeyRepository) -> None:
    key, secret = make("alice")
    repo.add(key)
    assert repo.by_hash(hash_secret(secret)) == key
    assert repo.by_hash(hash_secret(secret + "x")) is None


def test_the_secret_itself_is_never_stored(
    repo: ApiKeyRepository,
    store_settings: Settings,
    dynamodb_client: DynamoDBClient | None,
) -> None:
    key, secret = make("alice")
    repo.add(key)
    stored = repr(repo.list("alice"))
    if store_settings.storage == "sqlite":
        with closing(sqlite3.connect(store_settings.sqlite_path)) as connection:
            stored += repr(connection.execute("SELECT * FROM api_keys").fetchall())
    if dynamodb_client is not None:
        stored += repr(dynamodb_client.scan(TableName=store_settings.table_name)["Items"])
    assert secret not in stored
    assert secret[10:20] not in stored  # beyond the shown hint, not a fragment either


def test_the_same_hash_twice_is_a_conflict(repo: ApiKeyRepository) -> None:
    key, _ = make("alice")
    repo.add(key)
    with pytest.raises(Conflict):
        repo.add(replace(key, key_id="another-id", owner="bob"))
    assert repo.list("bob") == []


def test_each_owner_lists_only_their_keys_oldest_first(repo: ApiKeyRepository) -> None:
    first, _ = make("alice", "first", minutes=0)
    second, _ = make("alice", "second", minutes=5)
    bobs, _ = make("bob", "bob's")
    for key in (second, bobs, first):
        repo.add(key)
    assert repo.list("alice") == [first, second]
    assert repo.list("bob") == [bobs]
    assert repo.list("carol") == []


def test_owners_with_separator_characters_do_not_see_each_other(repo: ApiKeyRepository) -> None:
    tricky, _ = make("a#KEYS")
    plain, _ = make("a")
    repo.add(tricky)
    repo.add(plain)
    assert repo.list("a") == [plain]
    assert repo.list("a#KEYS") == [tricky]


def test_revoking_is_per_owner_and_immediate(repo: ApiKeyRepository) -> None:
    key, secret = make("alice")
    repo.add(key)
    assert repo.revoke("bob", key.key_id) is False
    assert repo.by_hash(hash_secret(secret)) == key
    assert repo.revoke("alice", key.key_id) is True
    assert repo.by_hash(hash_secret(secret)) is None
    assert repo.list("alice") == []
    assert repo.revoke("alice", key.key_id) is False


def test_recording_a_use_sets_last_used_and_never_revives_a_revoked_key(
    repo: ApiKeyRepository,
) -> None:
    key, secret = make("alice")
    repo.add(key)
    used = T0 + timedelta(hours=3)
    repo.record_use(key.key_hash, used)
    assert repo.by_hash(key.key_hash) == replace(key, last_used_at=used)
    assert repo.list("alice")[0].last_used_at == used
    repo.revoke("alice", key.key_id)
    repo.record_use(key.key_hash, used + timedelta(hours=1))
    assert repo.by_hash(hash_secret(secret)) is None
    assert repo.list("alice") == []


def test_a_sqlite_file_from_before_last_used_at_gets_the_column(tmp_path: Any) -> None:
    from shortstack.adapters.sqlite.apikeys import SqliteApiKeyRepository
    from shortstack.adapters.sqlite.db import SqliteDatabase

    db = SqliteDatabase(tmp_path / "old.sqlite3")
    db.connection().executescript(
        "CREATE TABLE api_keys (key_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE,"
        " owner TEXT NOT NULL, name TEXT NOT NULL, hint TEXT NOT NULL, created_at TEXT NOT NULL);"
    )
    repo = SqliteApiKeyRepository(db)
    key, _ = make("alice")
    repo.add(key)
    repo.record_use(key.key_hash, T0)
    assert repo.list("alice") == [replace(key, last_used_at=T0)]
    db.close()
