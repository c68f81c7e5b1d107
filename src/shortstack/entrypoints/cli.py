"""The `shortstack` command line: serve the stack and run operations against it.

Subcommands register themselves in COMMANDS; each gets its own argparse
sub-parser and a function that receives the parsed arguments.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shortstack import __version__
from shortstack.config import Settings
from shortstack.entrypoints.cli_data import create_data_dir, note_served_at, where
from shortstack.entrypoints.cli_options import add_everywhere, some_path, utf8


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface to bind (default: HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: PORT or 8000)")


def _listening_socket(host: str, port: int) -> socket.socket | str:
    """A socket bound to host:port, or a sentence saying why it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except (UnicodeError, TypeError):  # what bind raises for a name IDNA cannot encode
        sock.close()
        return f"cannot listen on {host!r}:{port}: not a host name; check HOST and PORT"
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            return (
                f"port {port} is already in use; set PORT=... (make run PORT={_other_port(port)}) "
                "or stop the program that holds it"
            )
        if exc.errno == errno.EACCES:
            return f"port {port} needs privileges on this system; set PORT=... (e.g. 8000)"
        return f"cannot listen on {host}:{port}: {exc.strerror}; check HOST and PORT"
    sock.set_inheritable(True)
    return sock


def _other_port(port: int) -> int:
    return 9000 if port != 9000 else 9001


