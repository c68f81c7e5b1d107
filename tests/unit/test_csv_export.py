"""CSV exports: the rows (pure), the streaming, the content negotiation and the HTTP answers."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from starlette.requests import Request

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.analytics import DailyStats
from shortstack.domain.csv_export import LINK_COLUMNS, csv_lines, link_row, safe_cell, stats_rows
from shortstack.domain.links import create_link
from shortstack.domain.pagination import MAX_PAGE_SIZE
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.http.csv_export import LINES_PER_CHUNK, csv_response, wants_csv
from shortstack.entrypoints.http.schemas.links import ExportReady
from shortstack.service_layer import link_browse
from tests.conftest import settings_for

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain, with comma", "plain, with comma"),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_defused(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_each_row_is_one_rfc4180_line_and_reads_back_whole() -> None:
    lines = list(csv_lines(("a", "b"), [['say "hi", then', "ünï ✓"], ["x\ny", ""]]))
    assert lines[0] == "a,b\r\n"
    assert parsed("".join(lines)) == [["a", "b"], ['say "hi", then', "ünï ✓"], ["x\ny", ""]]


def test_a_link_row_holds_its_counts_tags_state_and_dates() -> None:
    link = create_link(
        short_id="launch",
        owner="ann",
        url="https://example.com/?a=1,2",
        now=NOW,
        expires_at=NOW + timedelta(days=1),
        title="Launch, day one",
        tags=("promo", "q3"),
        max_visits=10,
        imported_clicks=1234,
    )
    row = dict(zip(LINK_COLUMNS, link_row(link, "https://sho.rt", NOW), strict=True))
    assert row["short_url"] == "https://sho.rt/launch"
    assert (row["tags"], row["state"], row["is_active"]) == ("promo|q3", "active", "true")
    assert (row["click_count"], row["imported_clicks"], row["max_visits"]) == (0, 1234, 10)
    assert row["expires_at"] == "2026-06-02T09:00:00.000Z"


def test_stats_rows_give_each_period_its_totals_then_every_value() -> None:
    day = DailyStats(date(2026, 5, 2), clicks=3, bots=1)
    day.counts["referrers"] = {"news.example": 2, "(direct)": 1}
    day.counts["countries"] = {"DE": 3}
    month = DailyStats(date(2026, 1, 1), clicks=7, bots=0)
    assert list(stats_rows([day], [month])) == [
        ["2026-01-01", "month", "all", "", 7],
        ["2026-01-01", "month", "bots", "", 0],
        ["2026-05-02", "day", "all", "", 3],
        ["2026-05-02", "day", "bots", "", 1],
        ["2026-05-02", "day", "referrers", "news.example", 2],
        ["2026-05-02", "day", "referrers", "(direct)", 1],
        ["2026-05-02", "day", "countries", "DE", 3],
    ]


def _request(accept: str) -> Request:
    return Request({"type": "http", "headers": [(b"accept", accept.encode())]})


@pytest.mark.parametrize(
    ("accept", "csv_wanted"),
    [
        ("text/csv", True),
        ("text/csv;q=0.9, application/json;q=0.8", True),
        ("application/json, text/csv", False),
        ("application/json;q=0.5, text/csv", True),
        ("*/*", False),
        ("", False),
        ("text/csv;q=0", False),
        ("text/csv;q=nonsense", False),
    ],
)
def test_accept_chooses_csv_only_when_it_is_preferred(accept: str, csv_wanted: bool) -> None:
    assert wants_csv(_request(accept), None) is csv_wanted


@pytest.mark.parametrize(
    ("lines", "csv_wanted"),
    [
        (("text/html", "text/csv"), True),
        (("application/json;q=0.5", "text/csv"), True),
        (("text/csv;q=0.5", "application/json"), False),
    ],
)
def test_accept_on_several_lines_is_one_list(lines: tuple[str, str], csv_wanted: bool) -> None:
    # RFC 9110 5.3, and API Gateway joins the lines so: the API Lambda reads them together.
    headers = [(b"accept", line.encode()) for line in lines]
    assert wants_csv(Request({"type": "http", "headers": headers}), None) is csv_wanted


def test_the_format_parameter_overrides_accept() -> None:
    assert wants_csv(_request("application/json"), "csv")
    assert not wants_csv(_request("text/csv"), "json")


def test_rows_are_read_only_as_the_answer_is_sent() -> None:
    read = 0

    def rows() -> Iterator[list[object]]:
        nonlocal read
        for n in range(10 * LINES_PER_CHUNK):
            read += 1
            yield [n]

    async def first_chunk() -> bytes | str | memoryview:
        async for chunk in csv_response(("n",), rows(), "n.csv").body_iterator:
            return chunk
        raise AssertionError("no chunk at all")

    first = asyncio.run(first_chunk())
    assert bytes(first).startswith(b"n\r\n0\r\n")
    assert read <= LINES_PER_CHUNK  # one chunk's worth, not the whole export


@pytest.fixture(params=["sqlite", "dynamodb"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    if request.param == "dynamodb":
        request.getfixturevalue("moto_dynamodb")
    container: Container = bootstrap(settings_for(request.param, tmp_path))
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


@dataclass
class Download:
    headers: Mapping[str, str]
    text: str


def download(api: TestClient, path: str, **options: Any) -> Download:
    """A links export as a client that follows redirects gets it: streamed by the server
    (SQLite), or written to S3 and fetched from the 303's Location (DynamoDB, on moto)."""
    response = api.get(path, follow_redirects=False, **options)
    storage = api.app.state.container.settings.storage  # type: ignore[attr-defined]
    if storage != "dynamodb":
        assert response.status_code == 200, response.text
        return Download(response.headers, response.text)
    assert response.status_code == 303, response.text
    body = ExportReady.model_validate(response.json())  # the body the OpenAPI document states
    assert set(response.json()) == set(ExportReady.model_fields)
    assert body.url == response.headers["location"]
    fetched = requests.get(response.headers["location"], timeout=10)
    assert fetched.status_code == 200
    return Download(fetched.headers, fetched.text)


