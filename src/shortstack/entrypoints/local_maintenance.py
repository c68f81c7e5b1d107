"""The local server's maintenance schedule: a background thread running the tasks.

It is the local counterpart of the EventBridge Scheduler rule that invokes the
maintenance Lambda on AWS, and runs the same `MaintenanceService.run`. The
first run comes a little after start, so that it does not compete with the
server coming up; a failing run is logged and the next one comes on time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from shortstack.service_layer.maintenance import TaskOutcome

_log = logging.getLogger("shortstack.maintenance")
FIRST_RUN_AFTER_S = 60.0


class MaintenanceScheduler:
    def __init__(
        self,
        run: Callable[[], Sequence[TaskOutcome]],
        interval_s: float,
        *,
        first_run_after_s: float = FIRST_RUN_AFTER_S,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive (0 means: do not create a scheduler)")
        self._run = run
        self.interval_s = interval_s
        self.first_run_after_s = min(first_run_after_s, interval_s)
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run in a daemon thread until `stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="maintenance", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the schedule; a run in progress is waited for up to `timeout_s`."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        wait = self.first_run_after_s
        while not self._stop.wait(wait):
            try:
                outcomes = self._run()
            except Exception:  # never let the server's maintenance thread die
                _log.exception("maintenance run failed")
            else:
                _log.info(
                    "maintenance run done",
                    extra={"maintenance": [outcome.as_dict() for outcome in outcomes]},
                )
            self.runs += 1
            wait = self.interval_s
