"""Shared fixtures: settings per storage, moto's in-process DynamoDB, and a test client."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from shortstack.entrypoints.local_events import LocalEventDispatcher

TABLE_NAME = "shortstack-test"
IMPORT_BUCKET = "shortstack-imports-test"
# DynamoDB runs on moto's in-process AWS: `-m "not moto"` keeps a run on memory and SQLite.
STORAGES = ("memory", "sqlite", pytest.param("dynamodb", marks=pytest.mark.moto))
# The official engine runs the DynamoDB cases once more; `-m "not dynamodb_local"` leaves it out.
DYNAMODB_LOCAL = pytest.param("dynamodb_local", marks=pytest.mark.dynamodb_local)
# Fixtures that start moto (directly or through the fixtures they use): their tests are `moto`.
MOTO_FIXTURES = frozenset({"moto_dynamodb", "dynamodb_local", "stepfunctions"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `moto` every test whose fixtures start moto, wherever the test lives."""
    for item in items:
        if MOTO_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.moto)


_moto_lock = threading.RLock()


def serialize_moto() -> None:
    """Make every moto request atomic, as each call to the real service is (idempotent).

    moto checks a condition and applies the write without a lock, so two threads could both
    pass `attribute_not_exists` (two users won one e-mail, about 1 full run in 30, and 1 in
    20 with a short GIL switch interval, next to "dictionary changed size during iteration"
    crashes). DynamoDB Local, the real engine, never did. Races between calls stay possible:
    those are what the adapters must handle.
    """
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.process_request
    if getattr(original, "serialized", False):
        return

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with _moto_lock:
            return original(self, request)

    process_request.serialized = True  # type: ignore[attr-defined]
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]


EVENT_BUS = "shortstack"  # Settings' default EVENT_BUS_NAME


def create_event_bus() -> Any:
    """The EventBridge bus the DynamoDB wiring publishes to, on moto; its boto3 client."""
    import boto3

    events = boto3.client("events", region_name="us-east-1")
    events.create_event_bus(Name=EVENT_BUS)
    return events


@pytest.fixture
def moto_dynamodb() -> Iterator[Any]:
    """A moto DynamoDB with the shortstack table created, as a boto3 client."""
    import boto3
    from moto import mock_aws

    serialize_moto()

    from shortstack.adapters.dynamodb.table import create_table

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE_NAME)
        create_event_bus()
        create_import_bucket()
        yield client


@pytest.fixture(scope="session")
def dynamodb_local_engine() -> tuple[str, Any]:
    """DynamoDB Local's URL and a boto3 client once it answers; skips loudly when there is none."""
    from tests import dynamodb_local

    url = dynamodb_local.endpoint()
    if url is None:
        pytest.skip(f"DynamoDB Local unavailable: {dynamodb_local.unavailable_reason()}")
    return url, dynamodb_local.wait_until_ready(url)


@pytest.fixture
def dynamodb_local_endpoint(dynamodb_local_engine: tuple[str, Any]) -> str:
    return dynamodb_local_engine[0]


@pytest.fixture
def dynamodb_local(dynamodb_local_engine: tuple[str, Any]) -> Iterator[Any]:
    """A boto3 client on DynamoDB Local with an empty shortstack table.

    Other AWS services stay on moto (which lets calls to the local endpoint through), so
    adapters that also publish to SQS or EventBridge never reach out of the test. The client
    is the session's: building one under moto costs several times what emptying the table
    does (bench/README.md, "Costs the code is shaped around").
    """
    from moto import mock_aws

    from tests.dynamodb_local import reset_table

    client = dynamodb_local_engine[1]
    with mock_aws():
        reset_table(client, TABLE_NAME)
        create_event_bus()
        create_import_bucket()
        yield client


def create_import_bucket() -> Any:
    """The imports bucket on moto (inside an active mock_aws); an S3 client."""
    import boto3

    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=IMPORT_BUCKET)
    return client


@pytest.fixture
def moto_s3(moto_dynamodb: Any) -> Any:
    """An S3 client on the import bucket, inside the same moto mock as DynamoDB."""
    import boto3

    return boto3.client("s3", region_name="us-east-1")


def settings_for(storage: str, data_dir: Path, **extra: Any) -> Settings:
    """Settings for one storage backend, isolated in `data_dir`."""
    extra.setdefault("imports_bucket", IMPORT_BUCKET)
    # Tests fire hundreds of POSTs from one client; the limiter has tests of its own.
    extra.setdefault("rate_limit_creates_per_minute", 0)
    # An fsync per commit (the default, FULL) made the SQLite contract suite 2.7x slower, and
    # no test can cut the power; the end-to-end servers run the default.
    extra.setdefault("sqlite_synchronous", "normal")
    return Settings(storage=storage, data_dir=data_dir, table_name=TABLE_NAME, **extra)


def dispatcher_for(container: Container) -> LocalEventDispatcher:
    """The local server's event dispatcher on `container`'s SQLite queue, not started."""
    from shortstack.entrypoints.local_events import LocalEventDispatcher

    assert container.event_queue is not None, "only the SQLite store has a local event queue"
    return LocalEventDispatcher(container.event_queue, container.events)


@pytest.fixture(params=[*STORAGES, DYNAMODB_LOCAL])
def any_store_container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    """A container wired by bootstrap() on each store in turn: memory, SQLite, DynamoDB on
    moto and on DynamoDB Local."""
    storage: str = request.param
    extra: dict[str, Any] = {}
    if storage == "dynamodb":
        request.getfixturevalue("moto_dynamodb")
    elif storage == "dynamodb_local":
        request.getfixturevalue("dynamodb_local")
        storage = "dynamodb"
        extra["aws_endpoint_url"] = request.getfixturevalue("dynamodb_local_endpoint")
    built = bootstrap(settings_for(storage, tmp_path, **extra))
    yield built
    built.close()


@pytest.fixture
def sqlite_container(tmp_path: Path) -> Iterator[Container]:
    """A container wired by bootstrap() on a fresh SQLite file."""
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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say at the end of a run with DynamoDB Local cases whether they ran, and if not why."""
    from tests import dynamodb_local

    ran = [r for key, group in terminalreporter.stats.items() if key != "deselected" for r in group]
    if not any("dynamodb_local" in getattr(report, "keywords", {}) for report in ran):
        return
    url = dynamodb_local.endpoint()
    if url:
        terminalreporter.write_line(f"DynamoDB Local: the engine at {url} served this run")
    else:
        reason = dynamodb_local.unavailable_reason()
        terminalreporter.write_line(
            f"DynamoDB Local: UNAVAILABLE, cases skipped: {reason}", red=True
        )
