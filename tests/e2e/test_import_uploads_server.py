"""A file too large for a direct POST on AWS, imported through the real server's upload URL.

The server runs with the direct limit AWS has (what a Lambda event carries, domain/
uploads.py), so the file is refused by `POST /api/v1/imports` with a 413 that names
the upload flow, and `shortstack import --url` takes that flow: upload URL, PUT,
poll. Then the URL is attacked over real HTTP: reused, forged, too long a body.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shortstack.domain.uploads import LAMBDA_IMPORT_MAX_BYTES
from tests.e2e.rawhttp import exchange
from tests.e2e.server import call, running_server

ROWS = 20_000


def test_a_file_over_the_lambda_limit_imports_through_the_upload_url(tmp_path: Path) -> None:
    big = tmp_path / "campaign.csv"
    # Long campaign URLs: a file over the limit in few rows keeps the test short.
    tracking = "&".join(f"utm_{name}=spring-newsletter-2026" for name in "abcdefghi")
    lines = (f"https://example.com/c/{n:06d}?{tracking}" for n in range(ROWS))
    big.write_text("url\n" + "\n".join(lines) + "\n")
    data = big.read_bytes()
    assert len(data) > LAMBDA_IMPORT_MAX_BYTES

    env = {"IMPORT_MAX_BYTES": str(LAMBDA_IMPORT_MAX_BYTES)}
    with running_server(tmp_path / "data", **env) as server:
        base = server.base_url
        head = (
            f"POST /api/v1/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        refused = exchange(base, head, (data[i : i + 65536] for i in range(0, len(data), 65536)))
        assert refused.status == 413
        assert "POST /api/v1/imports/uploads" in refused.json()["message"]

        cli = subprocess.run(
            [sys.executable, "-m", "shortstack.entrypoints.cli", "import", str(big), "--url", base],
            env={**os.environ, "STORAGE": "sqlite", "DATA_DIR": str(tmp_path / "cli")},
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert cli.returncode == 0, cli.stderr.decode(errors="replace")
        summary = json.loads(cli.stdout)
        assert (summary["status"], summary["counts"]["loaded"]) == ("succeeded", ROWS)
        assert f"uploading {len(data):,} bytes" in cli.stderr.decode()
        _, _, done = call(server, "GET", f"/api/v1/imports/{summary['import_id']}")
        assert (done["filename"], done["upload"]["size"]) == ("campaign.csv", len(data))

        small = b"https://example.com/one\n"
        status, _, upload = call(
            server, "POST", "/api/v1/imports/uploads", {"filename": "one.csv", "size": len(small)}
        )
        assert status == 201
        url, headers = upload["upload_url"], upload["headers"]
        assert url.startswith(f"{base}/api/v1/imports/uploads/{upload['import_id']}?")
        path = url.removeprefix(base)
        forged = path.replace("expires=", "expires=9")
        assert call(server, "PUT", forged, small, headers)[0] == 403
        longer = small + b"https://example.com/two\n"
        assert call(server, "PUT", path, longer, headers)[0] == 413
        assert call(server, "PUT", path, small, headers)[0] == 200
        status, _, reused = call(server, "PUT", path, small, headers)
        assert status == 409
        assert "takes no more files" in reused["message"]
