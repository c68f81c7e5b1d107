"""GET /api/v1/visits/orphan over HTTP: what is counted, paging, who may look; the 404 unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from tests.auth_support import bearer, jwt_mode_client, token
from tests.conftest import settings_for

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
ORPHANS = "/api/v1/visits/orphan"


@contextmanager
def served(tmp_path: Path, **extra: Any) -> Iterator[TestClient]:
    container = bootstrap(settings_for("sqlite", tmp_path, **extra))
    try:
        with TestClient(create_app(container), follow_redirects=False) as client:
            yield client
    finally:
        container.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    with served(tmp_path) as client:
        yield client


def test_unknown_short_ids_are_listed_with_their_day_referrer_and_browser(api: TestClient) -> None:
    for _ in range(2):
        api.get("/nothing-here", headers={"user-agent": CHROME, "referer": "https://t.co/x"})
    api.get("/nothing-here", headers={"user-agent": "curl/8.5.0"})
    api.get("/nothing-here", headers={"user-agent": CHROME, "accept": "text/html"})
    listed = api.get(ORPHANS)
    assert listed.status_code == 200
    rows = {(row["referrer_host"], row["browser"]): row for row in listed.json()}
    assert {key: row["visits"] for key, row in rows.items()} == {
        ("t.co", "Chrome"): 2,
        ("(direct)", "curl"): 1,
        ("(direct)", "Chrome"): 1,
    }
    row = rows[("t.co", "Chrome")]
    assert row["path"] == "/nothing-here"
    assert row["last_visit_at"].endswith("Z")
    assert row["day"] == row["last_visit_at"][:10]


def test_links_crawlers_heads_reserved_words_and_files_are_not_orphans(api: TestClient) -> None:
    made = api.post("/api/v1/links", json={"url": "https://example.com/"}).json()
    assert api.get(f"/{made['short_id']}").status_code == 302
    googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    assert api.get("/missing", headers={"user-agent": googlebot}).status_code == 404
    assert api.head("/missing").status_code == 404
    for path in ("/favicon.ico", "/robots.txt", "/api", "/docs/nothing", "/a/b"):
        assert api.get(path).status_code in (404, 405), path
    assert api.get(ORPHANS).json() == []


def test_the_listing_pages_with_a_cursor_and_a_link_header(api: TestClient) -> None:
    for path in ("c-path", "a-path", "b-path"):
        api.get(f"/{path}")
    first = api.get(ORPHANS, params={"limit": 2})
    assert [row["path"] for row in first.json()] == ["/a-path", "/b-path"]
    cursor = first.headers["x-next-cursor"]
    assert first.headers["link"] == f'<{ORPHANS}?limit=2&cursor={cursor}>; rel="next"'
    second = api.get(ORPHANS, params={"limit": 2, "cursor": cursor})
    assert [row["path"] for row in second.json()] == ["/c-path"]
    assert "x-next-cursor" not in second.headers
    bad = api.get(ORPHANS, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert bad.json()["message"]


def test_the_404_answers_the_same_with_orphan_counting_on_and_off(tmp_path: Path) -> None:
    def answers(client: TestClient) -> list[tuple[int, bytes, dict[str, str]]]:
        found = []
        for accept in ("application/json", "text/html", "*/*"):
            reply = client.get("/nothing", headers={"accept": accept, "user-agent": CHROME})
            headers = {k: v for k, v in reply.headers.items() if k != "x-correlation-id"}
            found.append((reply.status_code, reply.content, headers))
        return found

    with served(tmp_path / "on") as counting:
        on = answers(counting)
    with served(tmp_path / "off", orphan_visits_daily_keys=0) as not_counting:
        off = answers(not_counting)
    assert on == off
    assert [status for status, _, _ in on] == [404, 404, 404]


@pytest.fixture
def jwt_api(tmp_path: Path) -> Iterator[TestClient]:
    with jwt_mode_client(tmp_path, follow_redirects=False, admin_group="operators") as client:
        yield client


def test_with_jwt_only_members_of_the_admin_group_see_them(jwt_api: TestClient) -> None:
    jwt_api.get("/nothing")
    admin = bearer(token("root", **{"cognito:groups": ["staff", "operators"]}))
    listed = jwt_api.get(ORPHANS, headers=admin)
    assert listed.status_code == 200
    assert [row["path"] for row in listed.json()] == ["/nothing"]
    other_group = bearer(token("eve", **{"cognito:groups": ["staff"]}))
    refused = jwt_api.get(ORPHANS, headers=other_group)
    assert refused.status_code == 403
    assert "admin group" in refused.json()["message"]
    assert jwt_api.get(ORPHANS, headers=bearer(token("bob"))).status_code == 403
    assert jwt_api.get(ORPHANS).status_code == 401


def test_with_jwt_and_no_admin_group_nobody_sees_them(tmp_path: Path) -> None:
    member = bearer(token("root", **{"cognito:groups": ["operators"]}))
    with jwt_mode_client(tmp_path, follow_redirects=False) as client:
        assert client.get(ORPHANS, headers=member).status_code == 403
