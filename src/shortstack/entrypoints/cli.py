"""The `shortstack` command line: serve the stack and run operations against it.

Subcommands register themselves in COMMANDS; each gets its own argparse
sub-parser and a function that receives the parsed arguments.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shortstack.config import Settings


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface to bind (default: HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: PORT or 8000)")


def _run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from shortstack.bootstrap import bootstrap
    from shortstack.entrypoints.cli_auth import auth_banner, or_refuse
    from shortstack.entrypoints.http.app import create_app
    from shortstack.entrypoints.http.protocol import JsonErrorsH11Protocol

    # One JSON log line per write even when stdout is a file or a pipe (systemd, docker, tests).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    # A bad configuration (an incomplete AUTH_MODE=jwt, say) refuses to start, in one line.
    settings = or_refuse(lambda: Settings(**overrides))
    if isinstance(settings, int):
        return settings
    container = or_refuse(lambda: bootstrap(settings))
    if isinstance(container, int):
        return container
    app = create_app(container)
    base = f"http://{settings.host}:{settings.port}"
    banner = [
        "",
        f"  shortstack {settings.version}  storage={settings.storage}  data={settings.data_dir}",
        f"  UI            {base}/",
        f"  API docs      {base}/docs",
        f"  Health check  {base}/health",
    ]
    banner.extend(auth_banner(settings))
    print("\n".join(banner) + "\n", flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        http=JsonErrorsH11Protocol,  # malformed requests get a JSON 400, not plain text
    )
    return 0


def _configure_create_table(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table-name", help="default: TABLE_NAME")


def _run_create_table(args: argparse.Namespace) -> int:
    from shortstack.adapters.aws import make_client
    from shortstack.adapters.dynamodb import create_table

    settings = Settings()
    name = args.table_name or settings.table_name
    create_table(make_client("dynamodb", settings.aws_endpoint_url), name)
    print(f"created table {name}")
    return 0


def _events_commands() -> list[Command]:
    from shortstack.entrypoints import cli_cost, cli_events, cli_import, cli_maintenance

    return [
        Command("import", "bulk-import links from a CSV", cli_import.configure, cli_import.run),
        Command("events", "publish events", cli_events.configure_events, cli_events.run_events),
        Command(
            "dlq",
            "list, replay or purge dead letters",
            cli_events.configure_dlq,
            cli_events.run_dlq,
        ),
        Command(
            "maintenance",
            "run the scheduled maintenance tasks now",
            cli_maintenance.configure,
            cli_maintenance.run,
        ),
        Command("cost", "estimate the monthly AWS bill", cli_cost.configure, cli_cost.run),
    ]


COMMANDS: list[Command] = [
    Command("serve", "serve the whole stack over HTTP", _configure_serve, _run_serve),
    Command(
        "create-table",
        "create the DynamoDB table (for DynamoDB Local or a sandbox account)",
        _configure_create_table,
        _run_create_table,
    ),
    *_events_commands(),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shortstack", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name, help=command.help)
        command.configure(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shortstack` console script."""
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
