"""`shortstack links bulk`: one action on many links, their ids given as arguments, in a file
or on stdin (`--ids-file -`).

The same request model and use case as `POST /api/v1/links/bulk` (docs/decisions/0116):
each link is changed as `shortstack links update` or `delete` would change it and reported
on a line of its own (`--json`: the API's result object); one that fails never stops the
others. More than 1,000 ids are sent 1,000 at a time, each id once.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from shortstack.entrypoints.cli_options import utf8
from shortstack.service_layer.link_bulk import ACTIONS, BULK_MAX

FAILED_EXIT = 1
USAGE_EXIT = 2


def add_parser(actions: Any) -> None:
    """The `bulk` sub-command of `shortstack links`."""
    bulk = actions.add_parser(
        "bulk",
        help="one action on many links: ids as arguments or --ids-file (- for stdin)",
    )
    bulk.add_argument("bulk_action", choices=ACTIONS, metavar="ACTION", help=", ".join(ACTIONS))
    bulk.add_argument("ids", nargs="*", type=utf8, metavar="ID", help="short ids or aliases")
    bulk.set_defaults(trailing="ids")  # ids after the options too (cli.main)
    bulk.add_argument(
        "--ids-file",
        metavar="FILE",
        help="one id a line ('-': stdin); blank lines and lines starting with # are skipped",
    )
    bulk.add_argument("--tag", dest="bulk_tag", help="the tag of add_tag and remove_tag")
    bulk.add_argument(
        "--expires-at", dest="bulk_expires_at", help="set_expiry's moment, RFC 3339 (…Z)"
    )


def _read_ids(source: str | None) -> list[str]:
    if source is None:
        return []
    if source == "-":
        text = sys.stdin.read()
    else:
        with open(source, encoding="utf-8") as file:
            text = file.read()
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def run(container: Any, args: argparse.Namespace) -> int:
    """Apply the action to every id, 1,000 at a time; exit 1 when any link failed."""
    from pydantic import TypeAdapter, ValidationError

    from shortstack.entrypoints.cli_data import refused
    from shortstack.entrypoints.http.schemas.link_bulk import LinkBulkChange, LinkBulkResult
    from shortstack.service_layer.link_bulk import counts

    try:
        ids = list(dict.fromkeys([*args.ids, *_read_ids(args.ids_file)]))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"shortstack: cannot read the ids: {exc}", file=sys.stderr)
        return FAILED_EXIT
    if not ids:
        print("shortstack links bulk: give ids as arguments or --ids-file", file=sys.stderr)
        return USAGE_EXIT
    arguments: dict[str, Any] = {"action": args.bulk_action}
    if args.bulk_tag is not None:
        arguments["tag"] = args.bulk_tag
    if args.bulk_expires_at is not None:
        arguments["expires_at"] = args.bulk_expires_at
    model: TypeAdapter[Any] = TypeAdapter(LinkBulkChange)
    changed = failed = 0
    for start in range(0, len(ids), BULK_MAX):
        try:
            # As JSON, as the API reads it: the same types and the same refusals.
            body = model.validate_json(
                json.dumps({**arguments, "ids": ids[start : start + BULK_MAX]})
            )
        except ValidationError as exc:
            return refused(exc)
        outcomes = container.links.change_many(args.owner, body.targets(), body.change())
        for short_id, outcome in outcomes.items():
            result = LinkBulkResult.of(short_id, outcome)
            if args.json:
                print(result.model_dump_json(exclude_none=True))
            else:
                said = (
                    result.error.message
                    if result.error
                    else "deleted"
                    if result.status == 204
                    else "changed"
                )
                print(f"{short_id}  {result.status}  {said}")
        done, not_done = counts(outcomes)
        changed, failed = changed + done, failed + not_done
    if not args.json:
        failures = f"; {failed} failed" if failed else ""
        print(f"shortstack: {args.bulk_action}: {changed} changed{failures}", file=sys.stderr)
    return FAILED_EXIT if failed else 0
