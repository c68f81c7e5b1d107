"""A consumer killed with SIGKILL mid-batch loses no event and counts none twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from shortstack.bootstrap import bootstrap
from shortstack.domain.events import link_clicked
from shortstack.domain.visits import Click
from tests.conftest import dispatcher_for, settings_for
from tests.fakes import FakeClock

CLICKS = 3000
CONSUMER = textwrap.dedent(
    """
    import sys, time
    from shortstack.bootstrap import bootstrap
    from shortstack.config import Settings
    from shortstack.entrypoints.local_events import LocalEventDispatcher

    container = bootstrap(Settings(storage="sqlite", data_dir=sys.argv[1]))
    fold = container.analytics.stats.fold

    def slow_fold(facts):  # slow enough for the parent to kill it mid-batch
        time.sleep(0.002)
        return fold(facts)

    container.analytics.stats.fold = slow_fold
    LocalEventDispatcher(container.event_queue, container.events).start()
    time.sleep(600)
    """
)


def folded(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "shortstack.sqlite3", timeout=10) as connection:
        try:
            return int(connection.execute("SELECT COUNT(*) FROM click_folds").fetchone()[0])
        except sqlite3.OperationalError:  # the consumer has not created its tables yet
            return 0


def test_a_consumer_killed_mid_batch_loses_nothing_and_double_counts_nothing(
    tmp_path: Path,
) -> None:
    day = datetime(2026, 11, 20, 12, tzinfo=UTC)
    # The link made before its clicks: a click older than its link is not its (decision 0110).
    producer = bootstrap(settings_for("sqlite", tmp_path), clock=FakeClock(day))
    producer.links.create("local", url="https://example.com/", alias="crash01")
    producer.publisher.publish(
        [
            link_clicked("crash01", Click(day + timedelta(seconds=n), None, "curl/8", "DE"))
            for n in range(CLICKS)
        ]
    )
    producer.close()

    # What the dead consumer had received comes back once its visibility timeout passes.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "EVENTS_VISIBILITY_TIMEOUT_S": "1",
    }
    child = subprocess.Popen([sys.executable, "-c", CONSUMER, str(tmp_path)], env=env)
    try:
        deadline = time.monotonic() + 60
        while folded(tmp_path) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    before_restart = folded(tmp_path)
    assert 300 <= before_restart < CLICKS, "the kill must land mid-run"

    restarted = bootstrap(settings_for("sqlite", tmp_path))
    try:
        time.sleep(1.1)
        dispatcher_for(restarted).drain(timeout_s=60)
        assert restarted.event_queue.depth() == 0
        assert restarted.event_queue.dead_letters() == []
        [stats] = restarted.analytics.stats.days("crash01", date(2026, 11, 20), date(2026, 11, 20))
        assert stats.clicks == CLICKS
        assert stats.counts["countries"] == {"DE": CLICKS}
    finally:
        restarted.close()
