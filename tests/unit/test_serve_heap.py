"""`shortstack serve` takes what building its app left out of the collector's sight.

A full collection that walks the app's few hundred thousand long-lived objects holds the
GIL for tens of milliseconds: redirects queued behind it were the local server's p99
(entrypoints/long_running_heap.py). The server must freeze them before it serves.
"""

from __future__ import annotations

import gc
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from shortstack.entrypoints.cli import main
from shortstack.entrypoints.long_running_heap import SERVER_THRESHOLDS, settle_the_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    # What earlier tests in this worker left for the collector, frozen or not (an unclosed
    # socket's ResourceWarning, raised from its finaliser), is theirs: collected here, not
    # in the collection this test makes.
    gc.unfreeze()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_freezes_the_heap_and_widens_the_young_generation(
    restored_collector: None,
) -> None:
    long_lived = [{"n": n} for n in range(1_000)]
    settle_the_heap()
    assert gc.get_freeze_count() >= len(long_lived)
    assert gc.get_threshold() == SERVER_THRESHOLDS
    # A cycle made afterwards is still collected.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


def test_serve_settles_the_heap_once_its_app_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restored_collector: None
) -> None:
    seen: dict[str, object] = {}

    def instead_of_serving(self: uvicorn.Server, sockets: list[socket.socket]) -> None:
        seen["thresholds"] = gc.get_threshold()
        app = self.config.app
        # Frozen objects are out of the collector's sight: get_objects() leaves them out.
        tracked = gc.get_objects()
        seen["app_frozen"] = not any(thing is app for thing in tracked)
        seen["routes_frozen"] = not any(thing is app.router.routes for thing in tracked)
        for sock in sockets:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "run", instead_of_serving)
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    assert main(["serve", "--port", str(port)]) == 0
    assert seen["thresholds"] == SERVER_THRESHOLDS
    assert seen["app_frozen"]
    assert seen["routes_frozen"]
