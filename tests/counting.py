"""Counting what the code under test builds: domain events and boto3 clients.

A hot path's cost is often what it builds and never uses; these record each
construction from the moment they are installed until the test's monkeypatch
undoes them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3.session
import pytest

from shortstack.domain.events import Event


def count_events_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The detail types of the Event objects built from now on, in order."""
    built: list[str] = []
    original = Event.__init__

    def counting(self: Event, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        built.append(self.detail_type)

    monkeypatch.setattr(Event, "__init__", counting)
    return built


def count_clients_built(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The boto3 clients built from now on (`boto3.client` too), by service name."""
    built: Counter[str] = Counter()
    original = boto3.session.Session.client

    def counting(self: boto3.session.Session, service_name: str, *args: Any, **kwargs: Any) -> Any:
        built[service_name] += 1
        return original(self, service_name, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(boto3.session.Session, "client", counting)
    return built
