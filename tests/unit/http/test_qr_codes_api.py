"""A link's QR code over HTTP: GET/HEAD /api/v1/qr/{short_id} (decision 0115)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.http.routes.qr_codes import chosen_format
from tests.auth_support import jwt_mode_client
from tests.conftest import settings_for
from tests.fakes import FakeClock
from tests.qr_decoding import decode_png, decode_svg, png_pixels

BASE = "https://sho.rt"
CHROME_IMG_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def api(tmp_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    container = bootstrap(settings_for("sqlite", tmp_path, public_base_url=BASE), clock=clock)
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


def new_link(api: TestClient, **fields: object) -> dict[str, object]:
    response = api.post("/api/v1/links", json={"url": "https://example.org/a/page", **fields})
    assert response.status_code == 201, response.text
    link: dict[str, object] = response.json()
    return link


def test_the_png_encodes_the_short_url_the_api_shows(api: TestClient) -> None:
    link = new_link(api)
    response = api.get(f"/api/v1/qr/{link['short_id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["vary"] == "Accept"
    assert response.headers["etag"].startswith('"qr.')
    assert png_pixels(response.content)[:2] == (300, 300)
    assert decode_png(response.content) == [link["short_url"]] == [f"{BASE}/{link['short_id']}"]


def test_svg_by_format_or_by_an_accept_that_prefers_it(api: TestClient) -> None:
    short_id = new_link(api, alias="spring-sale")["short_id"]
    by_format = api.get(f"/api/v1/qr/{short_id}", params={"format": "svg", "size": 256})
    by_accept = api.get(f"/api/v1/qr/{short_id}?size=256", headers={"Accept": "image/svg+xml"})
    assert by_format.headers["content-type"] == by_accept.headers["content-type"] == "image/svg+xml"
    assert by_format.content == by_accept.content
    assert decode_svg(by_format.content) == [f"{BASE}/spring-sale"]
    # A browser's <img> accepts both alike: PNG, which every mail client shows.
    chrome = api.get(f"/api/v1/qr/{short_id}", headers={"Accept": CHROME_IMG_ACCEPT})
    assert chrome.headers["content-type"] == "image/png"
    ranked = api.get(f"/api/v1/qr/{short_id}", headers={"Accept": "image/png;q=0.5, image/svg+xml"})
    assert ranked.headers["content-type"] == "image/svg+xml"


def test_every_option_is_drawn(api: TestClient) -> None:
    short_id = new_link(api)["short_id"]
    params = {"size": 500, "margin": 1, "ecc": "H", "color": "#1f3a93", "background": "fffbe6"}
    response = api.get(f"/api/v1/qr/{short_id}", params=params)
    assert response.status_code == 200
    width, height, pixels = png_pixels(response.content)
    assert (width, height) == (500, 500)
    assert set(pixels) == {(0x1F * 299 + 0x3A * 587 + 0x93 * 114) // 1000, 249}
    assert decode_png(response.content) == [f"{BASE}/{short_id}"]


def test_a_revalidation_is_a_304_and_other_options_another_tag(api: TestClient) -> None:
    short_id = new_link(api)["short_id"]
    first = api.get(f"/api/v1/qr/{short_id}")
    again = api.get(f"/api/v1/qr/{short_id}", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    other = api.get(
        f"/api/v1/qr/{short_id}?ecc=H", headers={"If-None-Match": first.headers["etag"]}
    )
    assert other.status_code == 200
    assert other.headers["etag"] != first.headers["etag"]


def test_head_answers_the_headers_of_get(api: TestClient) -> None:
    short_id = new_link(api)["short_id"]
    got, head = api.get(f"/api/v1/qr/{short_id}"), api.head(f"/api/v1/qr/{short_id}")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-length"] == str(len(got.content))


def test_a_code_counts_no_click(api: TestClient) -> None:
    short_id = new_link(api)["short_id"]
    api.get(f"/api/v1/qr/{short_id}")
    assert api.get(f"/api/v1/links/{short_id}").json()["click_count"] == 0


def test_no_code_for_a_link_that_would_not_redirect(api: TestClient, clock: FakeClock) -> None:
    assert api.get("/api/v1/qr/nosuch1").status_code == 404
    assert api.get("/api/v1/qr/no%20id").status_code == 404
    disabled = new_link(api)["short_id"]
    api.patch(f"/api/v1/links/{disabled}", json={"is_active": False})
    answer = api.get(f"/api/v1/qr/{disabled}")
    assert answer.status_code == 410
    assert answer.headers["content-type"] == "application/json"
    assert "disabled" in answer.json()["message"]
    later = new_link(api, valid_since="2026-07-01T00:00:00Z")["short_id"]
    assert api.get(f"/api/v1/qr/{later}").status_code == 404
    expiring = new_link(api, ttl_days=1)["short_id"]
    assert api.get(f"/api/v1/qr/{expiring}").status_code == 200
    clock.advance(days=2)
    assert api.get(f"/api/v1/qr/{expiring}").status_code == 410


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("size=100000", "size"),
        ("size=63", "size"),
        ("margin=17", "margin"),
        ("ecc=m", "ecc"),
        ("format=gif", "format"),
        ("color=red", "color"),
        ("color=%23888&background=%23999", "color"),
        ("color=ffffff&background=000000", "color"),
    ],
)
def test_bad_options_are_a_422_naming_the_option(api: TestClient, query: str, field: str) -> None:
    short_id = new_link(api)["short_id"]
    response = api.get(f"/api/v1/qr/{short_id}?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["message"]
    assert body["detail"][0]["loc"] == ["query", field]


def test_a_size_too_small_for_a_long_alias_says_what_fits(api: TestClient) -> None:
    alias = "a-very-long-alias-for-a-very-long-campaign-name-" + "x" * 16
    new_link(api, alias=alias)
    response = api.get(f"/api/v1/qr/{alias}?size=64&margin=16&ecc=H")
    assert response.status_code == 422
    assert "need at least" in response.json()["message"]


def test_it_needs_no_credentials_in_jwt_mode(tmp_path: Path) -> None:
    with jwt_mode_client(tmp_path) as anonymous:
        assert anonymous.get("/api/v1/qr/nosuch1").status_code == 404  # not 401


def test_the_document_says_what_it_answers(api: TestClient) -> None:
    operation = api.get("/openapi.json").json()["paths"]["/api/v1/qr/{short_id}"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"image/png", "image/svg+xml"}
    assert {"304", "404", "410", "422"} <= set(operation["responses"])
    assert "security" not in operation
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names >= {"format", "size", "margin", "ecc", "color", "background", "If-None-Match"}


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "png"),
        ("image/svg+xml", "svg"),
        ("image/png, image/svg+xml", "png"),
        ("image/png;q=0.5, image/svg+xml", "svg"),
        ("*/*;q=0.1, image/svg+xml;q=0.5", "svg"),
        # A wildcard ranks every type it covers that the list does not name itself.
        ("image/*;q=0.9, image/png;q=0.1", "svg"),
        ("*/*, image/png;q=0.2", "svg"),
        ("image/svg+xml;q=0.3, image/*;q=0.8", "png"),
    ],
)
def test_accept_chooses_the_format_by_its_ranks(accept: str | None, chosen: str) -> None:
    assert chosen_format(None, accept) == chosen
