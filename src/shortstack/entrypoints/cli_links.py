"""`shortstack links`: create, list, show and delete short links from a terminal.

A link made here goes through the same request model and use case as
`POST /api/v1/links`, so it is refused for the same reasons, in the same words.
The commands act on the data the settings name (the SQLite file under DATA_DIR
by default), as the owner AUTH_MODE=none serves, unless --owner names another.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from shortstack.domain.auth import LOCAL_USER
from shortstack.entrypoints.cli_options import add_everywhere

FAILED_EXIT = 1


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)

    create = actions.add_parser("create", help="shorten a URL")
    create.add_argument("url", help="where the link leads (http or https)")
    create.add_argument("--alias", help="the short id to use (3-64 of A-Z a-z 0-9 _ -)")
    create.add_argument("--title")
    create.add_argument("--tag", action="append", default=[], help="repeatable")
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument("--expires-at", help="RFC 3339, e.g. 2027-01-31T00:00:00Z")
    expiry.add_argument("--ttl-days", type=int, help="expire this many days from now")
    expiry.add_argument("--never-expires", action="store_true")
    create.add_argument("--max-visits", type=int, help="410 Gone after this many clicks")
    create.add_argument("--redirect-status", type=int, choices=(301, 302, 307, 308))
    create.add_argument("--valid-since", help="RFC 3339: no redirect before then")
    create.add_argument("--fallback-url", help="where visitors go when the link cannot redirect")
    create.add_argument("--password", help="visitors must type it (4-128 characters)")
    create.add_argument(
        "--forward-query", action="store_true", help="add the visitor's query string"
    )
    create.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="JSON",
        help='repeatable, in order: {"url": ..., "device"|"language"|"country"|"query": ...}',
    )
    create.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="URL=WEIGHT",
        help="repeatable: an A/B split, weights 1-100",
    )

    actions.add_parser("list", help="the newest links first").add_argument(
        "--tag", help="only links with this tag"
    )
    actions.add_parser("show", help="one link").add_argument("short_id")
    actions.add_parser("delete", help="delete a link and its stats").add_argument("short_id")
    add_everywhere(parser, _owner_and_json)


def _owner_and_json(parser: argparse.ArgumentParser, top: bool) -> None:
    parser.add_argument(
        "--owner",
        default=LOCAL_USER if top else argparse.SUPPRESS,
        help=f"whose links (default: {LOCAL_USER}, AUTH_MODE=none's)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="print JSON instead of lines",
    )


def run(args: argparse.Namespace) -> int:
    from shortstack.bootstrap import bootstrap
    from shortstack.domain.errors import DomainError
    from shortstack.entrypoints.cli_data import command_settings

    settings = command_settings(quiet=args.json)
    if isinstance(settings, int):
        return settings
    container = bootstrap(settings)
    try:
        return _ACTIONS[args.action](container, args)
    except DomainError as exc:
        print(f"shortstack: {exc.message}", file=sys.stderr)
        return FAILED_EXIT
    finally:
        container.close()


def _create(container: Any, args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from shortstack.entrypoints.http.errors import field_errors, summarize
    from shortstack.entrypoints.http.operations import create_fields
    from shortstack.entrypoints.http.schemas.links import LinkCreate

    try:
        body = LinkCreate.model_validate(_body(args))
    except ValueError as exc:  # a --rule or --variant that cannot be read at all
        if isinstance(exc, ValidationError):
            print(f"shortstack: {summarize(field_errors(exc.errors()))}", file=sys.stderr)
        else:
            print(f"shortstack: {exc}", file=sys.stderr)
        return FAILED_EXIT
    link = container.links.create(args.owner, **create_fields(body))
    _print(container, args, link)
    return 0


def _body(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON body `POST /api/v1/links` would take for these options."""
    body: dict[str, Any] = {"url": args.url}
    for name in (
        "alias", "title", "expires_at", "ttl_days", "max_visits", "redirect_status",
        "valid_since", "fallback_url", "password",
    ):  # fmt: skip
        value = getattr(args, name)
        if value is not None:
            body[name] = value
    if args.never_expires:
        body["expires_at"] = None
    if args.tag:
        body["tags"] = args.tag
    if args.forward_query:
        body["forward_query"] = True
    if args.rule:
        body["rules"] = [_json_option("--rule", text) for text in args.rule]
    if args.variant:
        body["variants"] = [_variant(text) for text in args.variant]
    return body


def _json_option(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{option} {text!r} is not JSON: {exc.msg}") from None


def _variant(text: str) -> dict[str, Any]:
    url, _, weight = text.rpartition("=")
    if not url or not weight.strip().isdigit():
        raise ValueError(f"--variant {text!r}: write URL=WEIGHT, e.g. https://example.com/b=30")
    return {"url": url, "weight": int(weight)}


def _list(container: Any, args: argparse.Namespace) -> int:
    cursor = None
    while True:
        page = container.links.list(args.owner, tag=args.tag, limit=100, cursor=cursor)
        for link in page.items:
            _print(container, args, link)
        cursor = page.next_cursor
        if cursor is None:
            return 0


def _show(container: Any, args: argparse.Namespace) -> int:
    _print(container, args, container.links.get(args.owner, args.short_id))
    return 0


def _delete(container: Any, args: argparse.Namespace) -> int:
    container.links.delete(args.owner, args.short_id)
    print(f"deleted {args.short_id}", file=sys.stderr)
    return 0


def _print(container: Any, args: argparse.Namespace, link: Any) -> None:
    from shortstack.entrypoints.http.schemas.links import LinkPublic

    shown = LinkPublic.of(link, container.settings.base_url, container.links.clock())
    if args.json:
        print(shown.model_dump_json())
        return
    print(f"{shown.short_url}  ->  {shown.url}  [{shown.state}, {shown.click_count} clicks]")


_ACTIONS = {"create": _create, "list": _list, "show": _show, "delete": _delete}
