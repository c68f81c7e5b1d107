"""`shortstack seed`: demo data to look at, made through the API's own use cases.

Links that each show one feature (rules, an A/B split, a visit limit, a preview card,
a password, a schedule, an end, a disabled one) with weeks of clicks from varied
browsers, countries and referrers, bots and mistyped links among them; a catalog of
items; a few users. Seeding again adds nothing that is already there.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from shortstack.domain.auth import LOCAL_USER
from shortstack.entrypoints.cli_options import non_empty, whole_number

if TYPE_CHECKING:
    from shortstack.service_layer.demo_data import DemoPlan, DemoReport

FAILED_EXIT = 1


def configure(parser: argparse.ArgumentParser) -> None:
    from shortstack.service_layer.demo_data import DemoPlan

    defaults = DemoPlan()
    for name, about, least, most in (
        ("links", "links to make", 0, 1_000),
        ("clicks", "visits to replay over the period", 0, 100_000),
        ("days", "how far back the clicks go", 1, 365),
        ("items", "catalog items (only when the owner has none)", 0, 1_000),
        ("users", "users to register", 0, 100),
    ):
        parser.add_argument(
            f"--{name}",
            type=whole_number(least, most),
            default=getattr(defaults, name),
            help=f"{about} (default {getattr(defaults, name)}, {least}-{most:,})",
        )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="the same seed, the same data"
    )
    parser.add_argument(
        "--owner",
        type=non_empty,
        default=LOCAL_USER,
        help=f"whose links and items (default: {LOCAL_USER}, AUTH_MODE=none's)",
    )


def run(args: argparse.Namespace) -> int:
    from shortstack.bootstrap import bootstrap
    from shortstack.config import Settings
    from shortstack.domain.errors import DomainError
    from shortstack.entrypoints.cli_auth import or_refuse
    from shortstack.entrypoints.cli_data import as_served, create_data_dir, where
    from shortstack.service_layer.demo_data import DemoPlan, DemoSeeder, MovableClock

    settings = or_refuse(Settings)
    if isinstance(settings, int):
        return settings
    refused = create_data_dir(settings)  # seeding may come before the server's first start
    if refused is not None:
        return refused
    print(f"shortstack: data in {where(settings)}", file=sys.stderr)
    settings = as_served(settings)
    plan = DemoPlan(args.links, args.clicks, args.days, args.items, args.users, args.seed)
    clock = MovableClock()
    container = bootstrap(settings, clock=clock)
    try:
        seeder = DemoSeeder(
            container.links, container.items, container.users, container.redirects, clock
        )
        report = seeder.seed(args.owner, plan)
    except DomainError as exc:
        print(f"shortstack: seed failed: {exc.message}", file=sys.stderr)
        return FAILED_EXIT
    finally:
        container.close()
    for line in _summary(report, plan, settings.base_url):
        print(line)
    return 0


def _summary(report: DemoReport, plan: DemoPlan, base_url: str) -> list[str]:
    from shortstack.service_layer.demo_data import DEMO_PASSWORD

    there = [f"{report.links_there} already there"] if report.links_there else []
    if report.links_elsewhere:
        there.append(f"{report.links_elsewhere} demo aliases belong to another owner")
    said = f" ({'; '.join(there)})" if there else ""
    lines = [f"links: made {len(report.links_made)}{said}"]
    if report.clicks or report.bots or report.orphan_visits:
        lines.append(
            f"clicks: {report.clicks:,} over the last {plan.days} days, "
            f"{report.bots:,} from bots, {report.orphan_visits:,} to links that do not exist"
        )
    elif (report.links_there or report.links_elsewhere) and not report.links_made:
        lines.append("clicks: none added (they go to links made by this run only)")
    items = "already there" if report.items_there else f"made {report.items_made}"
    lines.append(f"items: {items}")
    users_there = f" ({report.users_there} already there)" if report.users_there else ""
    lines.append(f"users: made {report.users_made}{users_there}")
    if "demo-beta" in report.links_made:
        lines.append(f"the link demo-beta asks for the password {DEMO_PASSWORD!r}")
    lines.append(f"look: {base_url.rstrip('/')}/#/dashboard")
    return lines
