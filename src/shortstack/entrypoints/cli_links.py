"""`shortstack links`: create, list, show, update and delete short links, and read a
link's stats, from a terminal.

A link made here goes through the same request model and use case as
`POST /api/v1/links`, so it is refused for the same reasons, in the same words.
The commands act on the data the settings name (the SQLite file under DATA_DIR
by default), as the owner AUTH_MODE=none serves, unless --owner names another.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from datetime import date
from typing import Any

from shortstack.domain.link_state import LinkState
from shortstack.entrypoints import cli_links_bulk
from shortstack.entrypoints.cli_data import refused, run_action
from shortstack.entrypoints.cli_options import (
    add_everywhere,
    non_empty,
    owner_and_json,
    utf8,
    whole_number,
)

FAILED_EXIT = 1
USAGE_EXIT = 2  # what argparse answers for options that do not go together


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
    _add_routing(create, clearable=False)

    listing = actions.add_parser(
        "list", help="the newest links first (--json: one object a line; --csv: the export)"
    )
    listing.add_argument("--tag", help="only links with this tag")
    listing.add_argument(
        "--search", type=non_empty, help="text in the alias, target or title (any case)"
    )
    listing.add_argument(
        "--state",
        action="append",
        choices=[state.value for state in LinkState],
        help="only links in this state (repeatable)",
    )
    listing.add_argument(
        "--sort", choices=("created", "clicks"), default="created", help="default: created"
    )
    listing.add_argument("--limit", type=whole_number(1), help="at most this many links")
    listing.add_argument(
        "--csv", action="store_true", help="CSV with a header, the columns of the API's export"
    )
    actions.add_parser("show", help="one link").add_argument("short_id", type=utf8)

    update = actions.add_parser("update", help="change a link: only the options given")
    update.add_argument("short_id", type=utf8)
    update.add_argument("--url", help="where the link leads from now on")
    state = update.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true", help="answer 410 Gone until enabled")
    state.add_argument("--enable", action="store_true", help="redirect again")
    update.add_argument("--title", help='"" removes it')
    update.add_argument("--tag", action="append", help='repeatable: the new tags; "" for none')
    expiry = update.add_mutually_exclusive_group()
    expiry.add_argument("--expires-at", help="RFC 3339, e.g. 2027-01-31T00:00:00Z")
    expiry.add_argument("--never-expires", action="store_true")
    visits = update.add_mutually_exclusive_group()
    visits.add_argument("--max-visits", type=int, help="410 Gone after this many clicks")
    visits.add_argument("--no-max-visits", action="store_true", help="no visit limit")
    update.add_argument("--redirect-status", type=int, choices=(301, 302, 307, 308))
    _add_routing(update, clearable=True)

    stats = actions.add_parser(
        "stats", help="clicks per day, referrers, browsers, devices, countries"
    )
    stats.add_argument("short_id", type=utf8)
    stats.add_argument(
        "--from", dest="from_day", type=_day, metavar="DAY", help="first day, YYYY-MM-DD"
    )
    stats.add_argument(
        "--to",
        dest="to_day",
        type=_day,
        metavar="DAY",
        help="last day, YYYY-MM-DD (default: today, UTC or in --tz)",
    )
    stats.add_argument(
        "--tz",
        metavar="ZONE",
        help="an IANA time zone (Asia/Tokyo, America/Los_Angeles, ...; default UTC): the days "
        "are its local days; breakdowns and unique visitors stay per UTC day",
    )
    stats.add_argument("--csv", action="store_true", help="CSV rows, as the API's export")
    delete = actions.add_parser("delete", help="delete a link and its stats")
    delete.add_argument("short_id", type=utf8)
    cli_links_bulk.add_parser(actions)
    add_everywhere(parser, owner_and_json("links"))


def _add_routing(parser: argparse.ArgumentParser, *, clearable: bool) -> None:
    """Where a visit goes besides the target: schedule, fallback, password, query, rules,
    variants and the preview card; `update` also takes an option clearing each."""
    replaces = "; replaces them" if clearable else ""
    # Each group holds an option and, for update, the one clearing it (--no-<name>).
    for option, clearing, settings in (
        ("--valid-since", "--no-valid-since", {"help": "RFC 3339: no redirect before then"}),
        ("--password", "--no-password", {"help": "visitors must type it (4-128 characters)"}),
        (
            "--forward-query",
            "--no-forward-query",
            {"action": "store_true", "help": "add the visitor's query string"},
        ),
        (
            "--rule",
            "--no-rules",
            {
                "action": "append",
                "default": [],
                "metavar": "JSON",
                "help": "repeatable, in order: "
                '{"url": ..., "device"|"language"|"country"|"query": ...}' + replaces,
            },
        ),
        (
            "--variant",
            "--no-variants",
            {
                "action": "append",
                "default": [],
                "metavar": "URL=WEIGHT",
                "help": "repeatable: an A/B split, weights 1-100" + replaces,
            },
        ),
    ):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(option, **settings)
        if clearable:
            group.add_argument(clearing, action="store_true")
    removes = '; "" removes it' if clearable else ""
    parser.add_argument(
        "--fallback-url", help="where visitors go when the link cannot redirect" + removes
    )
    card = "; the card's other fields stay" if clearable else ""
    parser.add_argument(
        "--preview-title", action=_PreviewOption, help="the card link-preview fetchers show" + card
    )
    parser.add_argument("--preview-description", action=_PreviewOption)
    parser.add_argument("--preview-image", action=_PreviewOption, metavar="URL")
    if clearable:
        parser.add_argument("--no-preview", action=_PreviewOption, nargs=0, default=False)


_PREVIEW_FIELDS = ("preview_title", "preview_description", "preview_image")


class _PreviewOption(argparse.Action):
    """A field of the preview card, or --no-preview: the two refuse each other, in any order."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        clearing = self.dest == "no_preview"
        others = _PREVIEW_FIELDS if clearing else ("no_preview",)
        given = [name for name in others if getattr(namespace, name, None) not in (None, False)]
        if given:
            other = "--" + given[0].replace("_", "-")
            parser.error(f"argument {option_string}: not allowed with argument {other}")
        setattr(namespace, self.dest, True if clearing else values)


