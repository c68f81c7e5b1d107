"""The real server's log at INFO holds no credentials and no target URLs' query strings.

Everything a client might consider secret goes through the server here, in successful and
failing requests: API keys (created, used, wrong), bearer tokens, target URLs with tokens in
their query strings (created, followed, refused), query strings of API calls, and an upload
URL's signature (used, and refused once tampered with). Then the
whole log (access lines, errors, start-up) is searched for each of them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.e2e.server import call, running_server

TARGET_SECRET = "utm-secret-0a1b2c3d"
BAD_KEY = "sk_" + "Z" * 40
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.c2lnbmF0dXJlLWxlYWs"


def test_no_secret_reaches_the_log_at_info(tmp_path: Path) -> None:
    with running_server(tmp_path, LOG_LEVEL="INFO") as server:
        status, _, created = call(server, "POST", "/api/v1/keys", {"name": "ci"})
        assert status == 201
        key = created["secret"]
        auth = {"authorization": f"Bearer {key}"}
        target = f"https://example.com/private?token={TARGET_SECRET}&session={TARGET_SECRET}"
        status, _, link = call(server, "POST", "/api/v1/links", {"url": target}, auth)
        assert status == 201
        assert call(server, "GET", f"/{link['short_id']}?ref={TARGET_SECRET}")[0] == 302
        assert call(server, "POST", "/shorten", {"url": f"javascript:{TARGET_SECRET}"})[0] == 400
        assert call(server, "POST", "/api/v1/links", {"url": target, "alias": "a b"})[0] == 422
        assert (
            call(server, "GET", "/api/v1/items", headers={"authorization": f"Bearer {BAD_KEY}"})[0]
            == 401
        )
        assert call(server, "GET", "/api/v1/items", headers={"authorization": f"Bearer {BEARER}"})[
            0
        ] in (200, 401)
        assert call(server, "GET", f"/api/v1/links?cursor={TARGET_SECRET}", headers=auth)[0] == 400
        # An upload URL's signature is its only credential: sent, then sent tampered with.
        status, _, upload = call(server, "POST", "/api/v1/imports/uploads", {"filename": "a.csv"})
        assert status == 201
        upload_path = upload["upload_url"].removeprefix(server.base_url)
        signature = parse_qs(urlsplit(upload_path).query)["signature"][0]
        rows = b"https://example.com/imported\n"
        tampered = upload_path.replace("expires=", "expires=1")
        assert call(server, "PUT", tampered, rows, upload["headers"])[0] == 403
        assert call(server, "PUT", upload_path, rows, upload["headers"])[0] == 200
        call(server, "GET", "/health?done=1")
        log = server.log_once_it_has('"/health"')
    assert log.count('"path"') >= 10, "every request must have been logged"
    for secret in (key, key[3:], BAD_KEY, BEARER, TARGET_SECRET, signature):
        assert secret not in log
