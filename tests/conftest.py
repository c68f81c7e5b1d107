"""Shared fixtures: settings per storage, moto's in-process DynamoDB, and a test client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Fake credentials before anything imports boto3: tests must never reach AWS.
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}.items():
    os.environ[_name] = _value
for _name in (
    "STORAGE",
    "DATA_DIR",
    "TABLE_NAME",
    "AUTH_MODE",
    "PUBLIC_BASE_URL",
    "FRONTEND_ORIGIN",
):
    os.environ.pop(_name, None)

from shortstack.bootstrap import Container, bootstrap  # noqa: E402
from shortstack.config import Settings  # noqa: E402

TABLE_NAME = "shortstack-test"
IMPORT_BUCKET = "shortstack-imports-test"
STORAGES = ("memory", "sqlite", "dynamodb")


@pytest.fixture
def moto_dynamodb() -> Iterator[Any]:
    """A moto DynamoDB with the shortstack table created, as a boto3 client."""
    import boto3
    from moto import mock_aws

    from shortstack.adapters.dynamodb import create_table

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE_NAME)
        yield client


@pytest.fixture
def moto_s3(moto_dynamodb: Any) -> Any:
    """An S3 client with the import bucket created, inside the same moto mock as DynamoDB."""
    import boto3

    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=IMPORT_BUCKET)
    return client


def settings_for(storage: str, data_dir: Path, **extra: Any) -> Settings:
    """Settings for one storage backend, isolated in `data_dir`."""
    return Settings(storage=storage, data_dir=data_dir, table_name=TABLE_NAME, **extra)  # type: ignore[arg-type]


@pytest.fixture(params=STORAGES)
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    """A wired container on each storage backend in turn."""
    storage: str = request.param
    if storage == "dynamodb":
        request.getfixturevalue("moto_dynamodb")
    built = bootstrap(settings_for(storage, tmp_path))
    yield built
    built.close()


@pytest.fixture
def sqlite_container(tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(settings_for("sqlite", tmp_path))
    yield built
    built.close()


@pytest.fixture
def client(sqlite_container: Container) -> Iterator[Any]:
    """A TestClient on the app backed by a fresh SQLite file."""
    from fastapi.testclient import TestClient

    from shortstack.entrypoints.http.app import create_app

    with TestClient(create_app(sqlite_container)) as test_client:
        yield test_client


@pytest.fixture
def json_logs() -> Iterator[Any]:
    """The JSON lines the shortstack logger writes during the test, parsed on demand."""
    import io
    import json
    import logging

    from shortstack.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    try:
        yield lines
    finally:
        logger._logger.removeHandler(handler)
