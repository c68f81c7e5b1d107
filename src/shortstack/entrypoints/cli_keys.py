"""`shortstack keys`: create, list and revoke API keys from a terminal, as the operator.

The same use case and request model as `/api/v1/keys`: a key is made for an owner (the
`sub` of the person it serves; AUTH_MODE=none's by default), its secret is shown once
and only its hash is stored. `create` prints the secret alone on stdout, so a script can
take it (`KEY=$(shortstack keys create ci)`), and what the key is on stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shortstack.entrypoints.cli_data import refused, run_action
from shortstack.entrypoints.cli_options import add_everywhere, owner_and_json, utf8


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="a new key; its secret is shown once")
    create.add_argument("name", help="what the key is for (one line, at most 100 characters)")
    actions.add_parser("list", help="the owner's keys, oldest first (never their secrets)")
    revoke = actions.add_parser("revoke", help="delete a key at once")
    revoke.add_argument("key_id", type=utf8)
    add_everywhere(parser, owner_and_json("keys: the sub of the person they serve"))


def run(args: argparse.Namespace) -> int:
    return run_action(args, _ACTIONS)


def _operator(args: argparse.Namespace) -> Any:
    from shortstack.domain.auth import Principal

    # The person at the terminal runs the install: a person, never a key, manages keys.
    return Principal(args.owner, via="none")


def _create(container: Any, args: argparse.Namespace) -> int:
    from shortstack.entrypoints.http.schemas.apikeys import (
        ApiKeyCreate,
        ApiKeyCreated,
        ApiKeyPublic,
    )

    try:
        body = ApiKeyCreate.model_validate({"name": args.name})
    except ValueError as exc:
        return refused(exc)
    key, secret = container.apikeys.create(_operator(args), body.name)
    shown = ApiKeyPublic.of(key)
    if args.json:
        print(ApiKeyCreated(**shown.model_dump(), secret=secret).model_dump_json())
        return 0
    print(
        f"shortstack: key {shown.key_id} ({shown.name!r}) for {args.owner}: the secret below is "
        "shown this once; send it as 'Authorization: Bearer <secret>'",
        file=sys.stderr,
    )
    print(secret)
    return 0


def _list(container: Any, args: argparse.Namespace) -> int:
    from shortstack.entrypoints.http.schemas.apikeys import ApiKeyPublic

    keys = [ApiKeyPublic.of(key) for key in container.apikeys.list(args.owner)]
    for key in keys:
        if args.json:
            print(key.model_dump_json())
            continue
        used = key.model_dump(mode="json")["last_used_at"] or "never"
        made = f"{key.created_at:%Y-%m-%d}"
        print(f"{key.key_id}  {key.hint}...  {key.name}  (made {made}, used {used})")
    if not keys and not args.json:
        print(f"shortstack: no keys (owner {args.owner!r})", file=sys.stderr)
    return 0


def _revoke(container: Any, args: argparse.Namespace) -> int:
    container.apikeys.revoke(_operator(args), args.key_id)
    print(f"revoked {args.key_id}", file=sys.stderr)
    return 0


_ACTIONS = {"create": _create, "list": _list, "revoke": _revoke}
