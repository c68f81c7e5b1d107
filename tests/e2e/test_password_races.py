"""Password links through the real server on SQLite: concurrency and forged viewer headers.

Every request comes from 127.0.0.1, so all of them are one client of each link's
wrong-password limit (docs/decisions/0106, 0704).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from shortstack.domain.passwords import WRONG_ATTEMPTS_MAX
from tests.concurrency import race
from tests.e2e.server import Server, call, running_server

FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("password-races")) as live:
        yield live


def password_link(server: Server, alias: str) -> str:
    body = {"url": "https://example.com/locked", "alias": alias, "password": "open sesame"}
    status, _, link = call(server, "POST", "/api/v1/links", body)
    assert status == 201, link
    return f"/api/v1/unlock/{alias}"


def unlock(server: Server, path: str, password: str, **headers: str) -> str:
    form = f"password={password.replace(' ', '+')}".encode()
    return str(call(server, "POST", path, form, {**FORM, **headers})[0])


def test_thirty_right_passwords_at_once_all_redirect(server: Server) -> None:
    # Each check holds one of the client's five attempts while scrypt runs; the others wait
    # for one instead of getting "too many wrong passwords" (24 of 30 did).
    path = password_link(server, "race-right")
    assert Counter(race(30, lambda n: unlock(server, path, "open sesame"))) == {"302": 30}
    _, _, link = call(server, "GET", "/api/v1/links/race-right")
    assert link["click_count"] == 30


def test_wrong_passwords_at_once_are_checked_no_more_than_the_limit(server: Server) -> None:
    path = password_link(server, "race-wrong")
    outcomes = Counter(race(20, lambda n: unlock(server, path, f"guess {n}")))
    assert outcomes == {"401": WRONG_ATTEMPTS_MAX, "429": 20 - WRONG_ATTEMPTS_MAX}
    assert unlock(server, path, "open sesame") == "429"


@pytest.mark.parametrize("route", ["/api/v1/unlock/{}", "/{}"])
def test_a_forged_viewer_address_gets_no_fresh_allowance(server: Server, route: str) -> None:
    alias = "forged-api" if route.startswith("/api") else "forged-here"
    password_link(server, alias)
    path = route.format(alias)
    for n in range(WRONG_ATTEMPTS_MAX):
        forged = {"cloudfront-viewer-address": f"203.0.113.{n}:443"}
        assert unlock(server, path, "guess", **forged) == "401"
    assert unlock(server, path, "guess", **{"cloudfront-viewer-address": "198.51.100.1:1"}) == (
        "429"
    )
