"""`shortstack import` killed with SIGKILL mid-load; the server resumes it, nothing doubles.

The real processes, the real SQLite file: the CLI imports 20,000 rows into DATA_DIR and
is killed once some chunks are loaded. `shortstack serve` on the same DATA_DIR resumes
the unfinished import at start-up; then `shortstack import --url` sends one more file
through the running server. Every row ends up as exactly one link.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.server import call, running_server

ROWS = 20_000


def progress(data_dir: Path) -> tuple[str | None, int]:
    """The import's status and how many of its chunks are loaded (None before it exists)."""
    try:
        with sqlite3.connect(data_dir / "shortstack.sqlite3", timeout=10) as connection:
            job = connection.execute("SELECT status FROM imports").fetchone()
            chunks = connection.execute("SELECT COUNT(*) FROM import_chunks").fetchone()[0]
    except sqlite3.OperationalError:  # the CLI has not created the tables yet
        return None, 0
    return (job[0] if job else None), int(chunks)


def links(data_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / "shortstack.sqlite3", timeout=10) as connection:
        return connection.execute("SELECT short_id, url FROM links").fetchall()


def shortstack(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "shortstack.entrypoints.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_killed_import_resumes_in_the_server_without_duplicates(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    big = tmp_path / "big.csv"
    big.write_text("\n".join(f"https://example.com/page/{n}" for n in range(ROWS)) + "\n")
    env = {**os.environ, "STORAGE": "sqlite", "DATA_DIR": str(data_dir)}

    child = shortstack("import", str(big), env=env)
    try:
        deadline = time.monotonic() + 60
        while progress(data_dir)[1] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=10)
    status, chunks = progress(data_dir)
    assert status == "running", "the kill must land mid-import"
    assert 1 <= chunks < ROWS // 2000
    assert 0 < len(links(data_dir)) < ROWS

    with running_server(data_dir) as server:
        deadline = time.monotonic() + 60
        while progress(data_dir)[0] == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert progress(data_dir)[0] == "succeeded"

        small = tmp_path / "small.csv"
        small.write_text("url,alias\nhttps://example.com/extra,extra-page\n")
        remote = shortstack("import", str(small), "--url", server.base_url, env=env)
        out, err = remote.communicate(timeout=60)
        assert remote.returncode == 0, err
        summary: dict[str, Any] = json.loads(out)
        assert (summary["status"], summary["counts"]["loaded"]) == ("succeeded", 1)
        assert b"100%" in err  # the progress bar reached its end
        assert call(server, "GET", "/api/v1/links/extra-page")[2]["url"] == (
            "https://example.com/extra"
        )

    stored = links(data_dir)
    assert len(stored) == ROWS + 1
    assert len({url for _, url in stored}) == ROWS + 1
