"""`shortstack maintenance run`: the scheduled maintenance tasks, once, now.

It acts on the deployment the settings name (the SQLite file under DATA_DIR, or
the DynamoDB table and SQS dead-letter queues) and runs the same tasks as the
local server's schedule and the maintenance Lambda.
"""

from __future__ import annotations

import argparse
import json
import sys

from shortstack.service_layer.maintenance import TASK_NAMES, TaskOutcome, select_tasks


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="run the maintenance tasks once and print their reports")
    run.add_argument(
        "--task",
        action="append",
        choices=TASK_NAMES,
        help="run only this task (repeatable; default: all)",
    )
    run.add_argument("--json", action="store_true", help="print the reports as one JSON document")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every task succeeded, 1 when one failed (its error is in the report)."""
    from shortstack.bootstrap import bootstrap
    from shortstack.entrypoints.cli_data import command_settings

    settings = command_settings()
    if isinstance(settings, int):
        return settings
    container = bootstrap(settings)
    try:
        outcomes = container.maintenance.run(select_tasks(args.task))
    finally:
        container.close()
    if args.json:
        print(json.dumps({"tasks": [outcome.as_dict() for outcome in outcomes]}, indent=2))
    else:
        for outcome in outcomes:
            print(_line(outcome))
    failed = [outcome.task for outcome in outcomes if outcome.error]
    if failed:
        print(f"shortstack: maintenance failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _line(outcome: TaskOutcome) -> str:
    fields = outcome.as_dict()
    fields.pop("task")
    shown = "  ".join(f"{key}={json.dumps(value)}" for key, value in fields.items())
    return f"{outcome.task:<14} {shown}"
