"""Short links on the real local server (uvicorn subprocess, SQLite in a temp DATA_DIR)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.concurrency import race
from tests.e2e.server import Server, call, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("links-data")) as live:
        yield live


def test_shorten_and_redirect_over_real_http(server: Server) -> None:
    status, _, created = call(server, "POST", "/shorten", {"url": "https://example.com/e2e"})
    assert status == 201
    assert created["short_url"] == f"{server.base_url}/{created['short_id']}"
    status, headers, body = call(server, "GET", f"/{created['short_id']}")
    assert (status, headers["location"], body) == (302, "https://example.com/e2e", None)
    assert headers["cache-control"] == "private, max-age=0"
    assert headers["x-correlation-id"]
    status, headers, _ = call(server, "HEAD", f"/{created['short_id']}")
    assert (status, headers["location"]) == (302, "https://example.com/e2e")
    status, _, link = call(server, "GET", f"/api/v1/links/{created['short_id']}")
    assert (status, link["click_count"]) == (200, 1)


def test_errors_are_json_over_real_http(server: Server) -> None:
    status, headers, body = call(server, "GET", "/nothing-here")
    assert (status, headers["content-type"], headers["cache-control"]) == (
        404,
        "application/json",
        "max-age=0, s-maxage=5",
    )
    assert "not found" in body["message"]
    status, _, body = call(server, "POST", "/shorten", {"url": "javascript:alert(1)"})
    assert status == 400
    assert "javascript" in body["error"]
    status, _, body = call(server, "POST", "/shorten", {"url": f"{server.base_url}/loop"})
    assert status == 400
    assert "own host" in body["error"]
    _, _, link = call(server, "POST", "/api/v1/links", {"url": "https://example.com/x"})
    call(server, "PATCH", f"/api/v1/links/{link['short_id']}", {"is_active": False})
    status, _, body = call(server, "GET", f"/{link['short_id']}")
    assert (status, body) == (410, {"message": "link is disabled"})


def test_200_parallel_redirects_count_exactly_200(server: Server) -> None:
    _, _, link = call(server, "POST", "/api/v1/links", {"url": "https://example.com/busy"})
    path = f"/{link['short_id']}"

    def follow(n: int) -> str:
        return str(call(server, "GET", path, headers={"referer": f"https://ref{n}.example/"})[0])

    assert race(200, follow) == ["302"] * 200
    _, _, after = call(server, "GET", f"/api/v1/links/{link['short_id']}")
    assert after["click_count"] == 200


def test_50_racing_alias_creates_get_one_201_and_49_409s(server: Server) -> None:
    def create(n: int) -> str:
        body = {"url": f"https://example.com/{n}", "alias": "race-e2e"}
        return str(call(server, "POST", "/api/v1/links", body)[0])

    assert sorted(race(50, create)) == ["201"] + ["409"] * 49
    status, headers, _ = call(server, "GET", "/race-e2e")
    assert status == 302
    assert headers["location"].startswith("https://example.com/")


def test_links_and_counts_survive_a_restart(tmp_path: Path) -> None:
    with running_server(tmp_path) as first:
        _, _, link = call(first, "POST", "/api/v1/links", {"url": "https://example.com/kept"})
        assert call(first, "GET", f"/{link['short_id']}")[0] == 302
    with running_server(tmp_path) as second:
        status, headers, _ = call(second, "GET", f"/{link['short_id']}")
        assert (status, headers["location"]) == (302, "https://example.com/kept")
        _, _, again = call(second, "GET", f"/api/v1/links/{link['short_id']}")
        assert again["click_count"] == 2


def test_a_csv_export_goes_out_chunked_as_it_is_read(server: Server) -> None:
    entries = [{"url": f"https://example.com/export/{n}"} for n in range(1000)]
    status, _, answer = call(server, "POST", "/api/v1/links/batch", {"links": entries})
    assert status == 200
    assert {result["status"] for result in answer["results"]} == {201}
    status, headers, body = call(server, "GET", "/api/v1/links?format=csv")
    assert status == 200
    # No Content-Length: the server did not hold the whole file before the first byte.
    assert "content-length" not in headers
    assert headers["transfer-encoding"] == "chunked"
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert body.count("https://example.com/export/") == 1000
