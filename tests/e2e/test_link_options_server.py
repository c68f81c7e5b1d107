"""Passwords, rules, fallbacks and bots on the real local server (uvicorn, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from tests.e2e.server import Server, call, running_server

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
FORM = {"content-type": "application/x-www-form-urlencoded", **BROWSER}
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("link-options-data")) as live:
        yield live


def create(server: Server, **fields: object) -> str:
    status, _, link = call(server, "POST", "/api/v1/links", fields)
    assert status == 201, link
    assert "password" not in link
    short_id: str = link["short_id"]
    return short_id


def form(password: str) -> bytes:
    return urlencode({"password": password}).encode()


def clicks(server: Server, short_id: str) -> int:
    count: int = call(server, "GET", f"/api/v1/links/{short_id}")[2]["click_count"]
    return count


def test_the_password_flow_over_real_http(server: Server) -> None:
    short_id = create(server, url="https://example.com/vault", password="open sesame")
    status, headers, page = call(server, "GET", f"/{short_id}", headers=BROWSER)
    assert (status, headers["cache-control"]) == (200, "no-store")
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert f'action="/api/v1/unlock/{short_id}"' in page
    status, _, body = call(server, "GET", f"/{short_id}")
    assert (status, body["form"]["action"]) == (401, f"/api/v1/unlock/{short_id}")
    status, _, page = call(server, "POST", f"/api/v1/unlock/{short_id}", form("nope"), FORM)
    assert status == 401
    assert 'type="password"' in page
    assert clicks(server, short_id) == 0
    for path in (f"/api/v1/unlock/{short_id}", f"/{short_id}"):
        status, headers, _ = call(server, "POST", path, form("open sesame"), FORM)
        assert (status, headers["location"]) == (302, "https://example.com/vault")
    assert clicks(server, short_id) == 2


def test_wrong_passwords_are_limited_per_link_with_retry_after(server: Server) -> None:
    short_id = create(server, url="https://example.com/vault", password="open sesame")
    path = f"/api/v1/unlock/{short_id}"
    statuses = [call(server, "POST", path, form(f"guess {n}"), FORM)[0] for n in range(6)]
    assert statuses == [401] * 5 + [429]
    status, headers, page = call(server, "POST", path, form("open sesame"), FORM)
    assert status == 429
    assert 0 < int(headers["retry-after"]) <= 900
    assert "Too many" in page
    # Other links are not affected.
    other = create(server, url="https://example.com/other", password="open sesame")
    assert call(server, "POST", f"/api/v1/unlock/{other}", form("open sesame"), FORM)[0] == 302


def test_rules_bots_and_the_fallback_over_real_http(server: Server) -> None:
    short_id = create(
        server,
        url="https://example.com/desktop",
        max_visits=1,
        fallback_url="https://example.com/sold-out",
        rules=[
            {"url": "https://example.com/ios", "device": "ios"},
            {"url": "https://example.com/fr", "language": "fr"},
        ],
    )
    googlebot = {"user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"}
    status, headers, _ = call(server, "GET", f"/{short_id}", headers=googlebot)
    assert (status, headers["location"]) == (302, "https://example.com/desktop")
    status, headers, _ = call(server, "GET", f"/{short_id}", headers={"user-agent": IPHONE})
    assert (status, headers["location"]) == (302, "https://example.com/ios")
    # The one visit is used: people and crawlers alike go to the fallback, uncounted.
    for visitor in ({"accept-language": "fr"}, googlebot):
        status, headers, _ = call(server, "GET", f"/{short_id}", headers=visitor)
        assert (status, headers["location"]) == (302, "https://example.com/sold-out")
    _, _, link = call(server, "GET", f"/api/v1/links/{short_id}")
    assert (link["click_count"], link["bot_count"]) == (1, 1)


def test_people_get_a_page_saying_why_a_link_cannot_redirect(server: Server) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    short_id = create(server, url="https://example.com/", valid_since=tomorrow)
    status, headers, page = call(server, "GET", f"/{short_id}", headers=BROWSER)
    assert (status, headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert "not active yet" in page
    status, _, body = call(server, "GET", f"/{short_id}")
    assert (status, body["message"]) == (404, f"short link {short_id!r} is not valid yet")