def test_every_link_is_exported_past_any_page_size_with_the_filters(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Store pages of 50 (500 shipped): 240 links cross them as 1,200 would cross 500, and
    # the API's page size too, for a fifth of the writes.
    monkeypatch.setattr(link_browse, "EXPORT_PAGE", 50)
    total = 240
    entries = [
        {"url": f"https://example.com/{n}", "tags": ["odd" if n % 2 else "even"]}
        for n in range(total)
    ]
    assert total > 4 * link_browse.EXPORT_PAGE
    assert total > MAX_PAGE_SIZE
    assert api.post("/api/v1/links/batch", json={"links": entries}).status_code == 200
    api.patch(
        f"/api/v1/links/{api.get('/api/v1/links?limit=1').json()[0]['short_id']}",
        json={"is_active": False},
    )
    response = download(api, "/api/v1/links?format=csv&sort=clicks&page=3&limit=5")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="links.csv"'
    rows = parsed(response.text)
    assert rows[0] == list(LINK_COLUMNS)
    assert len(rows) == total + 1
    assert {row[2] for row in rows[1:]} == {f"https://example.com/{n}" for n in range(total)}
    created = [row[8] for row in rows[1:]]
    assert created == sorted(created, reverse=True)  # newest first
    assert len(parsed(download(api, "/api/v1/links?format=csv&tag=odd").text)) == total // 2 + 1
    disabled = parsed(download(api, "/api/v1/links?format=csv&state=disabled").text)
    assert [row[5] for row in disabled[1:]] == ["disabled"]
    searched = download(
        api, "/api/v1/links", params={"q": "example.com/239"}, headers={"accept": "text/csv"}
    )
    assert [row[2] for row in parsed(searched.text)[1:]] == ["https://example.com/239"]
    json_page = api.get("/api/v1/links?limit=5", headers={"accept": "application/json"})
    assert len(json_page.json()) == 5


def test_a_link_s_stats_export_has_a_row_per_day_and_404s_for_unknown_links(
    api: TestClient,
) -> None:
    short_id = api.post("/api/v1/links", json={"url": "https://example.com/"}).json()["short_id"]
    response = api.get(f"/api/v1/links/{short_id}/stats?format=csv&from=2026-01-01&to=2026-01-03")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{short_id}-stats.csv"'
    rows = parsed(response.text)
    assert rows[0] == ["period_start", "period", "dimension", "value", "clicks"]
    assert [row[0] for row in rows[1:] if row[2] == "all"] == [
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
    ]
    assert api.get("/api/v1/links/nope123/stats?format=csv").status_code == 404
    too_long = api.get(f"/api/v1/links/{short_id}/stats?format=csv&from=2020-01-01&to=2026-01-01")
    assert too_long.status_code == 422
