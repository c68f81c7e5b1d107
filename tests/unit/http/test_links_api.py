"""Short links through HTTP on the local app: /shorten, /api/v1/links and the redirects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.bootstrap import Container, adapters_for, bootstrap
from shortstack.domain.short_ids import is_reserved
from shortstack.entrypoints.edge import EDGE_VIEWER_HEADER, ORIGIN_SECRET_HEADER
from shortstack.entrypoints.http.app import create_app
from shortstack.entrypoints.http.redirect_layer import top_level_paths
from shortstack.service_layer.events import PublishingUnitOfWork
from tests.conftest import settings_for
from tests.fakes import FakeClock

BASE = "https://sho.rt"
# The origin header our distribution adds: CloudFront-Viewer-* headers are believed with it.
EDGE = {ORIGIN_SECRET_HEADER: "a-secret-only-cloudfront-knows"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def recording_sqlite_container(tmp_path: Path, clock: FakeClock) -> Iterator[Container]:
    """SQLite on the fake clock, publishing to memory: these tests check the events too
    (every click's as well: CLICK_EVENTS_ON_BUS). A request carrying EDGE comes through
    "our distribution", as on AWS."""
    settings = settings_for(
        "sqlite",
        tmp_path,
        public_base_url=BASE + "/",
        click_events_on_bus=True,
        cloudfront_origin_secret=EDGE[ORIGIN_SECRET_HEADER],
    )
    publisher = MemoryEventPublisher()
    recording = replace(
        adapters_for(settings), publisher=publisher, uow=PublishingUnitOfWork(publisher)
    )
    built = bootstrap(settings, clock=clock, adapters=recording)
    yield built
    built.close()


@pytest.fixture
def api(recording_sqlite_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(recording_sqlite_container), follow_redirects=False) as test_client:
        yield test_client


def published(container: Container, detail_type: str) -> list[Any]:
    publisher = container.publisher
    assert isinstance(publisher, MemoryEventPublisher)
    return publisher.of_type(detail_type)


def create(api: TestClient, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/links", json={"url": "https://example.com/page", **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# -- POST /shorten -----------------------------------------------------------------------------


def test_shorten_follows_the_classic_contract(api: TestClient, clock: FakeClock) -> None:
    response = api.post("/shorten", json={"url": "https://example.com/a?b=1"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"short_id", "short_url", "original_url", "expires_at"}
    assert len(body["short_id"]) == 7
    assert body["short_url"] == f"{BASE}/{body['short_id']}"
    assert body["original_url"] == "https://example.com/a?b=1"
    assert body["expires_at"] == "2026-07-01T09:00:00.000Z"
    redirect = api.get(f"/{body['short_id']}")
    assert (redirect.status_code, redirect.headers["location"]) == (302, body["original_url"])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{}", "url is required"),
        (b'{"url": null}', "url is required"),
        (b'{"url": 42}', "must be a string"),
        (b'{"url": ""}', "url is required"),
        (b'{"url": "https://example.com", "alias": "x"}', "unknown field"),
        (b"not json", "JSON object"),
        (b"", "JSON object"),
        (b"[1, 2]", "JSON object"),
        (b'"https://example.com"', "JSON object"),
        (b"\xff\xfe{}", "send it as UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON object"),
        (b'{"url": "javascript:alert(1)"}', "scheme 'javascript'"),
        (b'{"url": "data:text/html,hi"}', "scheme 'data'"),
        (b'{"url": "file:///etc/passwd"}', "scheme 'file'"),
        (b'{"url": "ftp://example.com/f"}', "scheme 'ftp'"),
        (b'{"url": "https:///nohost"}', "host"),
        (b'{"url": "https://u:p@example.com"}', "credentials"),
        (b'{"url": "https://sho.rt/abc1234"}', "own host"),
        (b'{"url": "http://testserver/x"}', "own host"),
        (b'{"url": "java\\tscript:alert(1)"}', "whitespace or control"),
        (b'{"url": "https://example.com/\\ud800"}', "valid Unicode"),
        (json.dumps({"url": "https://example.com/" + "a" * 3000}).encode(), "at most 2048"),
    ],
)
def test_shorten_refuses_bad_input_with_a_json_400(
    api: TestClient, content: bytes, reason: str
) -> None:
    response = api.post("/shorten", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert list(body) == ["error"]
    assert reason in body["error"]
    assert api.get("/api/v1/links").json() == []


def test_shorten_of_an_oversized_body_is_a_json_413(api: TestClient) -> None:
    response = api.post("/shorten", content=b'{"url": "' + b"a" * 2_000_000 + b'"}')
    assert response.status_code == 413
    assert response.json()["message"]


# -- /api/v1/links -----------------------------------------------------------------------------


def test_create_with_every_option(api: TestClient, recording_sqlite_container: Container) -> None:
    body = create(
        api,
        alias="launch-2026",
        ttl_days=7,
        redirect_status=308,
        title="Launch",
        tags=["Promo", "q3"],
        max_visits=100,
    )
    assert body == {
        "short_id": "launch-2026",
        "short_url": f"{BASE}/launch-2026",
        "url": "https://example.com/page",
        "title": "Launch",
        "tags": ["promo", "q3"],
        "is_active": True,
        "redirect_status": 308,
        "expires_at": "2026-06-08T09:00:00.000Z",
        "max_visits": 100,
        "click_count": 0,
        "bot_count": 0,
        "state": "active",
        "imported_clicks": 0,
        "created_at": "2026-06-01T09:00:00.000Z",
        "updated_at": "2026-06-01T09:00:00.000Z",
        "valid_since": None,
        "fallback_url": None,
        "password_protected": False,
        "forward_query": False,
        "rules": [],
        "variants": [],
        "preview": None,
    }
    assert api.get("/api/v1/links/launch-2026").json() == body
    [event] = published(recording_sqlite_container, "LinkCreated")
    assert event.detail["short_id"] == "launch-2026"


def test_defaults_and_explicit_expiry(api: TestClient) -> None:
    plain = create(api)
    assert (plain["redirect_status"], plain["expires_at"], plain["tags"]) == (
        302,
        "2026-07-01T09:00:00.000Z",
        [],
    )
    timed = create(api, expires_at="2026-06-02T10:30:00+02:00")
    assert timed["expires_at"] == "2026-06-02T08:30:00.000Z"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        # RFC 3339 bounds no fraction; Go's and JavaScript's nanosecond clocks write nine
        # digits. Past microseconds they are cut, never rounded into the next second.
        ("2026-06-02T10:30:00.123456789Z", "2026-06-02T10:30:00.123Z"),
        ("2026-06-02T10:30:00.9999999+02:00", "2026-06-02T08:30:00.999Z"),
    ],
)
def test_a_time_with_more_than_six_fraction_digits_is_cut_to_microseconds(
    api: TestClient, sent: str, kept: str
) -> None:
    def on(day: str, text: str) -> str:
        return text.replace("-06-02T", f"-06-{day}T")

    created = create(api, valid_since=sent, expires_at=on("03", sent))
    assert (created["valid_since"], created["expires_at"]) == (kept, on("03", kept))
    changed = api.patch(f"/api/v1/links/{created['short_id']}", json={"expires_at": on("04", sent)})
    assert changed.status_code == 200, changed.text
    assert changed.json()["expires_at"] == on("04", kept)


def test_taken_alias_is_409_and_keeps_the_first_link(api: TestClient) -> None:
    create(api, alias="mine", url="https://first.example/")
    response = api.post("/api/v1/links", json={"url": "https://second.example/", "alias": "mine"})
    assert response.status_code == 409
    assert "taken" in response.json()["message"]
    assert api.get("/mine").headers["location"] == "https://first.example/"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"alias": "api"}, "alias", "reserved"),
        ({"alias": "Docs"}, "alias", "reserved"),
        ({"alias": "shorten"}, "alias", "reserved"),
        ({"alias": "no"}, "alias", "pattern"),
        ({"alias": "has/slash"}, "alias", "pattern"),
        ({"url": "javascript:alert(1)"}, "url", "scheme"),
        ({"url": "JAVASCRIPT:alert(1)"}, "url", "scheme"),
        ({"url": "  javascript:alert(1)"}, "url", "scheme"),
        ({"url": "vbscript:x"}, "url", "scheme"),
        ({"url": "data:,x"}, "url", "scheme"),
        ({"url": "file:///etc/passwd"}, "url", "scheme"),
        ({"url": "ftp://example.com/"}, "url", "scheme"),
        ({"url": "example.com"}, "url", "http"),
        ({"url": "https://"}, "url", "host"),
        ({"url": "https://a:b@example.com/"}, "url", "credentials"),
        ({"url": "https://sho.rt/x"}, "url", "own host"),
        ({"url": "https://example.com/" + "a" * 2100}, "url", "2048"),
        ({"url": "java\tscript:alert(1)"}, "url", "control"),
        ({"expires_at": "2026-07-01T00:00:00Z", "ttl_days": 3}, "expires_at", "not both"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "future"),
        ({"expires_at": "2026-07-01T00:00:00"}, "expires_at", "timezone"),
        ({"ttl_days": 0}, "ttl_days", "greater than"),
        ({"redirect_status": 303}, "redirect_status", ""),
        ({"max_visits": 0}, "max_visits", ""),
        ({"tags": ["has space"]}, "tags", "tag"),
        ({"title": "x" * 201}, "title", ""),
        ({"unexpected": 1}, "unexpected", "Extra"),
    ],
)
def test_invalid_creates_are_422_naming_the_field(
    api: TestClient, body: dict[str, Any], field: str, reason: str
) -> None:
    response = api.post("/api/v1/links", json={"url": "https://example.com/", **body})
    assert response.status_code == 422, response.text
    payload = response.json()
    assert reason in payload["message"]
    assert any(error["loc"][-1] == field or field in error["loc"] for error in payload["detail"])
    assert api.get("/api/v1/links").json() == []


def test_patch_changes_fields_and_publishes(
    api: TestClient, recording_sqlite_container: Container, clock: FakeClock
) -> None:
    link = create(api, title="old", tags=["a"], max_visits=5)
    clock.advance(minutes=1)
    response = api.patch(
        f"/api/v1/links/{link['short_id']}",
        json={
            "url": "https://new.example/",
            "title": None,
            "tags": ["b"],
            "max_visits": None,
            "expires_at": None,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["url"], body["title"], body["tags"]) == ("https://new.example/", None, ["b"])
    assert (body["max_visits"], body["expires_at"]) == (None, None)
    assert body["updated_at"] == "2026-06-01T09:01:00.000Z"
    [event] = published(recording_sqlite_container, "LinkUpdated")
    assert event.detail["fields"] == ["url", "expires_at", "title", "tags", "max_visits"]
    clock.advance(days=10_000)  # no expiry any more
    assert api.get(f"/{link['short_id']}").status_code == 302


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"url": None}, "cannot be null"),
        ({"is_active": None}, "cannot be null"),
        ({"url": "javascript:alert(1)"}, "scheme"),
        ({"url": "https://sho.rt/loop"}, "own host"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "future"),
        ({"is_active": "maybe"}, "bool"),
    ],
)
def test_invalid_patches_are_422_and_change_nothing(
    api: TestClient, body: dict[str, Any], reason: str
) -> None:
    link = create(api)
    response = api.patch(f"/api/v1/links/{link['short_id']}", json=body)
    assert response.status_code == 422
    assert reason in response.json()["message"]
    assert api.get(f"/api/v1/links/{link['short_id']}").json() == link


def test_patch_and_delete_of_unknown_links_are_404(api: TestClient) -> None:
    assert api.patch("/api/v1/links/nothing", json={"is_active": False}).status_code == 404
    assert api.delete("/api/v1/links/nothing").status_code == 404
    assert api.get("/api/v1/links/nothing").status_code == 404


def test_delete_then_the_id_is_gone_everywhere(
    api: TestClient, recording_sqlite_container: Container
) -> None:
    link = create(api)
    response = api.delete(f"/api/v1/links/{link['short_id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/api/v1/links/{link['short_id']}").status_code == 404
    assert api.get(f"/{link['short_id']}").status_code == 404
    assert len(published(recording_sqlite_container, "LinkDeleted")) == 1


def test_list_paginates_with_headers_and_filters_by_tag(api: TestClient, clock: FakeClock) -> None:
    ids = []
    for n in range(5):
        clock.advance(seconds=1)
        ids.append(create(api, tags=["even" if n % 2 == 0 else "odd"])["short_id"])
    first = api.get("/api/v1/links", params={"limit": 2})
    assert [link["short_id"] for link in first.json()] == ids[::-1][:2]
    assert first.headers["link"].endswith('rel="next"')
    rest = api.get("/api/v1/links", params={"limit": 5, "cursor": first.headers["x-next-cursor"]})
    assert [link["short_id"] for link in rest.json()] == ids[::-1][2:]
    assert "x-next-cursor" not in rest.headers
    even = api.get("/api/v1/links", params={"tag": "EVEN", "limit": 2})
    assert [link["short_id"] for link in even.json()] == [ids[4], ids[2]]
    assert "tag=EVEN" in even.headers["link"]
    assert api.get("/api/v1/links", params={"cursor": "forged"}).status_code == 400
    assert api.get("/api/v1/links", params={"tag": "bad tag"}).status_code == 422


# -- redirects ---------------------------------------------------------------------------------


def test_get_redirects_counts_and_publishes_the_click(
    api: TestClient, recording_sqlite_container: Container
) -> None:
    link = create(api)
    response = api.get(
        f"/{link['short_id']}",
        headers={
            "referer": "https://news.example/item?id=1",
            "user-agent": "Mozilla/5.0 (iPhone)",
            "cloudfront-viewer-country": "fr",
            "x-correlation-id": "visit-1",
            **EDGE,
        },
    )
    assert response.status_code == 302
    assert response.headers["location"] == "https://example.com/page"
    assert response.headers["cache-control"] == "private, max-age=0"
    assert response.headers["x-correlation-id"] == "visit-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.content == b""
    assert api.get(f"/api/v1/links/{link['short_id']}").json()["click_count"] == 1
    [event] = published(recording_sqlite_container, "LinkClicked")
    assert event.source == "shortstack.links"
    assert event.detail == {
        "short_id": link["short_id"],
        "occurred_at": "2026-06-01T09:00:00.000Z",
        "referrer": "https://news.example",
        "user_agent": "Mozilla/5.0 (iPhone)",
        "country": "FR",
        "visitor": None,
        "rule": None,
        "variant": None,
    }


def test_head_answers_like_get_without_counting(
    api: TestClient, recording_sqlite_container: Container
) -> None:
    link = create(api, max_visits=1)
    head = api.head(f"/{link['short_id']}")
    assert head.status_code == 302
    assert head.headers["location"] == "https://example.com/page"
    assert head.headers["cache-control"] == "private, max-age=0"
    assert api.get(f"/api/v1/links/{link['short_id']}").json()["click_count"] == 0
    assert published(recording_sqlite_container, "LinkClicked") == []
    assert api.get(f"/{link['short_id']}").status_code == 302
    assert api.head(f"/{link['short_id']}").status_code == 410


@pytest.mark.parametrize(("status", "cache"), [(301, "public, max-age=3600"), (307, "private")])
def test_redirect_status_and_caching_follow_the_link(
    api: TestClient, status: int, cache: str
) -> None:
    link = create(api, redirect_status=status)
    response = api.get(f"/{link['short_id']}")
    assert response.status_code == status
    assert response.headers["cache-control"].startswith(cache)


def test_unknown_ids_are_json_404s_kept_by_no_browser(api: TestClient) -> None:
    for path in ("/nothing1", "/ab", "/a.b", "/%F0%9F%92%A9", "/abc%00"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["message"]
    response = api.get("/nothing1")
    # A shared cache (CloudFront, keyed on Accept) may keep it for seconds; a browser not.
    assert response.headers["cache-control"] == "max-age=0, s-maxage=5"
    assert response.headers["content-type"] == "application/json"
    head = api.head("/nothing1")
    assert (head.status_code, head.content) == (404, b"")


def test_disabled_expired_and_used_up_links_are_json_410s(
    api: TestClient, clock: FakeClock
) -> None:
    disabled = create(api)["short_id"]
    api.patch(f"/api/v1/links/{disabled}", json={"is_active": False})
    expiring = create(api, ttl_days=1)["short_id"]
    limited = create(api, max_visits=2)["short_id"]
    assert [api.get(f"/{limited}").status_code for _ in range(3)] == [302, 302, 410]
    assert api.get(f"/api/v1/links/{limited}").json()["click_count"] == 2
    clock.advance(days=1)
    cases = {disabled: "disabled", expiring: "expired", limited: "visit limit"}
    for short_id, reason in cases.items():
        response = api.get(f"/{short_id}")
        assert response.status_code == 410
        assert reason in response.json()["message"]
        assert response.headers["cache-control"] == "no-store"
    api.patch(f"/api/v1/links/{disabled}", json={"is_active": True})
    assert api.get(f"/{disabled}").status_code == 302


def test_the_fastapi_route_answers_exactly_like_the_layer(api: TestClient) -> None:
    link = create(api)
    layer = api.get(f"/{link['short_id']}", headers={"x-correlation-id": "same"})
    route = api.get(f"/{link['short_id']}/", headers={"x-correlation-id": "same"})
    assert layer.status_code == route.status_code == 302
    for name in ("location", "cache-control", "x-correlation-id", "referrer-policy"):
        assert layer.headers[name] == route.headers[name]
    missing_layer, missing_route = api.get("/missing1"), api.get("/missing1/")
    assert missing_layer.json() == missing_route.json()
    assert missing_layer.headers["cache-control"] == missing_route.headers["cache-control"]
    assert api.get(f"/api/v1/links/{link['short_id']}").json()["click_count"] == 2


def test_app_paths_are_never_treated_as_short_links(api: TestClient) -> None:
    assert api.get("/health").json()["status"] == "healthy"
    assert api.get("/docs").status_code == 200
    assert api.get("/openapi.json").status_code == 200
    assert api.get("/").status_code == 200
    assert api.put("/abc1234").status_code == 405
    assert api.post("/abc1234").status_code == 400  # a password form without its field


def test_every_top_level_route_is_a_reserved_word(api: TestClient) -> None:
    """An alias must never shadow a route: a new top-level route needs a reserved word."""
    paths = top_level_paths(iter_route_contexts(api.app.routes))  # type: ignore[attr-defined]
    assert {"health", "docs", "redoc", "openapi.json", "shorten"} <= paths
    assert [path for path in paths if not is_reserved(path)] == []
    # The redirect layer reads the routers' own paths: they must be all the app has.
    assert api.app.redirect_layer.app_paths == paths  # type: ignore[attr-defined]


def test_openapi_documents_links_shorten_and_redirects(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/v1/links", "/api/v1/links/{short_id}", "/shorten", "/{short_id}"} <= set(paths)
    assert set(paths["/{short_id}"]) == {"get", "head", "post"}
    assert set(paths["/api/v1/unlock/{short_id}"]) == {"get", "head", "post"}
    assert "requestBody" in paths["/shorten"]["post"]
    follow = paths["/{short_id}"]["get"]["responses"]
    assert {"200", "301", "302", "307", "308", "401", "404", "410"} <= set(follow)
    unlock = paths["/api/v1/unlock/{short_id}"]["post"]["responses"]
    assert {"301", "302", "307", "308", "400", "401", "404", "405", "410", "429"} <= set(unlock)
    form = paths["/{short_id}"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form


def test_a_storage_failure_during_a_redirect_is_a_logged_json_500(
    api: TestClient,
    recording_sqlite_container: Container,
    monkeypatch: pytest.MonkeyPatch,
    json_logs: Any,
) -> None:
    link = create(api)

    def broken(short_id: str, now: datetime) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(recording_sqlite_container.redirects.links, "record_click", broken)
    response = api.get(f"/{link['short_id']}", headers={"x-correlation-id": "broken-1"})
    assert response.status_code == 500
    assert response.json() == {"message": "internal error; the correlation id identifies it"}
    assert response.headers["x-correlation-id"] == "broken-1"
    [line] = [line for line in json_logs() if line["message"] == "redirect failed"]
    assert line["correlation_id"] == "broken-1"
    assert "disk I/O error" in line["exception"]


def test_search_state_and_totals_through_http(client: Any) -> None:
    for n in range(3):
        body = {"url": f"https://example.com/guide-{n}", "alias": f"guide-{n}", "title": "Guide"}
        assert client.post("/api/v1/links", json=body).status_code == 201
    client.post("/api/v1/links", json={"url": "https://example.com/z", "alias": "zeta"})
    client.patch("/api/v1/links/guide-1", json={"is_active": False})
    found = client.get("/api/v1/links", params={"q": "GUIDE", "limit": 2, "page": 1})
    assert found.status_code == 200
    assert found.headers["x-total-count"] == "3"
    assert found.headers["x-total-exact"] == "true"
    assert [link["short_id"] for link in found.json()] == ["guide-2", "guide-1"]
    assert [link["state"] for link in found.json()] == ["active", "disabled"]
    disabled = client.get("/api/v1/links", params=[("state", "disabled"), ("state", "expired")])
    assert [link["short_id"] for link in disabled.json()] == ["guide-1"]
    assert client.get("/api/v1/links", params={"state": "sleeping"}).status_code == 422
    assert client.get("/api/v1/links", params={"sort": "title"}).status_code == 422
    by_clicks = client.get("/api/v1/links", params={"sort": "clicks"})
    assert by_clicks.headers["x-total-count"] == "4"


def test_expires_at_null_never_expires_and_shorten_keeps_thirty_days(client: Any) -> None:
    forever = client.post(
        "/api/v1/links", json={"url": "https://example.com/f", "expires_at": None}
    )
    assert forever.status_code == 201
    assert forever.json()["expires_at"] is None
    assert forever.json()["state"] == "active"
    default = client.post("/api/v1/links", json={"url": "https://example.com/d"}).json()
    assert default["expires_at"] is not None
    both = client.post(
        "/api/v1/links", json={"url": "https://example.com/x", "expires_at": None, "ttl_days": 3}
    )
    assert both.status_code == 422
    classic = client.post("/shorten", json={"url": "https://example.com/c"}).json()
    assert classic["expires_at"]


def test_a_zero_default_ttl_makes_new_links_last_forever(tmp_path: Path) -> None:
    container = bootstrap(settings_for("memory", tmp_path, default_link_ttl_days=0))
    try:
        with TestClient(create_app(container)) as api:
            plain = api.post("/api/v1/links", json={"url": "https://example.com/p"}).json()
            assert plain["expires_at"] is None
            classic = api.post("/shorten", json={"url": "https://example.com/c"}).json()
            assert classic["expires_at"]  # the classic contract keeps its 30 days
    finally:
        container.close()


# -- scheduling, fallback, passwords, rules, variants, previews ---------------------------

EVERYTHING = {
    "valid_since": "2026-06-02T00:00:00Z",
    "fallback_url": "https://Fallback.example/soon",
    "password": "  open sesame  ",
    "forward_query": True,
    "rules": [
        {"url": "https://ios.example/", "device": "ios"},
        {"url": "https://fr.example/", "language": "FR", "country": "fr", "query": {"a": "1"}},
    ],
    "variants": [
        {"url": "https://a.example/", "weight": 70},
        {"url": "https://b.example/", "weight": 30},
    ],
    "preview": {
        "title": "Launch",
        "description": "All about it",
        "image_url": "https://i.ex/p.png",
    },
}


def test_create_with_rules_variants_password_and_preview(api: TestClient) -> None:
    body = create(api, alias="all-of-it", **EVERYTHING)
    assert {key: body[key] for key in EVERYTHING if key != "password"} == {
        "valid_since": "2026-06-02T00:00:00.000Z",
        "fallback_url": "https://fallback.example/soon",
        "forward_query": True,
        "rules": [
            {"url": "https://ios.example/", "device": "ios", "language": None, "country": None,
             "query": None},
            {"url": "https://fr.example/", "device": None, "language": "fr", "country": "FR",
             "query": {"a": "1"}},
        ],
        "variants": [
            {"url": "https://a.example/", "weight": 70},
            {"url": "https://b.example/", "weight": 30},
        ],
        "preview": {"title": "Launch", "description": "All about it", "image_url": "https://i.ex/p.png"},
    }  # fmt: skip
    assert body["password_protected"] is True
    assert "password" not in body
    fetched = api.get("/api/v1/links/all-of-it")
    assert fetched.json() == body
    assert "sesame" not in fetched.text
    assert "scrypt" not in fetched.text
    assert "scrypt" not in api.get("/api/v1/links").text


def test_patch_sets_and_removes_a_password_and_the_routing(api: TestClient) -> None:
    create(api, alias="patchme")
    changed = api.patch("/api/v1/links/patchme", json=EVERYTHING)
    assert changed.status_code == 200, changed.text
    assert changed.json()["password_protected"] is True
    assert len(changed.json()["rules"]) == 2
    kept = api.patch("/api/v1/links/patchme", json={"title": "t"}).json()
    assert kept["password_protected"] is True
    assert kept["variants"] == changed.json()["variants"]
    removed = api.patch(
        "/api/v1/links/patchme",
        json={
            "password": None,
            "valid_since": None,
            "fallback_url": None,
            "preview": None,
            "rules": [],
            "variants": [],
            "forward_query": False,
        },
    ).json()
    assert removed["password_protected"] is False
    assert (removed["rules"], removed["variants"], removed["preview"]) == ([], [], None)
    assert (removed["valid_since"], removed["fallback_url"], removed["forward_query"]) == (
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"rules": [{"url": "https://x.example/", "device": "tablet"}]}, ["rules", "0", "device"]),
        (
            {"rules": [{"url": "https://x.example/", "language": "en-US"}]},
            ["rules", "0", "language"],
        ),
        ({"rules": [{"url": "https://x.example/", "country": "DEU"}]}, ["rules", "0", "country"]),
        ({"rules": [{"url": "https://x.example/"}]}, ["rules", "0"]),
        ({"rules": [{"url": "https://x.example/", "device": None}]}, ["rules", "0"]),
        ({"rules": [{"url": "https://x.example/", "query": {}}]}, ["rules", "0", "query"]),
        ({"rules": [{"url": "https://x.example/", "device": "ios", "x": 1}]}, ["rules", "0", "x"]),
        ({"rules": [{"url": "javascript:alert(1)", "device": "ios"}]}, ["rules", "0", "url"]),
        ({"rules": [{"url": "https://sho.rt/x", "device": "ios"}]}, ["rules", "0", "url"]),
        ({"rules": [{"url": "https://x.example/", "device": "ios"}] * 11}, ["rules"]),
        ({"variants": [{"url": "https://a.example/", "weight": 0}]}, ["variants", "0", "weight"]),
        ({"variants": [{"url": "https://a.example/", "weight": 101}]}, ["variants", "0", "weight"]),
        ({"variants": [{"url": "https://a.example/", "weight": 5}] * 6}, ["variants"]),
        ({"variants": [{"url": "ftp://a.example/", "weight": 5}]}, ["variants", "0", "url"]),
        ({"fallback_url": "https://sho.rt/loop"}, ["fallback_url"]),
        ({"fallback_url": "data:text/html,hi"}, ["fallback_url"]),
        ({"password": "abc"}, ["password"]),
        ({"password": "x" * 129}, ["password"]),
        ({"password": "tab\there"}, ["password"]),
        ({"preview": {}}, ["preview"]),
        ({"preview": {"image_url": "javascript:x"}}, ["preview", "image_url"]),
        ({"preview": {"title": "t" * 201}}, ["preview", "title"]),
        ({"valid_since": "2026-06-10T00:00:00Z", "ttl_days": 2}, ["valid_since"]),
        ({"valid_since": "2026-06-10T00:00:00"}, ["valid_since"]),
    ],
)
def test_bad_options_are_422_naming_the_field(
    api: TestClient, body: dict[str, Any], location: list[str]
) -> None:
    response = api.post("/api/v1/links", json={"url": "https://example.com/", **body})
    assert response.status_code == 422, response.text
    locations = [error["loc"] for error in response.json()["detail"]]
    assert any(loc[1 : 1 + len(location)] == location for loc in locations), locations
    assert api.get("/api/v1/links").json() == []


def test_a_patch_cannot_move_valid_since_past_the_expiry(api: TestClient) -> None:
    create(api, alias="window", ttl_days=2)
    late = api.patch("/api/v1/links/window", json={"valid_since": "2026-06-05T00:00:00Z"})
    assert late.status_code == 422
    assert late.json()["detail"][0]["loc"] == ["body", "valid_since"]
    fine = api.patch("/api/v1/links/window", json={"valid_since": "2026-06-02T00:00:00Z"})
    assert fine.status_code == 200
    early = api.patch("/api/v1/links/window", json={"expires_at": "2026-06-01T12:00:00Z"})
    assert early.status_code == 422
    assert early.json()["detail"][0]["loc"] == ["body", "expires_at"]
    for null_field in ("rules", "variants", "forward_query"):
        refused = api.patch("/api/v1/links/window", json={null_field: None})
        assert refused.status_code == 422, null_field


# -- the redirect of such links, through HTTP ------------------------------------------------

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1"
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def clicks_of(api: TestClient, short_id: str) -> int:
    count: int = api.get(f"/api/v1/links/{short_id}").json()["click_count"]
    return count


def test_a_password_link_shows_a_form_to_browsers_and_names_it_to_others(
    api: TestClient,
) -> None:
    create(api, alias="locked", password="open sesame")
    page = api.get("/locked", headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'action="/api/v1/unlock/locked"' in page.text
    machine = api.get("/locked")
    assert machine.status_code == 401
    assert machine.json()["form"] == {
        "method": "POST",
        "action": "/api/v1/unlock/locked",
        "content_type": "application/x-www-form-urlencoded",
        "field": "password",
    }
    assert machine.headers["www-authenticate"].startswith("LinkPassword ")
    head = api.head("/locked", headers=BROWSER)
    assert (head.status_code, head.content) == (200, b"")
    assert clicks_of(api, "locked") == 0


@pytest.mark.parametrize("path", ["/api/v1/unlock/locked", "/locked"])
def test_the_right_password_redirects_and_counts_a_wrong_one_shows_the_form_again(
    api: TestClient, path: str
) -> None:
    create(api, alias="locked", password="open sesame")
    wrong = api.post(path, content=b"password=open+says+me", headers={**FORM, **BROWSER})
    assert wrong.status_code == 401
    assert "That password is not right." in wrong.text
    assert clicks_of(api, "locked") == 0
    right = api.post(path, content=b"password=open+sesame", headers={**FORM, **BROWSER})
    assert right.status_code == 302
    assert right.headers["location"] == "https://example.com/page"
    assert clicks_of(api, "locked") == 1
    json_wrong = api.post(path, content=b"password=nope", headers=FORM)
    assert json_wrong.status_code == 401
    assert json_wrong.json()["message"] == "wrong password"


def test_enter_in_the_address_bar_after_a_wrong_password_leads_back_to_the_form(
    api: TestClient,
) -> None:
    # After a wrong password the address bar shows the form's target; Enter there is a GET.
    create(api, alias="locked", password="open sesame")
    wrong = api.post("/api/v1/unlock/locked", content=b"password=nope", headers={**FORM, **BROWSER})
    assert wrong.status_code == 401
    for method in ("GET", "HEAD"):
        back = api.request(method, "/api/v1/unlock/locked", headers=BROWSER)
        assert (back.status_code, back.headers["location"], back.content) == (303, "/locked", b"")
        assert back.headers["cache-control"] == "no-store"
    form = api.get("/api/v1/unlock/locked", headers=BROWSER, follow_redirects=True)
    assert form.status_code == 200
    assert 'action="/api/v1/unlock/locked"' in form.text
    assert clicks_of(api, "locked") == 0
    # No attempt used: four more wrong ones are still answered with the form.
    for _ in range(4):
        assert api.post("/locked", content=b"password=guess", headers=FORM).status_code == 401
    assert api.post("/locked", content=b"password=guess", headers=FORM).status_code == 429


def test_wrong_passwords_are_limited_then_answered_429_with_retry_after(
    api: TestClient, clock: FakeClock
) -> None:
    create(api, alias="locked", password="open sesame")
    for _ in range(5):
        assert api.post("/locked", content=b"password=guess", headers=FORM).status_code == 401
    limited = api.post("/locked", content=b"password=open+sesame", headers={**FORM, **BROWSER})
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 900
    assert "Too many wrong passwords" in limited.text
    # A way back to the form (the short link's page), as the 401 page is the form itself.
    assert '<a href="/locked">Back to the password form</a>' in limited.text
    machine = api.post("/api/v1/unlock/locked", content=b"password=x1234", headers=FORM)
    assert machine.status_code == 429
    seconds = machine.headers["retry-after"]
    assert machine.json() == {"message": f"too many wrong passwords; try again in {seconds} s"}
    clock.advance(minutes=15)
    assert api.post("/locked", content=b"password=open+sesame", headers=FORM).status_code == 302
    assert clicks_of(api, "locked") == 1


@pytest.mark.parametrize("path", ["/locked", "/api/v1/unlock/locked"])
@pytest.mark.parametrize(
    "proof", [{}, {ORIGIN_SECRET_HEADER: "a-guess"}, {ORIGIN_SECRET_HEADER: ""}]
)
def test_a_client_cannot_reset_its_wrong_passwords_by_naming_another_viewer_address(
    api: TestClient, path: str, proof: dict[str, str]
) -> None:
    # Without the distribution's secret (the local server; the API's own execute-api
    # endpoint, which anyone can call) the CloudFront-Viewer-* headers are the client's words.
    create(api, alias="locked", password="open sesame")

    def forged(n: int) -> dict[str, str]:
        address = f"203.0.113.{n}"
        sent = {"cloudfront-viewer-address": f"{address}:443", EDGE_VIEWER_HEADER: address}
        return {**FORM, **proof, **sent}

    for n in range(5):
        assert api.post(path, content=b"password=guess", headers=forged(n)).status_code == 401
    assert api.post(path, content=b"password=guess", headers=forged(99)).status_code == 429


@pytest.mark.parametrize("path", ["/locked", "/api/v1/unlock/locked"])
def test_through_the_distribution_each_viewer_has_its_own_wrong_passwords(
    api: TestClient, path: str
) -> None:
    create(api, alias="locked", password="open sesame")
    first = {**FORM, **EDGE, "cloudfront-viewer-address": "203.0.113.1:443"}
    for _ in range(5):
        assert api.post(path, content=b"password=guess", headers=first).status_code == 401
    assert api.post(path, content=b"password=guess", headers=first).status_code == 429
    # Another viewer behind the same edge (the same connection's address) is not locked out.
    second = {**FORM, **EDGE, "cloudfront-viewer-address": "198.51.100.7:443"}
    assert api.post(path, content=b"password=open+sesame", headers=second).status_code == 302


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"password=open+sesame&extra=1", FORM, 400),
        (b"pass=open+sesame", FORM, 400),
        (b'{"password": "open sesame"}', {"content-type": "application/json"}, 400),
        (b"password=" + b"x" * 2000, FORM, 413),
    ],
)
def test_a_post_that_is_not_the_one_field_form_is_refused(
    api: TestClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    create(api, alias="locked", password="open sesame")
    response = api.post("/locked", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert clicks_of(api, "locked") == 0


def test_a_password_post_to_a_link_without_one_is_a_405(api: TestClient) -> None:
    create(api, alias="plain")
    response = api.post("/plain", content=b"password=abcd", headers=FORM)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_people_get_pages_and_machines_json_for_links_that_cannot_redirect(
    api: TestClient, clock: FakeClock
) -> None:
    create(api, alias="later", valid_since="2026-06-02T00:00:00Z")
    create(api, alias="off")
    api.patch("/api/v1/links/off", json={"is_active": False})
    # Only an unknown id's 404 may sit in a shared cache for seconds; a link that exists
    # may start or come back at any moment.
    for path, status, words, cache in (
        ("/later", 404, "not active yet", "no-store"),
        ("/off", 410, "turned off", "no-store"),
        ("/nosuch1", 404, "No link here", "max-age=0, s-maxage=5"),
    ):
        page = api.get(path, headers=BROWSER)
        assert (page.status_code, page.headers["content-type"]) == (
            status,
            "text/html; charset=utf-8",
        )
        assert words in page.text
        assert page.headers["cache-control"] == cache
        machine = api.get(path)
        assert machine.json()["message"]
        assert machine.headers["cache-control"] == cache
    clock.advance(days=1)
    assert api.get("/later").status_code == 302


def test_the_fallback_takes_visitors_who_cannot_be_redirected_and_counts_nothing(
    api: TestClient,
) -> None:
    create(api, alias="once", max_visits=1, fallback_url="https://fallback.example/")
    assert api.get("/once").headers["location"] == "https://example.com/page"
    fallback = api.get("/once", headers=BROWSER)
    assert (fallback.status_code, fallback.headers["location"]) == (
        302,
        "https://fallback.example/",
    )
    assert fallback.headers["cache-control"] == "no-store"
    assert clicks_of(api, "once") == 1


def test_rules_send_an_iphone_elsewhere_and_the_query_is_forwarded(api: TestClient) -> None:
    create(
        api,
        alias="ruled",
        forward_query=True,
        rules=[{"url": "https://apps.apple.com/app/x", "device": "ios"}],
    )
    iphone = api.get("/ruled?utm_source=mail", headers={"user-agent": IPHONE_UA})
    assert iphone.headers["location"] == "https://apps.apple.com/app/x?utm_source=mail"
    other = api.get("/ruled?utm_source=mail")
    assert other.headers["location"] == "https://example.com/page?utm_source=mail"
    assert clicks_of(api, "ruled") == 2


def test_crawlers_are_redirected_counted_apart_and_never_use_up_a_link(
    api: TestClient, recording_sqlite_container: Container
) -> None:
    create(api, alias="once", max_visits=1, preview={"title": "Launch day"})
    crawled = api.get("/once", headers={"user-agent": GOOGLEBOT_UA})
    assert crawled.status_code == 302
    slack = api.get("/once", headers={"user-agent": "Slackbot-LinkExpanding 1.0"})
    assert slack.status_code == 200
    assert '<meta property="og:title" content="Launch day">' in slack.text
    assert clicks_of(api, "once") == 0
    assert api.get("/api/v1/links/once").json()["bot_count"] == 2
    assert api.get("/once", headers={"user-agent": "curl/8.5.0"}).status_code == 302
    assert api.get("/once").status_code == 410
    bots = published(recording_sqlite_container, "LinkVisitedByBot")
    assert [event.detail["bot"] for event in bots] == [
        "crawler",
        "preview",
    ]
    assert len(published(recording_sqlite_container, "LinkClicked")) == 1


def test_variants_are_chosen_per_visit_and_named_in_each_click(
    api: TestClient, recording_sqlite_container: Container
) -> None:
    create(
        api,
        alias="abtest",
        variants=[
            {"url": "https://a.example/", "weight": 50},
            {"url": "https://b.example/", "weight": 50},
        ],
    )
    places = [api.get("/abtest").headers["location"] for _ in range(30)]
    assert set(places) == {"https://a.example/", "https://b.example/"}
    clicked = published(recording_sqlite_container, "LinkClicked")
    variants = [event.detail["variant"] for event in clicked]
    assert [["https://a.example/", "https://b.example/"][v] for v in variants] == places
    assert len(variants) == 30 == clicks_of(api, "abtest")


def test_a_links_etag_changes_with_its_clicks_but_if_match_ignores_them(api: TestClient) -> None:
    link = create(api, alias="tagged1")
    path = "/api/v1/links/tagged1"
    read = api.get(path)
    tag = read.headers["etag"]
    assert read.json() == link
    for method in ("GET", "HEAD"):
        unchanged = api.request(method, path, headers={"If-None-Match": f"W/{tag}"})
        assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (
            304,
            b"",
            tag,
        )
    assert api.get("/tagged1").status_code == 302  # a click: the body's click_count moves
    clicked = api.get(path, headers={"If-None-Match": tag})
    assert clicked.status_code == 200
    assert clicked.json()["click_count"] == 1
    assert clicked.headers["etag"] != tag
    # The click is no change of the owner's: the PATCH made from the first read goes through.
    patched = api.patch(path, json={"title": "mine"}, headers={"If-Match": tag})
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == api.get(path).headers["etag"]
    late = api.patch(path, json={"title": "theirs"}, headers={"If-Match": tag})
    assert late.status_code == 412
    assert "changed since you read it" in late.json()["message"]
    assert api.delete(path, headers={"If-Match": tag}).status_code == 412
    assert api.get(path).json()["title"] == "mine"
    assert api.delete(path, headers={"If-Match": patched.headers["etag"]}).status_code == 204


@pytest.mark.parametrize(
    ("header", "status"),
    [("*", 200), ("W/{tag}", 412), ('"1.ab"', 412), ("{tag}, junk", 400), ("", 400)],
)
def test_if_match_forms_on_a_link(api: TestClient, header: str, status: int) -> None:
    create(api, alias="forms12")
    tag = api.get("/api/v1/links/forms12").headers["etag"]
    response = api.patch(
        "/api/v1/links/forms12",
        json={"is_active": False},
        headers={"If-Match": header.format(tag=tag)},
    )
    assert response.status_code == status, response.text


def test_requests_without_conditional_headers_answer_as_before(api: TestClient) -> None:
    create(api, alias="plain12")
    assert api.patch("/api/v1/links/plain12", json={"title": "t"}).json()["title"] == "t"
    assert api.delete("/api/v1/links/plain12").status_code == 204
    assert (
        api.patch(
            "/api/v1/links/plain12", json={"title": "t"}, headers={"If-Match": "*"}
        ).status_code
        == 404
    )


def test_a_new_links_201_carries_the_etag_its_first_read_answers(api: TestClient) -> None:
    created = api.post("/api/v1/links", json={"url": "https://example.com/", "alias": "fresh12"})
    assert created.status_code == 201
    assert created.headers["etag"] == api.get("/api/v1/links/fresh12").headers["etag"]


def test_if_none_match_on_a_links_write_is_evaluated_412_when_it_names_its_version_or_star(
    api: TestClient,
) -> None:
    """Found by the outsider pass (fails before the fix): If-None-Match on a PATCH or DELETE
    was ignored (RFC 9110 13.1.2: a false condition on a write is a 412). As with If-Match,
    only the version in the tag counts on a write: a click in between is no change."""
    create(api, alias="nomatch1")
    path = "/api/v1/links/nomatch1"
    tag = api.get(path).headers["etag"]
    assert api.get("/nomatch1").status_code == 302  # a click: the GET's tag moves
    for header in ("*", tag, f"W/{tag}"):
        refused = api.patch(path, json={"title": "theirs"}, headers={"If-None-Match": header})
        assert refused.status_code == 412, header
        assert api.delete(path, headers={"If-None-Match": header}).status_code == 412
    assert api.get(path).json()["title"] is None
    changed = api.patch(path, json={"title": "mine"}, headers={"If-None-Match": '"1.ab"'})
    assert changed.status_code == 200
    assert api.delete(path, headers={"If-None-Match": tag}).status_code == 204


def test_an_if_match_of_more_tags_than_a_store_takes_is_a_400(api: TestClient) -> None:
    """Found by the outsider pass (fails before the fix): 300 tags were a 412 here and a
    500 on DynamoDB, whose IN takes at most 100 operands."""
    create(api, alias="manytags")
    tags = ", ".join(f'"{n}"' for n in range(1, 301))
    for method in ("PATCH", "DELETE"):
        answer = api.request(
            method, "/api/v1/links/manytags", json={"title": "x"}, headers={"If-Match": tags}
        )
        assert answer.status_code == 400, answer.text
        assert "at most 50" in answer.json()["message"]


def test_if_match_on_a_links_read_is_evaluated_on_its_version(api: TestClient) -> None:
    """Found by the outsider pass (fails before the fix): a GET or HEAD with a stale If-Match
    answered 200 (RFC 9110 13.1.1: 412). As on a write, a click in between is no change."""
    create(api, alias="readif1")
    path = "/api/v1/links/readif1"
    tag = api.get(path).headers["etag"]
    assert api.get("/readif1").status_code == 302
    for method in ("GET", "HEAD"):
        assert api.request(method, path, headers={"If-Match": tag}).status_code == 200
        assert api.request(method, path, headers={"If-Match": '"1.ab"'}).status_code == 412
    assert api.patch(path, json={"title": "moved"}).status_code == 200
    assert api.get(path, headers={"If-Match": tag}).status_code == 412


def test_a_links_412_names_the_etag_a_read_answers_now(api: TestClient) -> None:
    """Found by the outsider pass (fails before the fix): the 412 said "its ETag is now
    \"<version>\"", a tag no answer about the link carries (its ETag is "<version>.<digest>"):
    a client that took it for If-None-Match never got its 304."""
    create(api, alias="tag412a")
    path = "/api/v1/links/tag412a"
    stale = api.get(path).headers["etag"]
    assert api.patch(path, json={"title": "moved"}).status_code == 200
    for method in ("PATCH", "DELETE", "GET"):
        late = api.request(method, path, json={"title": "x"}, headers={"If-Match": stale})
        assert late.status_code == 412
        now = api.get(path).headers["etag"]
        assert f"its ETag is now {now}" in late.json()["message"], method
        assert late.headers["etag"] == now
        assert api.get(path, headers={"If-None-Match": late.headers["etag"]}).status_code == 304
