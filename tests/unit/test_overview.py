"""GET /api/v1/stats: every link of the caller at once, from the per-owner roll-ups.

Through HTTP on SQLite with real redirects and the local event dispatcher; two callers
(jwt mode) to show each sees only their own. Also: no raw client address is written
anywhere (the database file, its WAL, the logs), only the daily visitor hash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import Container
from shortstack.entrypoints.http.app import create_app
from tests.auth_support import bearer, jwt_mode_container, token
from tests.conftest import dispatcher_for
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ADDRESS = "203.0.113.77"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    salt = "a-deployment-secret"
    # Behind CloudFront, as on AWS: each visit's CloudFront-Viewer-Address is believed.
    with jwt_mode_container(
        tmp_path, clock=FakeClock(NOW), visitor_hash_salt=salt, trust_cloudfront_viewer_headers=True
    ) as built:
        yield built


@pytest.fixture
def api(container: Container) -> TestClient:
    return TestClient(create_app(container), follow_redirects=False)


def visit(api: TestClient, short_id: str, address: str, status: int = 302, **headers: str) -> None:
    headers = {"cloudfront-viewer-address": f"{address}:443", "user-agent": IPHONE, **headers}
    assert api.get(f"/{short_id}", headers=headers).status_code == status


def test_the_overview_sums_the_callers_links_and_counts_each_visitor_once_a_day(
    api: TestClient, container: Container
) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    links = [
        api.post("/api/v1/links", json={"url": f"https://example.com/{n}"}, headers=alice).json()
        for n in range(12)
    ]
    bobs = api.post("/api/v1/links", json={"url": "https://bob.example/"}, headers=bob).json()
    for rank, link in enumerate(links):
        for n in range(12 - rank):  # link 0 most clicked
            visit(api, link["short_id"], f"198.51.100.{n}", referer="https://t.co/x")
    visit(api, bobs["short_id"], ADDRESS, **{"cloudfront-viewer-country": "DE"})
    dispatcher_for(container).drain()

    body = api.get("/api/v1/stats", headers=alice).json()
    assert (body["from"], body["to"]) == ("2026-10-26", "2026-11-24")
    assert len(body["days"]) == 30
    assert body["clicks"] == sum(range(1, 13)) == 78
    # 12 addresses, each on several links: one visitor each on the day.
    assert body["unique_visitors"] == 12
    assert body["days"][-1] == {
        "day": "2026-11-24",
        "clicks": 78,
        "bots": 0,
        "unique_visitors": 12,
    }
    assert [t["short_id"] for t in body["top_links"]] == [link["short_id"] for link in links[:10]]
    assert [t["clicks"] for t in body["top_links"]] == list(range(12, 2, -1))
    assert body["top_links"][0]["url"] == "https://example.com/0"
    assert body["referrers"] == [{"value": "t.co", "clicks": 78}]
    assert body["devices"] == [{"value": "mobile", "clicks": 78}]
    assert body["countries"] == [{"value": "(unknown)", "clicks": 78}]
    assert [b["value"] for b in body["browsers"]] == ["Mobile Safari"]

    # The overview equals the sum of the per-link stats.
    per_link = [
        api.get(f"/api/v1/links/{link['short_id']}/stats", headers=alice).json() for link in links
    ]
    assert sum(s["clicks"] for s in per_link) == body["clicks"]
    assert sum(s["unique_visitors"] for s in per_link) == 78  # per link, each visit is new

    # Bob sees his own only; alice's links never appear.
    bobs_view = api.get("/api/v1/stats", headers=bob).json()
    assert (bobs_view["clicks"], bobs_view["unique_visitors"]) == (1, 1)
    assert [t["short_id"] for t in bobs_view["top_links"]] == [bobs["short_id"]]
    assert bobs_view["countries"] == [{"value": "DE", "clicks": 1}]

    # A deleted link leaves the top links (its stats went with it).
    api.delete(f"/api/v1/links/{links[0]['short_id']}", headers=alice)
    dispatcher_for(container).drain()
    after = api.get("/api/v1/stats", headers=alice).json()
    assert links[0]["short_id"] not in [t["short_id"] for t in after["top_links"]]
    assert len(after["top_links"]) == 10


def test_every_breakdown_the_overview_answers_counts_the_callers_clicks(
    api: TestClient, container: Container
) -> None:
    """The overview answers only the breakdowns the owner's day keeps (decision 0110): a
    list it names but never fills would tell a caller that none of their visitors had,
    say, an operating system."""
    alice = bearer(token("alice"))
    link = api.post("/api/v1/links", json={"url": "https://example.com/"}, headers=alice).json()
    for n in range(3):
        visit(api, link["short_id"], f"198.51.100.{n}", referer="https://t.co/x")
    dispatcher_for(container).drain()

    body = api.get("/api/v1/stats", headers=alice).json()
    breakdowns = {
        name: value
        for name, value in body.items()
        if isinstance(value, list)
        and name not in ("days", "top_links", "per_utc_day", "days_by_utc_day")
    }
    # `hours`: the clicks by hour of the day (decision 0114).
    assert set(breakdowns) == {"referrers", "countries", "browsers", "devices", "hours"}
    for name, counts in breakdowns.items():
        assert sum(count["clicks"] for count in counts) == 3, name


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-25&to=2026-11-01", "from"),
        ("from=2025-01-01&to=2026-11-01", "from"),
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
    ],
)
def test_the_range_is_validated_like_a_links_stats(api: TestClient, query: str, field: str) -> None:
    response = api.get(f"/api/v1/stats?{query}", headers=bearer(token("alice")))
    assert response.status_code == 422
    assert field in str(response.json())


def test_a_range_answers_every_day_of_it_and_needs_a_caller(api: TestClient) -> None:
    alice = bearer(token("alice"))
    body = api.get("/api/v1/stats?from=2026-11-01&to=2026-11-03", headers=alice).json()
    assert [d["day"] for d in body["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert (body["clicks"], body["unique_visitors"], body["top_links"]) == (0, 0, [])
    assert api.get("/api/v1/stats").status_code == 401


def test_no_raw_client_address_is_written_anywhere(
    api: TestClient, container: Container, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    alice = bearer(token("alice"))
    short_id = api.post(
        "/api/v1/links", json={"url": "https://example.com/"}, headers=alice
    ).json()["short_id"]
    visit(api, short_id, ADDRESS)
    visit(api, "nosuch1", ADDRESS, 404)
    dispatcher_for(container).drain()
    assert api.get("/api/v1/stats", headers=alice).json()["unique_visitors"] == 1
    container.close()
    written = b"".join(path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())
    assert written  # the database is there
    assert ADDRESS.encode() not in written
    assert ADDRESS not in caplog.text


def test_the_overview_downloads_as_csv_with_the_links_clicks_and_only_the_callers(
    api: TestClient, container: Container
) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    first = api.post("/api/v1/links", json={"url": "https://example.com/a"}, headers=alice).json()
    second = api.post("/api/v1/links", json={"url": "https://example.com/b"}, headers=alice).json()
    bobs = api.post("/api/v1/links", json={"url": "https://bob.example/"}, headers=bob).json()
    for n in range(3):
        visit(api, first["short_id"], f"198.51.100.{n}", referer="https://t.co/x")
    visit(api, second["short_id"], ADDRESS)
    visit(api, bobs["short_id"], ADDRESS)
    dispatcher_for(container).drain()

    for asked in ({"params": {"format": "csv"}}, {"headers": {"accept": "text/csv"}}):
        headers = {**alice, **asked.get("headers", {})}
        response = api.get("/api/v1/stats", params=asked.get("params"), headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="stats.csv"' in response.headers["content-disposition"]
        lines = response.text.splitlines()
        assert lines[0] == "period_start,period,dimension,value,clicks"
        assert "2026-11-24,day,all,,4" in lines
        assert f"2026-11-24,day,links,{first['short_id']},3" in lines
        assert f"2026-11-24,day,links,{second['short_id']},1" in lines
        assert "2026-11-24,day,referrers,t.co,3" in lines
        assert bobs["short_id"] not in response.text
    refused = api.get("/api/v1/stats?format=csv&from=2026-11-24&to=2026-11-01", headers=alice)
    assert refused.status_code == 422
