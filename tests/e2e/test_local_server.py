"""The real local server, as `make run` starts it: HTTP on 127.0.0.1, data surviving restarts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.server import call, running_server


def test_data_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        status, _, item = call(
            server, "POST", "/api/v1/items/", {"name": "Kept", "price": 3, "category": "Misc"}
        )
        assert status == 201
        status, _, _ = call(
            server,
            "POST",
            "/api/v1/users",
            {"userId": "kim", "name": "Kim", "email": "kim@example.com"},
        )
        assert status == 201
    assert (data_dir / "shortstack.sqlite3").exists()
    with running_server(data_dir) as server:
        status, _, again = call(server, "GET", f"/api/v1/items/{item['item_id']}")
        assert status == 200
        assert again == item
        status, _, user = call(server, "GET", "/api/v1/users/kim")
        assert status == 200
        assert user["email"] == "kim@example.com"


def test_banner_health_ui_and_docs(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        status, headers, health = call(server, "GET", "/health")
        assert status == 200
        assert health["status"] == "healthy"
        assert headers["x-correlation-id"]
        status, headers, page = call(server, "GET", "/")
        assert status == 200
        assert "shortstack" in page
        assert "default-src 'self'" in headers["content-security-policy"]
        assert call(server, "GET", "/openapi.json")[2]["info"]["title"] == "shortstack"
        log = server.log()
    assert f"{server.base_url}/docs" in log
    assert f"{server.base_url}/health" in log
    assert "AUTH_MODE=none" in log


def test_logs_are_json_lines_with_correlation_ids(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        _, headers, _ = call(server, "GET", "/health", headers={"x-correlation-id": "e2e-1"})
        assert headers["x-correlation-id"] == "e2e-1"
        log = server.log_once_it_has('"correlation_id":"e2e-1"')
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(
        line.get("correlation_id") == "e2e-1" and line.get("path") == "/health" for line in lines
    )
