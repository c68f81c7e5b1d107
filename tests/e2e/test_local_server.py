"""The real local server, as `make run` starts it: HTTP on 127.0.0.1, data surviving restarts."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.e2e.server import running_server


def call(method: str, url: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else None


def test_data_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        status, _, item = call(
            "POST",
            f"{server.base_url}/api/v1/items/",
            {"name": "Kept", "price": 3, "category": "Misc"},
        )
        assert status == 201
        status, _, _ = call(
            "POST",
            f"{server.base_url}/api/v1/users",
            {"userId": "kim", "name": "Kim", "email": "kim@example.com"},
        )
        assert status == 201
    assert (data_dir / "shortstack.sqlite3").exists()
    with running_server(data_dir) as server:
        status, _, again = call("GET", f"{server.base_url}/api/v1/items/{item['item_id']}")
        assert status == 200
        assert again == item
        status, _, user = call("GET", f"{server.base_url}/api/v1/users/kim")
        assert status == 200
        assert user["email"] == "kim@example.com"


def test_banner_health_ui_and_docs(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        status, headers, health = call("GET", f"{server.base_url}/health")
        assert status == 200
        assert health["status"] == "healthy"
        assert headers["x-correlation-id"]
        with urllib.request.urlopen(f"{server.base_url}/", timeout=10) as response:
            assert b"shortstack" in response.read()
            assert "default-src 'self'" in response.headers["content-security-policy"]
        with urllib.request.urlopen(f"{server.base_url}/openapi.json", timeout=10) as response:
            assert json.load(response)["info"]["title"] == "shortstack"
        log = server.log()
    assert f"{server.base_url}/docs" in log
    assert f"{server.base_url}/health" in log
    assert "AUTH_MODE=none" in log


def test_logs_are_json_lines_with_correlation_ids(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        request = urllib.request.Request(
            f"{server.base_url}/health", headers={"x-correlation-id": "e2e-1"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["x-correlation-id"] == "e2e-1"
    # Read the log once the server stopped: the access line is written after the response
    # is sent, so reading it while the server runs races that write (it failed 1 run in 3).
    log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(
        line.get("correlation_id") == "e2e-1" and line.get("path") == "/health" for line in lines
    )
