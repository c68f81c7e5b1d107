"""`?tz=` on a link's stats, the overview and their CSV, through HTTP on SQLite.

Real redirects at chosen instants (the clock moved between them), folded by the local
store as on the server; then the answers in UTC and in the viewer's zone (decision 0114).
"""

from __future__ import annotations

import csv
import io
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

# 14:30 UTC on 1 March: 23:30 in Tokyo. The second visit, at 15:30, is 00:30 on the 2nd there.
FIRST = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
ALICE = bearer(token("alice"))


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with jwt_mode_container(tmp_path, clock=FakeClock(FIRST)) as built:
        yield built


@pytest.fixture
def api(container: Container) -> TestClient:
    return TestClient(create_app(container), follow_redirects=False)


@pytest.fixture
def short_id(api: TestClient, container: Container) -> str:
    link = api.post("/api/v1/links", json={"url": "https://example.com/"}, headers=ALICE).json()
    clock = container.links.clock
    assert isinstance(clock, FakeClock)
    assert api.get(f"/{link['short_id']}", headers={"referer": "https://t.co/x"}).is_redirect
    clock.advance(hours=1)
    assert api.get(f"/{link['short_id']}", headers={"user-agent": "Googlebot/2.1"}).status_code
    assert api.get(f"/{link['short_id']}").is_redirect
    dispatcher_for(container).drain()
    return str(link["short_id"])


def days(body: dict[str, object]) -> list[tuple[object, object, object]]:
    found = body["days"]
    assert isinstance(found, list)
    return [(d["day"], d["clicks"], d["bots"]) for d in found]


RANGE = {"from": "2026-03-01", "to": "2026-03-02"}


def test_a_links_stats_in_tokyo_put_the_evening_clicks_on_the_local_days(
    api: TestClient, short_id: str
) -> None:
    utc = api.get(f"/api/v1/links/{short_id}/stats", params=RANGE, headers=ALICE).json()
    assert days(utc) == [("2026-03-01", 2, 1), ("2026-03-02", 0, 0)]
    assert (utc["time_zone"], utc["days_by_utc_day"]) == ("UTC", [])
    assert [h["clicks"] for h in utc["hours"]][14:16] == [1, 1]

    params = {**RANGE, "tz": "Asia/Tokyo"}
    tokyo = api.get(f"/api/v1/links/{short_id}/stats", params=params, headers=ALICE).json()
    assert days(tokyo) == [("2026-03-01", 1, 0), ("2026-03-02", 1, 1)]
    assert (tokyo["time_zone"], tokyo["clicks"], tokyo["bots"]) == ("Asia/Tokyo", 2, 1)
    assert [(h["hour"], h["clicks"]) for h in tokyo["hours"] if h["clicks"]] == [(0, 1), (23, 1)]
    assert "referrers" in tokyo["per_utc_day"]
    assert tokyo["referrers"] == utc["referrers"]


def test_the_overview_and_its_csv_in_tokyo(api: TestClient, short_id: str) -> None:
    params = {**RANGE, "tz": "Asia/Tokyo"}
    body = api.get("/api/v1/stats", params=params, headers=ALICE).json()
    assert days(body) == [("2026-03-01", 1, 0), ("2026-03-02", 1, 1)]
    assert [t["short_id"] for t in body["top_links"]] == [short_id]
    assert "top_links" in body["per_utc_day"]

    answer = api.get("/api/v1/stats", params={**params, "format": "csv"}, headers=ALICE)
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert ["2026-03-01", "day", "all", "", "1"] in rows
    assert ["2026-03-02", "day", "all", "", "1"] in rows
    # The values stay per UTC day, and say so.
    assert ["2026-03-01", "utc_day", "links", short_id, "2"] in rows
    assert ["2026-03-01", "utc_day", "hours", "14", "1"] in rows
    assert not [row for row in rows if row[1] == "day" and row[2] == "links"]


def test_a_links_csv_in_utc_keeps_its_hours_as_values_of_the_day(
    api: TestClient, short_id: str
) -> None:
    answer = api.get(
        f"/api/v1/links/{short_id}/stats", params={**RANGE, "format": "csv"}, headers=ALICE
    )
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert ["2026-03-01", "day", "hours", "14", "1"] in rows
    assert ["2026-03-01", "day", "bot_hours", "15", "1"] in rows
    assert not [row for row in rows if row[1] == "utc_day"]


@pytest.mark.parametrize("path", ["/api/v1/stats", "/api/v1/links/{short_id}/stats"])
@pytest.mark.parametrize("tz", ["Mars/Olympus", "Europe", "../etc/passwd", "", "x" * 65])
def test_an_unknown_zone_is_a_422_that_says_what_tz_takes(
    api: TestClient, short_id: str, path: str, tz: str
) -> None:
    for extra in ({}, {"format": "csv"}):
        answer = api.get(path.format(short_id=short_id), params={"tz": tz, **extra}, headers=ALICE)
        assert answer.status_code == 422, answer.text
        assert "tz" in answer.text


def test_an_unknown_zones_message_names_iana_names(api: TestClient, short_id: str) -> None:
    answer = api.get("/api/v1/stats", params={"tz": "Mars/Olympus"}, headers=ALICE)
    assert "IANA time zone" in answer.json()["message"]


def test_the_openapi_document_states_tz_on_both_stats_operations(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    for path in ("/api/v1/stats", "/api/v1/links/{short_id}/stats"):
        operation = document["paths"][path]["get"]
        [tz] = [p for p in operation["parameters"] if p["name"] == "tz"]
        assert (tz["in"], tz["schema"]["anyOf"][0]["maxLength"]) == ("query", 64)
        assert "422" in operation["responses"]
