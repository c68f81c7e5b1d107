"""A password form in a content coding is refused alike where it may be posted.

`POST /api/v1/unlock/{short_id}` answers a body sent with `Content-Encoding: gzip` (or
any coding but identity) with 415, as every route with a body does (decision 0702).
`POST /{short_id}`, which README and decision 0106 say answers the same, is the redirect
front's (redirect_layer.py, through `redirects.answer`): it refuses alike, where reading
the body as it came unlocked and counted a click for a plain form labelled gzip.
"""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient

FORM = b"password=open+sesame"


def post(
    api: TestClient, path: str, body: bytes, codings: tuple[str, ...] = ("gzip",)
) -> tuple[int, int]:
    """The answer's status, and the link's clicks after it (a Content-Encoding line a coding)."""
    created = api.post(
        "/api/v1/links",
        json={"url": "https://example.com/locked", "password": "open sesame"},
    )
    short_id = created.json()["short_id"]
    headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        *(("content-encoding", coding) for coding in codings),
        ("accept", "application/json"),
    ]
    status = api.post(
        path.format(short_id), content=body, headers=headers, follow_redirects=False
    ).status_code
    return status, api.get(f"/api/v1/links/{short_id}").json()["click_count"]


@pytest.mark.parametrize("body", [FORM, gzip.compress(FORM)], ids=["labelled", "gzipped"])
def test_the_api_route_refuses_a_coded_form(client: TestClient, body: bytes) -> None:
    assert post(client, "/api/v1/unlock/{}", body) == (415, 0)


@pytest.mark.parametrize("body", [FORM, gzip.compress(FORM)], ids=["labelled", "gzipped"])
def test_the_short_links_own_path_refuses_it_alike(client: TestClient, body: bytes) -> None:
    assert post(client, "/{}", body) == (415, 0)
    response = client.post("/nosuchlink1", content=FORM, headers={"content-encoding": "br"})
    assert response.status_code == 415
    assert response.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/unlock/{}",
        "/{}",
    ],
)
def test_a_coding_on_a_second_header_line_is_refused_alike(client: TestClient, path: str) -> None:
    # Two Content-Encoding lines are one list of codings (RFC 9110 5.3): identity, then gzip.
    assert post(client, path, FORM, codings=("identity", "gzip")) == (415, 0)


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/api/v1/unlock/{}", "/{}"])
@pytest.mark.parametrize("codings", [("gzip",), ("identity", "gzip"), ("gzip", "identity")])
def test_a_browser_gets_the_415_as_a_page_an_api_client_as_json(
    client: TestClient, path: str, codings: tuple[str, ...]
) -> None:
    created = client.post(
        "/api/v1/links", json={"url": "https://example.com/locked", "password": "open sesame"}
    )
    short_id = created.json()["short_id"]
    coded = [("content-encoding", coding) for coding in codings]
    form = [("content-type", "application/x-www-form-urlencoded"), *coded]
    page = client.post(path.format(short_id), content=FORM, headers=[*form, ("accept", BROWSER)])
    assert page.status_code == 415
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["accept-encoding"] == "identity"
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert f"Content-Encoding {', '.join(codings)} is not supported" in page.text
    assert f'<a href="/{short_id}">Back to the password form</a>' in page.text
    machine = client.post(path.format(short_id), content=FORM, headers=form)
    assert machine.status_code == 415
    assert machine.json() == {
        "message": f"Content-Encoding {', '.join(codings)} is not supported: send the body "
        "uncompressed"
    }
    assert machine.headers["accept-encoding"] == "identity"
    assert client.get(f"/api/v1/links/{short_id}").json()["click_count"] == 0
