"""Fixtures of the HTTP tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.bootstrap import Container, adapters_for, bootstrap
from shortstack.entrypoints.http.app import create_app
from shortstack.service_layer.events import PublishingUnitOfWork
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The app's OpenAPI document, built once: it depends on the settings, not on the data."""
    container = bootstrap(settings_for("memory", tmp_path_factory.mktemp("openapi")))
    built: dict[str, Any] = create_app(container).openapi()
    container.close()
    return built


@pytest.fixture(params=["sqlite", "dynamodb"])
def recording_container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    """SQLite or DynamoDB (moto), its events recorded as announced (`container.publisher`,
    a MemoryEventPublisher; the stream's side is test_outbox_parity's)."""
    if request.param == "dynamodb":
        request.getfixturevalue("moto_dynamodb")
    settings = settings_for(request.param, tmp_path)
    publisher = MemoryEventPublisher()
    recording = replace(
        adapters_for(settings), publisher=publisher, uow=PublishingUnitOfWork(publisher)
    )
    built = bootstrap(settings, adapters=recording)
    yield built
    built.close()


@pytest.fixture
def recording_api(recording_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(recording_container), follow_redirects=False) as client:
        yield client
