"""The two WorkflowStarter adapters: the local runner in a thread, or Step Functions.

Locally, each import runs in a background thread of the server, walking the
same ASL file Step Functions runs, one import at a time (SQLite has one
writer anyway). Unfinished imports are resumed when the server starts again:
every step is idempotent, so running a half-done import from the top again
loads what is missing and nothing twice.

On AWS, `StartExecution` with the import id as the execution name: starting an
import whose execution still runs is a no-op (same name, same input), so one
import runs once at a time. Step Functions refuses the name only once that
execution has closed; the job is then unfinished only if the execution ended
without marking it (a timeout, an abort), so it starts again under a new name.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from shortstack.adapters.workflow.runner import LocalStateMachine

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

_log = logging.getLogger("shortstack.imports")


class LocalWorkflowStarter:
    """Runs each import inline, or queued for a thread of its own once `background` started."""

    def __init__(
        self,
        load_machine: Callable[[], LocalStateMachine],
        on_crash: Callable[[str, str], object],
        unfinished: Callable[[], list[str]],
    ) -> None:
        # Loaded on the first import, not at start-up: a process that never imports (the
        # events Lambda, a CLI command) neither pays for it nor needs the file.
        self._load_machine = load_machine
        self._machine: LocalStateMachine | None = None
        self.on_crash = on_crash
        self._unfinished = unfinished
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.background = ImportThread(self)

    def start(self, import_id: str) -> None:
        """Queue the import; run it now when no background thread runs (CLI, tests)."""
        if self._thread is not None:
            self._queue.put(import_id)
        else:
            self.run(import_id)

    @property
    def machine(self) -> LocalStateMachine:
        """The state machine, loaded and checked on first use."""
        if self._machine is None:
            self._machine = self._load_machine()
        return self._machine

    def run(self, import_id: str) -> None:
        """One execution, to its end (or until stop)."""
        result = self.machine.execute({"import_id": import_id}, stop=self._stop)
        if result.status == "ABORTED":
            _log.info("import paused by shutdown", extra={"import_id": import_id})
        elif not result.succeeded:
            _log.warning("import failed", extra={"import_id": import_id})

    def run_in_background(self) -> None:
        """From now on run imports in a daemon thread, beginning with the unfinished ones."""
        if self._thread is not None:
            return
        self.machine  # noqa: B018 - a broken definition stops the server now, not mid-import
        for import_id in self._unfinished():
            self._queue.put(import_id)
        self._thread = threading.Thread(target=self._loop, name="imports", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            import_id = self._queue.get()
            if import_id is None:
                return
            try:
                self.run(import_id)
            except Exception as exc:  # a bug or a closed database: mark it, keep serving
                _log.exception("import crashed", extra={"import_id": import_id})
                self.on_crash(import_id, f"{type(exc).__name__}: {exc}")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Pause the runs in progress (they resume on the next start) and end the thread."""
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None


class ImportThread:
    """The local runner's background work, started and stopped by the server.

    Started, it first queues the imports left unfinished by a crash or a stop: they run
    again from the top, which loads what is missing, nothing twice.
    """

    def __init__(self, starter: LocalWorkflowStarter) -> None:
        self._starter = starter

    def start(self) -> None:
        self._starter.run_in_background()

    def stop(self) -> None:
        self._starter.stop()


class StepFunctionsStarter:
    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, import_id: str) -> None:
        try:
            self._start(import_id, import_id)
        except self._client.exceptions.ExecutionAlreadyExists:
            self._start(import_id, f"{import_id}-r{time.time_ns()}")

    def _start(self, import_id: str, name: str) -> None:
        self._client.start_execution(
            stateMachineArn=self._arn, name=name, input=json.dumps({"import_id": import_id})
        )