def _run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from shortstack.bootstrap import bootstrap
    from shortstack.entrypoints.cli_auth import auth_banner, or_refuse
    from shortstack.entrypoints.http.app import create_app
    from shortstack.entrypoints.http.protocol import JsonErrorsH11Protocol, httptools_protocol
    from shortstack.entrypoints.local_background import local_background
    from shortstack.entrypoints.long_running_heap import settle_the_heap

    # One JSON log line per write even when stdout is a file or a pipe (systemd, docker, tests).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    # A bad configuration (an incomplete AUTH_MODE=jwt, say) refuses to start, in one line.
    settings = or_refuse(lambda: Settings(**overrides))
    if isinstance(settings, int):
        return settings
    # The port first: a taken one is said in one line, before any banner promises a URL.
    sock = _listening_socket(settings.host, settings.port)
    if isinstance(sock, str):
        print(f"shortstack: {sock}", file=sys.stderr, flush=True)
        return 1
    refused = create_data_dir(settings)
    if refused is not None:
        sock.close()
        return refused
    container = or_refuse(lambda: bootstrap(settings))
    if isinstance(container, int):
        sock.close()
        return container
    app = create_app(container, background=local_background(container))
    note_served_at(settings)
    base = f"http://{settings.host}:{settings.port}"
    banner = [
        "",
        f"  shortstack {settings.version}  storage={settings.storage}",
        f"  Data          {where(settings)}",
        f"  UI            {base}/",
        f"  API docs      {base}/docs",
        f"  Health check  {base}/health",
    ]
    banner.extend(auth_banner(settings))
    print("\n".join(banner) + "\n", flush=True)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        # httptools and uvloop when installed (make sync does): decision 0113. Either
        # protocol answers malformed requests with a JSON 400, not plain text.
        http=httptools_protocol() or JsonErrorsH11Protocol,
        loop="auto",
    )
    settle_the_heap()
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _configure_create_table(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table-name", help="default: TABLE_NAME")


def _run_create_table(args: argparse.Namespace) -> int:
    from shortstack.adapters.aws import make_client
    from shortstack.adapters.dynamodb.table import create_table
    from shortstack.entrypoints.cli_auth import or_refuse

    settings = or_refuse(Settings)
    if isinstance(settings, int):
        return settings
    name = args.table_name or settings.table_name
    create_table(make_client("dynamodb", settings.aws_endpoint_url), name)
    print(f"created table {name}")
    return 0


def _events_commands() -> list[Command]:
    from shortstack.entrypoints import (
        cli_cost,
        cli_dev_token,
        cli_events,
        cli_import,
        cli_keys,
        cli_links,
        cli_maintenance,
        cli_qr,
        cli_seed,
    )

    return [
        Command(
            "links",
            "create, list, show, update or delete short links; a link's stats",
            cli_links.configure,
            cli_links.run,
        ),
        Command("qr", "a link's QR code as a PNG or SVG file", cli_qr.configure, cli_qr.run),
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
        Command(
            "keys",
            "create, list or revoke API keys (the secret shown once)",
            cli_keys.configure,
            cli_keys.run,
        ),
        Command(
            "seed",
            "demo data: links with weeks of clicks, items and users",
            cli_seed.configure,
            cli_seed.run,
        ),
        Command("cost", "estimate the monthly AWS bill", cli_cost.configure, cli_cost.run),
        Command(
            "dev-token",
            "a bearer token for trying AUTH_MODE=jwt locally (signed with a local key)",
            cli_dev_token.configure,
            cli_dev_token.run,
        ),
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


DESCRIPTION = """\
shortstack: an items API, users and a URL shortener with click analytics, on a laptop
(SQLite, no AWS) or on AWS (Lambda, DynamoDB).

Local commands act on the SQLite data under DATA_DIR (default: ./.data, where
`make run` keeps it); each one says which data it uses before it acts."""

EPILOG = """\
examples:
  shortstack serve                              the UI, the API and redirects on :8000
  shortstack seed                               demo links with 30 days of clicks, items, users
  shortstack links create https://example.com --alias launch --max-visits 100
  shortstack links list                         every link, newest first
  shortstack links stats launch --json          a link's clicks per day, referrers ...
  shortstack qr launch --format svg -o launch.svg   the link's QR code
  shortstack import links.csv                   load a CSV of url[,alias][,ttl_days]
  shortstack import links.csv --url http://127.0.0.1:8000   through a running server
  shortstack dlq list --data-dir ~/shortstack/.data          another data directory
  eval "$(shortstack dev-token --env)"; shortstack dev-token   try AUTH_MODE=jwt locally
  shortstack COMMAND --help                     the options of one command

Settings come from the environment (STORAGE, DATA_DIR, PORT, AUTH_MODE, ...); the
README lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shortstack",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shortstack {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.configure(sub)
        sub.set_defaults(run=command.run)
    add_everywhere(parser, _data_dir_option)
    return parser


def _data_dir_option(parser: argparse.ArgumentParser, top: bool) -> None:
    parser.add_argument(
        "--data-dir",
        type=some_path,
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="the local data directory (default: DATA_DIR or .data)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shortstack` console script."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse gives a list of positionals only the words before the first option after
    # them (`links bulk add_tag --tag q4 ID ...`): a command that names its list in
    # `trailing` takes the words left over, options apart, as more of it.
    trailing: str | None = getattr(args, "trailing", None)
    if extra and (trailing is None or any(word.startswith("-") for word in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra and trailing is not None:
        try:
            setattr(args, trailing, [*getattr(args, trailing), *map(utf8, extra)])
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))
    if args.data_dir:
        # Settings is the only reader of the environment: the flag speaks through it.
        os.environ["DATA_DIR"] = args.data_dir
    try:
        result: int = args.run(args)
        # A reader that went away (`| head`) is met here, not in the interpreter's exit.
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE_EXIT
    except Exception as exc:
        reason = _failure_outside(exc)
        if reason is None:
            raise
        print(f"shortstack: {reason}", file=sys.stderr, flush=True)
        return FAILED_EXIT
    return result


# What a shell reports for a program killed by SIGPIPE, as `yes | head` does.
BROKEN_PIPE_EXIT = 128 + 13
FAILED_EXIT = 1


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _failure_outside(exc: Exception) -> str | None:
    """One line for a failure of the world around the command (its data, disk, AWS), else None.

    Those are a person's to fix, so they get a sentence, not a traceback; anything else is
    a bug and keeps its traceback.
    """
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        data_dir = os.environ.get("DATA_DIR", ".data")
        return f"the SQLite data under {os.path.abspath(data_dir)} cannot be used: {exc}"
    if type(exc).__module__.startswith("botocore"):
        return (
            f"AWS (STORAGE=dynamodb): {exc} (AWS_DEFAULT_REGION, credentials, TABLE_NAME "
            "and AWS_ENDPOINT_URL say where the table is)"
        )
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return None


if __name__ == "__main__":
    sys.exit(main())
