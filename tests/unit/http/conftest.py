"""Fixtures of the HTTP tests."""

from __future__ import annotations

from typing import Any

import pytest

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The app's OpenAPI document, built once: it depends on the settings, not on the data."""
    container = bootstrap(settings_for("memory", tmp_path_factory.mktemp("openapi")))
    built: dict[str, Any] = create_app(container).openapi()
    container.close()
    return built
