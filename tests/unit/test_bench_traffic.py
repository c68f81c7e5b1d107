"""The throughput benchmark's clicks and its floor app: realistic headers, durable floor."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from bench.redirect_throughput import seed, stored_clicks
from bench.traffic import BOT_SHARE, NO_REFERRER_SHARE, referrers, user_agents, wrk_script

from shortstack.adapters.crawlers import crawler_kind


def test_the_mix_has_many_browsers_and_referrers_and_a_tenth_of_crawlers() -> None:
    agents = user_agents()
    assert sum(share for _, share in agents) == pytest.approx(1)
    assert len({text for text, _ in agents}) == len(agents) >= 200
    # The crawler check the redirect runs sees exactly the share meant as bots.
    assert sum(share for text, share in agents if crawler_kind(text)) == pytest.approx(BOT_SHARE)
    sent = referrers()
    assert sum(share for _, share in sent) == pytest.approx(1)
    assert dict(sent)[""] == pytest.approx(NO_REFERRER_SHARE)
    assert len({text for text, _ in sent}) == len(sent) > 2_000


def test_the_wrk_script_is_the_same_on_every_run(tmp_path: Path) -> None:
    first = wrk_script(["a1", "b2"], tmp_path / "one.lua").read_text()
    assert first == wrk_script(["a1", "b2"], tmp_path / "two.lua").read_text()
    assert "math.randomseed(42)" in first
    assert '"User-Agent: Twitterbot/1.0\\r\\n"' in first
    assert '"Referer: https://t.co/\\r\\n"' in first


def _get(app: Any, path: str) -> tuple[int, dict[bytes, bytes]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    asyncio.run(app({"type": "http", "method": "GET", "path": path}, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"])


def test_the_group_floor_counts_each_click_through_the_fsync_beside_the_next_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = seed(tmp_path, 2)
    monkeypatch.setenv("DB", str(tmp_path / "shortstack.sqlite3"))
    monkeypatch.delenv("FLOOR_SYNCHRONOUS", raising=False)
    monkeypatch.delitem(sys.modules, "bench.floor_apps", raising=False)
    floor = importlib.import_module("bench.floor_apps")
    try:
        assert floor._db.synchronous == "full"  # shortstack's default, unless told otherwise
        for short_id, url in links.items():
            assert _get(floor.group_app, f"/{short_id}") == (
                302,
                {b"location": url.encode(), b"content-length": b"0"},
            )
        assert _get(floor.group_app, "/nothing")[0] == 404
        assert "sqlite-group-sync" in {thread.name for thread in threading.enumerate()}
        assert stored_clicks(tmp_path) == 2
        with sqlite3.connect(tmp_path / "shortstack.sqlite3") as conn:
            assert conn.execute("SELECT sum(click_count) FROM links").fetchone()[0] == 2
    finally:
        floor._committer.close()
        floor._db.close()
        floor._sync_conn.close()
        sys.modules.pop("bench.floor_apps", None)


def test_counting_the_stored_clicks_leaves_no_connection_open(tmp_path: Path) -> None:
    seed(tmp_path, 1)
    assert stored_clicks(tmp_path) == 0
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("no /proc here")
    opened = set()
    for fd in fds.iterdir():
        try:
            opened.add(str(fd.readlink()))
        except OSError:  # the directory's own descriptor, closed meanwhile
            continue
    assert not {name for name in opened if name.startswith(str(tmp_path))}
