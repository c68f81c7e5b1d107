"""The raw redirect front answers exactly as FastAPI's own redirect route would.

`RedirectingFastAPI` answers `GET/HEAD/POST /{short_id}` before FastAPI runs
(redirect_layer.py); `/{short_id}/` reaches FastAPI's route, which calls the same
`entrypoints/redirects.answer`. For every kind of link and request the front handles,
both give the same status, headers and body, byte for byte, and count the same clicks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import Container, bootstrap
from shortstack.entrypoints.http.app import create_app
from tests.conftest import settings_for
from tests.fakes import FakeClock

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
BROWSER = {"accept": "text/html,application/xhtml+xml", "user-agent": IPHONE}
BOT = {"user-agent": "Twitterbot/1.0"}
# Headers only FastAPI's middleware adds to a response, never the front: the front leaves
# them out on purpose (redirect_layer.py, decision 0102).
ROUTE_ONLY = {"date", "server"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def container(tmp_path: Path, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(
        settings_for("sqlite", tmp_path, public_base_url="https://sho.rt/"), clock=clock
    )
    yield built
    built.close()


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), follow_redirects=False) as client:
        yield client


def create(api: TestClient, **body: Any) -> str:
    response = api.post("/api/v1/links", json={"url": "https://example.com/page", **body})
    assert response.status_code == 201, response.text
    short_id: str = response.json()["short_id"]
    return short_id


def clicks(api: TestClient, short_id: str) -> int:
    count: int = api.get(f"/api/v1/links/{short_id}").json()["click_count"]
    return count


def exchange(api: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    """(status, headers in order without the route-only ones, body) of one request."""
    response = api.request(method, path, headers={"x-correlation-id": "same-id", **headers})
    kept = [(k, v) for k, v in response.headers.multi_items() if k not in ROUTE_ONLY]
    return response.status_code, kept, response.content


def links(api: TestClient, clock: FakeClock) -> dict[str, str]:
    """One link of each kind the redirect path tells apart, by name."""
    made = {
        "plain": create(api),
        "permanent": create(api, redirect_status=301),
        "307": create(api, redirect_status=307),
        "308": create(api, redirect_status=308),
        "forwards its query": create(api, url="https://example.com/p?a=1", forward_query=True),
        "password": create(api, password="open sesame"),
        "preview": create(
            api,
            preview={
                "title": "A card",
                "description": "d",
                "image_url": "https://example.com/i.png",
            },
        ),
        "rules": create(
            api,
            url="https://example.com/desktop",
            rules=[{"url": "https://example.com/ios", "device": "ios"}],
        ),
        "with fallback, disabled": create(api, fallback_url="https://example.com/sorry"),
        "disabled": create(api),
        "expired": create(api, ttl_days=1),
        "not yet valid": create(api, valid_since="2026-07-01T00:00:00Z"),
    }
    for name in ("with fallback, disabled", "disabled"):
        api.patch(f"/api/v1/links/{made[name]}", json={"is_active": False})
    clock.advance(days=2)
    made["unknown"] = "nosuchlink1"
    return made


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("who", "headers"),
    [("an API client", {}), ("a browser on an iPhone", BROWSER), ("a crawler", BOT)],
)
def test_the_front_and_the_route_answer_byte_for_byte_alike(
    api: TestClient, clock: FakeClock, method: str, who: str, headers: dict[str, str]
) -> None:
    for name, short_id in links(api, clock).items():
        query = "?utm=x&b=2" if name == "forwards its query" else ""
        before = clicks(api, short_id) if name != "unknown" else 0
        front = exchange(api, method, f"/{short_id}{query}", headers)
        after_front = clicks(api, short_id) if name != "unknown" else 0
        route = exchange(api, method, f"/{short_id}/{query}", headers)
        after_route = clicks(api, short_id) if name != "unknown" else 0
        assert front == route, (name, who)
        # Each path counts what the other does (a person's GET of a live link: one click).
        assert after_front - before == after_route - after_front, (name, who)


def test_the_kinds_of_answers_compared_are_the_ones_meant(
    api: TestClient, clock: FakeClock
) -> None:
    made = links(api, clock)
    status = {name: exchange(api, "GET", f"/{sid}", {})[0] for name, sid in made.items()}
    assert status == {
        "plain": 302,
        "permanent": 301,
        "307": 307,
        "308": 308,
        "forwards its query": 302,
        "password": 401,
        "preview": 302,
        "rules": 302,
        "with fallback, disabled": 302,
        "disabled": 410,
        "expired": 410,
        "not yet valid": 404,
        "unknown": 404,
    }
    forwarded = exchange(api, "GET", f"/{made['forwards its query']}?utm=x&b=2", {})[1]
    assert ("location", "https://example.com/p?a=1&utm=x&b=2") in forwarded
    assert exchange(api, "GET", f"/{made['password']}", BROWSER)[0] == 200  # the form
    assert exchange(api, "GET", f"/{made['preview']}", BOT)[0] == 200  # the card
    ios = exchange(api, "GET", f"/{made['rules']}", BROWSER)[1]
    assert ("location", "https://example.com/ios") in ios
    assert clicks(api, made["plain"]) == 1
    assert exchange(api, "HEAD", f"/{made['plain']}", {})[2] == b""
    assert clicks(api, made["plain"]) == 1  # a HEAD counts nothing


PREFETCHES = [
    {"sec-purpose": "prefetch"},
    {"sec-purpose": "prefetch;prerender"},
    {"purpose": "prefetch"},
]


@pytest.mark.parametrize("prefetch", PREFETCHES)
@pytest.mark.parametrize("path", ["/{}", "/{}/"])  # the front, FastAPI's route
def test_a_browser_prefetch_gets_the_answer_a_visit_gets_and_counts_nothing(
    api: TestClient, clock: FakeClock, prefetch: dict[str, str], path: str
) -> None:
    made = links(api, clock)
    for name, short_id in made.items():
        url = path.format(short_id)
        ahead = [exchange(api, "GET", url, {**h, **prefetch}) for h in ({}, BROWSER)]
        if name != "unknown":
            assert clicks(api, short_id) == 0, name
        assert ahead == [exchange(api, "GET", url, h) for h in ({}, BROWSER)], name
    assert clicks(api, made["plain"]) == 2  # the two visits, not the prefetches
    once = create(api, max_visits=1)
    for _ in range(3):
        assert exchange(api, "GET", path.format(once), prefetch)[0] == 302
    assert exchange(api, "GET", path.format(once), {})[0] == 302  # the visit is still there
    assert clicks(api, once) == 1


@pytest.mark.parametrize("purpose", [{}, {"sec-purpose": "prefetch"}])  # not a GET: no prefetch
def test_a_password_form_posted_to_the_short_link_unlocks_it_on_both_paths(
    api: TestClient, purpose: dict[str, str]
) -> None:
    short_id = create(api, password="open sesame")
    form = {
        "content-type": "application/x-www-form-urlencoded",
        "x-correlation-id": "same-id",
        **purpose,
    }
    answers = []
    for path in (f"/{short_id}", f"/{short_id}/"):
        for body in (b"password=wrong", b"password=open+sesame"):
            response = api.post(path, content=body, headers=form)
            kept = [(k, v) for k, v in response.headers.multi_items() if k not in ROUTE_ONLY]
            answers.append((response.status_code, kept, response.content))
    assert answers[:2] == answers[2:]
    assert [status for status, _, _ in answers[:2]] == [401, 302]
    assert clicks(api, short_id) == 2


def test_a_prefetch_and_a_head_never_wait_on_the_group_commit_writer(
    container: Container, clock: FakeClock
) -> None:
    """Only a counting GET queues behind other clicks' commits; the rest answer at once."""
    app = create_app(container)
    layer = app.redirect_layer
    assert layer is not None
    assert layer.writer is not None
    writer = layer.writer
    runs: list[str] = []

    class CountingWriter:
        async def run(self, work: Any, *, self_contained: bool = False) -> Any:
            runs.append("run")
            return await writer.run(work, self_contained=self_contained)

    layer.writer = CountingWriter()
    with TestClient(app, follow_redirects=False) as api:
        short_id = create(api)
        for prefetch in PREFETCHES:
            assert api.get(f"/{short_id}", headers=prefetch).status_code == 302
        assert api.head(f"/{short_id}").status_code == 302
        assert runs == []
        assert api.get(f"/{short_id}").status_code == 302
        assert runs == ["run"]
        assert clicks(api, short_id) == 1


@pytest.mark.parametrize(
    "lines", [("application/json", "text/html"), ("text/html", "application/json")]
)
@pytest.mark.parametrize("path", ["/{}", "/{}/"])  # the front, FastAPI's route
def test_a_header_on_several_lines_is_read_whole_on_both_paths(
    api: TestClient, clock: FakeClock, lines: tuple[str, str], path: str
) -> None:
    """Two Accept lines are one list (RFC 9110 5.3), as the redirect Lambda reads them once
    its function URL has joined them: the one that names text/html makes it a browser's."""
    made = links(api, clock)
    accept = [("accept", line) for line in lines]
    for name in ("password", "unknown", "disabled"):
        response = api.get(path.format(made[name]), headers=accept)
        assert response.headers["content-type"] == "text/html; charset=utf-8", (name, lines)
    wrong = api.post(
        path.format(made["password"]),
        content=b"password=wrong",
        headers=[("content-type", "application/x-www-form-urlencoded"), *accept],
    )
    assert (wrong.status_code, wrong.headers["content-type"]) == (401, "text/html; charset=utf-8")
