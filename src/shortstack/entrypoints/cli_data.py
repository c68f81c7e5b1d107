"""Which data a command acts on, said before it acts.

A command run from another folder would otherwise open `./.data`, create it empty and
act there, while the server keeps reading its own copy. So every command names the
store it uses (on stderr, so that `--json` output stays clean), and only `serve` may
create a missing data directory; the others refuse and say how to point at the right one.

The short URLs a command shows are the server's: `serve` notes in the data directory
where it serves them, and a command given no PUBLIC_BASE_URL, HOST or PORT of its own
builds its links on that, not on the default port, where no server may be.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shortstack.config import Settings
from shortstack.entrypoints.cli_auth import REFUSED_EXIT, or_refuse


def where(settings: Settings) -> str:
    """A person's description of the store the settings name."""
    if settings.storage == "sqlite":
        return f"{settings.data_dir.resolve()} (SQLite, DATA_DIR)"
    if settings.storage == "dynamodb":
        endpoint = f" at {settings.aws_endpoint_url}" if settings.aws_endpoint_url else ""
        return f"DynamoDB table {settings.table_name}{endpoint} (TABLE_NAME)"
    return "memory (STORAGE=memory: gone when the command ends)"


def missing_data_dir(settings: Settings) -> str:
    """Why a command refuses a DATA_DIR that does not exist."""
    path = settings.data_dir.resolve()
    return (
        f"shortstack: no data directory at {path}\n"
        "  Run this command in the folder where `make run` keeps its data (.data/), or set\n"
        "  DATA_DIR (or --data-dir) to that folder. To start an empty one on purpose:\n"
        f"  mkdir -p {path}"
    )


def command_settings(*, quiet: bool = False) -> Settings | int:
    """The settings of a command after saying where its data is, or an exit status.

    A SQLite DATA_DIR that does not exist is refused, never created. `quiet` (a command's
    --quiet) leaves out the line about where the data is, never a refusal.
    """
    settings = or_refuse(Settings)
    if isinstance(settings, int):
        return settings
    if settings.storage == "sqlite" and not settings.data_dir.is_dir():
        print(missing_data_dir(settings), file=sys.stderr)
        return REFUSED_EXIT
    if not quiet:
        print(f"shortstack: data in {where(settings)}", file=sys.stderr)
    return as_served(settings)


# In DATA_DIR: the base URL of the short links the last server on that data served.
SERVED_AT_FILE = "served-at"
_SERVED_AT_MAX = 2048


def note_served_at(settings: Settings) -> None:
    """Note in a SQLite DATA_DIR where this server serves short links, for the commands."""
    if settings.storage != "sqlite":
        return
    path = settings.data_dir / SERVED_AT_FILE
    written = path.with_name(f"{SERVED_AT_FILE}.new")
    try:
        written.write_text(f"{settings.base_url}\n", encoding="utf-8")
        written.replace(path)
    except OSError:
        # The links still work; only the commands' short URLs fall back to HOST and PORT.
        return


def _served_at(data_dir: Path) -> str | None:
    try:
        with (data_dir / SERVED_AT_FILE).open(encoding="utf-8") as file:
            text = file.read(_SERVED_AT_MAX + 1).strip()
    except (OSError, UnicodeDecodeError):
        return None
    parts = urlsplit(text)
    if len(text) > _SERVED_AT_MAX or parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if any(character.isspace() for character in text):
        return None
    return text


def as_served(settings: Settings) -> Settings:
    """`settings` building short URLs as the server on their data does, unless the command
    was told where they point (PUBLIC_BASE_URL, HOST or PORT)."""
    told = settings.public_base_url or {"host", "port"} & settings.model_fields_set
    if settings.storage != "sqlite" or told:
        return settings
    served = _served_at(settings.data_dir)
    if served is None or served == settings.base_url:
        return settings
    # Read again, not copied: a copy would keep the base URL already derived.
    return Settings(public_base_url=served)


def create_data_dir(settings: Settings) -> int | None:
    """Create a missing SQLite DATA_DIR (the server's first start), saying so.

    None when the directory is there, else the exit status after saying why it cannot be.
    """
    if settings.storage == "sqlite" and not settings.data_dir.is_dir():
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            path = settings.data_dir.resolve()
            reason = "a file is in the way" if path.exists() else exc.strerror
            print(
                f"shortstack: cannot create the data directory {path}: {reason}; "
                "set DATA_DIR (or --data-dir) to a folder you can write",
                file=sys.stderr,
            )
            return REFUSED_EXIT
        print(f"shortstack: created a new data directory {where(settings)}", file=sys.stderr)
    return None


FAILED_EXIT = 1


def run_action(
    args: argparse.Namespace, actions: Mapping[str, Callable[[Any, argparse.Namespace], int]]
) -> int:
    """`actions[args.action](container, args)` on the data the settings name, said first
    (unless --json); a use case's refusal is one line on stderr and exit 1."""
    from shortstack.bootstrap import bootstrap
    from shortstack.domain.errors import DomainError

    settings = command_settings(quiet=args.json)
    if isinstance(settings, int):
        return settings
    container = bootstrap(settings)
    try:
        return actions[args.action](container, args)
    except DomainError as exc:
        print(f"shortstack: {exc.message}", file=sys.stderr)
        return FAILED_EXIT
    finally:
        container.close()


def refused(exc: ValueError) -> int:
    """A request model's reasons (as the API's 422 gives them), or why an option could not
    be read at all, in one line; exit 1."""
    from pydantic import ValidationError

    from shortstack.entrypoints.http.errors import field_errors, summarize

    if isinstance(exc, ValidationError):
        print(f"shortstack: {summarize(field_errors(exc.errors()))}", file=sys.stderr)
    else:
        print(f"shortstack: {exc}", file=sys.stderr)
    return FAILED_EXIT
