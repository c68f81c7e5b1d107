"""What the local server runs beside its requests: the stand-ins for what AWS runs by itself.

- the event dispatcher drains the SQLite queue into the EventConsumer, where on
  AWS the events queue invokes `lambda_events`;
- the maintenance schedule runs the maintenance tasks, where on AWS EventBridge
  Scheduler invokes `lambda_maintenance`;
- the import runner's thread runs imports, where on AWS Step Functions does;
- a thread loads the User-Agent parser at start, which each click's stats need in the
  click's own transaction (the first redirect would otherwise wait ~250 ms for it,
  with the write lock held).

`shortstack serve` hands them to `create_app`, which starts them with the app
and stops them, newest first, before it closes the container. Nothing else
builds them: a Lambda, a CLI command or a test gets none unless it asks here.
"""

from __future__ import annotations

import threading

from shortstack.bootstrap import BackgroundWork, Container


class UserAgentParserLoad:
    """Loads ua-parser in a thread of its own when the server starts."""

    def start(self) -> None:
        threading.Thread(target=_load_user_agent_parser, name="ua-parser-load", daemon=True).start()

    def stop(self) -> None:
        return None


def _load_user_agent_parser() -> None:
    from shortstack.adapters.useragent import classify_user_agent

    classify_user_agent("Mozilla/5.0")


def local_background(container: Container) -> list[BackgroundWork]:
    """The background work of a local server on `container`, in the order it starts."""
    work: list[BackgroundWork] = []
    if container.redirects.fold is not None:
        work.append(UserAgentParserLoad())
    if container.event_queue is not None:
        from shortstack.entrypoints.local_events import LocalEventDispatcher

        work.append(LocalEventDispatcher(container.event_queue, container.events))
    settings = container.settings
    if settings.stage == "local" and settings.maintenance_interval_s > 0:
        from shortstack.entrypoints.local_maintenance import MaintenanceScheduler

        work.append(
            MaintenanceScheduler(container.maintenance.run, settings.maintenance_interval_s)
        )
    if container.import_runner is not None:
        work.append(container.import_runner)
    return work
