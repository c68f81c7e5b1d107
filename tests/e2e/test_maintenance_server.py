"""The real server runs scheduled maintenance in the background and stops it on SIGTERM."""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from pathlib import Path

from shortstack.bootstrap import bootstrap
from shortstack.domain.clock import utc_now
from tests.conftest import settings_for
from tests.e2e.server import call, running_server
from tests.maintenance_support import add_link


def test_the_server_purges_a_long_expired_link_on_its_schedule(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    now = utc_now()
    container = bootstrap(settings_for("sqlite", data_dir, maintenance_interval_s=0))
    for short_id, expired_days_ago in (("stale01", 45), ("fresh01", 2)):
        expires_at = now - timedelta(days=expired_days_ago)
        add_link(container.links.links, short_id, expires_at, owner="local", created_at=now)
    container.close()

    with running_server(data_dir, MAINTENANCE_INTERVAL_S="0.5") as server:
        deadline = time.monotonic() + 20
        while call(server, "GET", "/api/v1/links/stale01")[0] != 404:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        assert (
            call(server, "GET", "/api/v1/links/fresh01")[0] == 200
        )  # expired, but within the 30-day grace
        assert "maintenance run done" in server.log_once_it_has("maintenance run done")
    # Shut down by SIGTERM within the stop helper's 10 s, not killed: the schedule let go.
    assert server.process.returncode in (0, -signal.SIGTERM), server.log()
