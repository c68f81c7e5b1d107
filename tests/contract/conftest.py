"""The contract suite runs every case against every store (and DynamoDB Local).

Each store's adapters come from the factory `bootstrap()` uses
(shortstack/bootstrap/<store>.py), so the suite checks what the app runs on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from shortstack.bootstrap import Adapters, adapters_for
from shortstack.bootstrap import dynamodb as dynamodb_store
from shortstack.config import Settings
from shortstack.domain.preconditions import Expected
from tests.conftest import DYNAMODB_LOCAL, STORAGES, settings_for

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Found = TypeVar("Found")


@pytest.fixture(params=[*STORAGES, DYNAMODB_LOCAL])
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_settings(storage: str, tmp_path: Path) -> Settings:
    """The settings of one store; "dynamodb_local" is the DynamoDB store on the official engine."""
    return settings_for("dynamodb" if storage == "dynamodb_local" else storage, tmp_path)


@pytest.fixture
def dynamodb_client(storage: str, request: pytest.FixtureRequest) -> DynamoDBClient | None:
    """The table's client on the DynamoDB stores (moto, or DynamoDB Local); None elsewhere."""
    if storage == "dynamodb":
        client: DynamoDBClient = request.getfixturevalue("moto_dynamodb")
        return client
    if storage == "dynamodb_local":
        local: DynamoDBClient = request.getfixturevalue("dynamodb_local")
        return local
    return None


@pytest.fixture
def adapters(
    store_settings: Settings, dynamodb_client: DynamoDBClient | None
) -> Iterator[Adapters]:
    """Fresh adapters of one store, built as bootstrap() builds them."""
    if dynamodb_client is not None:
        # The session's client: one built per test under moto would cost ~80 ms.
        built = dynamodb_store.adapters_for(store_settings, client=dynamodb_client)
    else:
        built = adapters_for(store_settings)
    yield built
    built.close()


def present(found: Found | None) -> Found:
    """What a lookup found, failing the test when it found nothing."""
    assert found is not None, "expected a stored record, found none"
    return found


def only(*versions: int) -> Expected:
    """The condition of an If-Match that names these versions."""
    return Expected(frozenset(versions))


def none_of(*versions: int) -> Expected:
    """The condition of an If-None-Match on a write that names these versions (none: `*`)."""
    return Expected(None, frozenset(versions) if versions else None)