def _day(text: str) -> date:
    """A YYYY-MM-DD day, as the API's `from` and `to` take it (nothing looser)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"not a day like 2026-12-31: {text!r}")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "csv", False) and args.json:
        print(
            f"shortstack links {args.action}: error: argument --csv: not allowed with "
            "argument --json",
            file=sys.stderr,
        )
        return USAGE_EXIT
    return run_action(args, _ACTIONS)


def _create(container: Any, args: argparse.Namespace) -> int:
    from shortstack.entrypoints.http.operations import create_fields
    from shortstack.entrypoints.http.schemas.links import LinkCreate

    try:
        body = LinkCreate.model_validate(_body(args))
    except ValueError as exc:
        return refused(exc)
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
    return body | _routing_body(args)


def _routing_body(args: argparse.Namespace) -> dict[str, Any]:
    """The fields _add_routing's options set (or, for update, clear)."""
    body: dict[str, Any] = {}
    if args.forward_query or getattr(args, "no_forward_query", False):
        body["forward_query"] = bool(args.forward_query)
    if args.rule or getattr(args, "no_rules", False):
        body["rules"] = [_json_option("--rule", text) for text in args.rule]
    if args.variant or getattr(args, "no_variants", False):
        body["variants"] = [_variant(text) for text in args.variant]
    preview = {
        name: value
        for name, value in (
            ("title", args.preview_title),
            ("description", args.preview_description),
            ("image_url", args.preview_image),
        )
        if value is not None
    }
    if preview:
        body["preview"] = preview
    elif getattr(args, "no_preview", False):
        body["preview"] = None
    return body


def _json_option(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{option} {text!r} is not JSON: {exc.msg}") from None


def _variant(text: str) -> dict[str, Any]:
    url, _, weight = text.rpartition("=")
    weight = weight.strip()
    if not url or not (weight.isascii() and weight.isdigit()):
        raise ValueError(f"--variant {text!r}: write URL=WEIGHT, e.g. https://example.com/b=30")
    return {"url": url, "weight": int(weight)}


def _list(container: Any, args: argparse.Namespace) -> int:
    from shortstack.domain.csv_export import LINK_COLUMNS, csv_lines, link_row
    from shortstack.service_layer.link_browse import LinkQuery

    query = LinkQuery(
        text=args.search.strip() if args.search else None,
        tag=args.tag,
        states=frozenset(LinkState(state) for state in args.state or ()),
    )
    # The export's walk: one store page at a time, so a listing of any size stays flat.
    found: Any = container.links.export(args.owner, query)
    if args.sort == "clicks":
        # Most clicks first, the newest first among equals (as the links page sorts); this
        # one order needs every match at hand.
        found = sorted(found, key=lambda link: -link.click_count)
    found = itertools.islice(found, args.limit)
    now = container.links.clock()
    if args.csv:
        rows = (link_row(link, container.settings.base_url, now) for link in found)
        lines = csv_lines(LINK_COLUMNS, rows)
        sys.stdout.writelines(lines)
        return 0
    shown = 0
    for link in found:
        _print(container, args, link)
        shown += 1
    if not shown and not args.json:
        # A person sees why nothing came; a script reading stdout still gets nothing.
        print(f"shortstack: no links{_which(args)} (owner {args.owner!r})", file=sys.stderr)
    return 0


def _which(args: argparse.Namespace) -> str:
    said = f" matching {args.search.strip()!r}" if args.search else ""
    said += f" tagged {args.tag!r}" if args.tag else ""
    return said + (f" in state {' or '.join(args.state)}" if args.state else "")


def _update(container: Any, args: argparse.Namespace) -> int:
    from shortstack.entrypoints.http.schemas.links import LinkUpdate

    body: dict[str, Any] = {}
    for name in ("url", "expires_at", "max_visits", "redirect_status", "valid_since", "password"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    for name in ("title", "fallback_url"):  # "" removes it
        if getattr(args, name) is not None:
            body[name] = getattr(args, name) or None
    for name in ("valid_since", "password"):
        if getattr(args, f"no_{name}"):
            body[name] = None
    if args.tag is not None:
        body["tags"] = [tag for tag in args.tag if tag]
    if args.disable or args.enable:
        body["is_active"] = args.enable
    if args.never_expires:
        body["expires_at"] = None
    if args.no_max_visits:
        body["max_visits"] = None
    try:
        body |= _routing_body(args)
        if body.get("preview"):
            # The API's PATCH replaces the whole card; an option names one field of it.
            body["preview"] = _card_kept(container, args) | body["preview"]
        if not body:
            print(
                "shortstack: nothing to change: give at least one option (--help)",
                file=sys.stderr,
            )
            return FAILED_EXIT
        update = LinkUpdate.model_validate(body)
    except ValueError as exc:
        return refused(exc)
    link = container.links.update(
        args.owner, args.short_id, update.changes(), password=update.password
    )
    _print(container, args, link)
    return 0


def _card_kept(container: Any, args: argparse.Namespace) -> dict[str, str]:
    """The link's preview card as the API's fields, those it has."""
    kept = container.links.get(args.owner, args.short_id).preview
    if kept is None:
        return {}
    fields = {"title": kept.title, "description": kept.description, "image_url": kept.image_url}
    return {name: value for name, value in fields.items() if value is not None}


def _stats(container: Any, args: argparse.Namespace) -> int:
    from shortstack.domain.csv_export import STATS_COLUMNS, csv_lines, stats_rows
    from shortstack.entrypoints.http.schemas.links import LinkStatsPublic

    report = container.analytics.report(
        args.owner, args.short_id, args.from_day, args.to_day, args.tz
    )
    if args.csv:
        rows = stats_rows(report.days, report.months, utc_days=report.utc_days)
        sys.stdout.writelines(csv_lines(STATS_COLUMNS, rows))
        return 0
    shown = LinkStatsPublic.of(report)
    if args.json:
        print(shown.model_dump_json(by_alias=True))
        return 0
    print(
        f"{shown.short_id}  {shown.from_day} to {shown.to_day} ({shown.time_zone})  "
        f"{shown.clicks} clicks, {shown.unique_visitors} unique visitors, {shown.bots} from bots"
    )
    periods = [(m.month, m.clicks, m.bots) for m in shown.months]
    periods += [(d.day.isoformat(), d.clicks, d.bots) for d in shown.days]
    for start, clicks, bots in periods:
        if clicks or bots:  # the days with nothing are left out; --json has them all
            print(f"  {start:<10}  {clicks:>8} clicks  {bots:>6} bots")
    if shown.days_by_utc_day:
        older = ", ".join(day.isoformat() for day in shown.days_by_utc_day)
        print(f"  counted by UTC day (recorded before hourly counts): {older}")
    for name in ("referrers", "browsers", "oses", "devices", "countries"):
        counts = getattr(shown, name)
        if counts:
            top = ", ".join(f"{count.value} {count.clicks}" for count in counts)
            print(f"  {name}: {top}")
    return 0


def _show(container: Any, args: argparse.Namespace) -> int:
    from shortstack.entrypoints.http.schemas.links import LinkPublic

    link = container.links.get(args.owner, args.short_id)
    if args.json:
        _print(container, args, link)
        return 0
    shown = LinkPublic.of(link, container.settings.base_url, container.links.clock())
    print(f"{shown.short_url}  ->  {shown.url}")
    for name, value in _details(shown):
        print(f"  {name + ':':<13}{value}")
    return 0


def _details(shown: Any) -> list[tuple[str, str]]:
    """A link's fields as (name, value) lines, leaving out the ones it does not use."""
    iso = shown.model_dump(mode="json")
    limit = f" of {shown.max_visits}" if shown.max_visits is not None else ""
    redirect = f"{shown.redirect_status}" + (", query forwarded" if shown.forward_query else "")
    lines = [("state", shown.state)]
    if shown.title:
        lines.append(("title", shown.title))
    if shown.tags:
        lines.append(("tags", ", ".join(shown.tags)))
    lines.append(("clicks", f"{shown.click_count}{limit} ({shown.bot_count} from bots)"))
    if shown.imported_clicks:
        lines.append(("imported", f"{shown.imported_clicks} clicks"))
    lines.append(("redirect", redirect))
    lines += [("created", iso["created_at"]), ("updated", iso["updated_at"])]
    lines.append(("expires", iso["expires_at"] or "never"))
    if shown.valid_since is not None:
        lines.append(("valid since", iso["valid_since"]))
    if shown.fallback_url:
        lines.append(("fallback", shown.fallback_url))
    if shown.password_protected:
        lines.append(("password", "set"))
    for number, rule in enumerate(shown.rules, 1):
        lines.append((f"rule {number}", f"{_conditions(rule)} -> {rule.url}"))
    lines += [("variant", f"{variant.weight} {variant.url}") for variant in shown.variants]
    if shown.preview is not None:
        parts = (shown.preview.title, shown.preview.description, shown.preview.image_url)
        lines.append(("preview", " | ".join(part for part in parts if part)))
    return lines


def _conditions(rule: Any) -> str:
    conditions = [
        f"{name} {getattr(rule, name)}"
        for name in ("device", "language", "country")
        if getattr(rule, name)
    ]
    if rule.query:
        pairs = " ".join(f"{key}={value}" for key, value in rule.query.items())
        conditions.append(f"query {pairs}")
    return ", ".join(conditions)


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


_ACTIONS = {
    "create": _create,
    "list": _list,
    "show": _show,
    "update": _update,
    "stats": _stats,
    "delete": _delete,
    "bulk": cli_links_bulk.run,
}
