"""`shortstack dev-token`: bearer tokens for trying AUTH_MODE=jwt on a laptop, without an IdP.

A P-256 signing key is kept in DATA_DIR (`dev-jwt-signing-key.pem`, readable by its
owner only). `--env` prints the settings that make a local server trust that key;
without it the command signs a short-lived token for `--sub`. It refuses unless the
settings it runs with are exactly that: AUTH_MODE=jwt whose JWT_PUBLIC_KEY is this
key's public half, so it can never mint tokens for a real identity provider's server.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

from shortstack.config import Settings
from shortstack.entrypoints.cli_auth import REFUSED_EXIT, or_refuse
from shortstack.entrypoints.cli_options import non_empty

KEY_FILE = "dev-jwt-signing-key.pem"
DEV_ISSUER = "https://dev-token.shortstack.invalid"
DEV_AUDIENCE = "shortstack-dev"
MAX_MINUTES = 24 * 60


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        action="store_true",
        help="print the settings (shell exports) that make a server trust this machine's key",
    )
    # A subject the server refuses (an empty one) or cannot compare makes no useful token.
    parser.add_argument(
        "--sub", type=non_empty, default="dev", help="the token's subject: who you are (dev)"
    )
    parser.add_argument(
        "--group",
        type=non_empty,
        action="append",
        default=[],
        help="a cognito:groups entry (repeatable)",
    )
    parser.add_argument(
        "--minutes", type=int, default=60, help=f"lifetime, 1-{MAX_MINUTES} (default 60)"
    )


def _load_or_create_key(path: Path, may_create: bool) -> object | None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if path.is_file():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not may_create:
        return None
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    print(f"shortstack: created a local signing key {path}", file=sys.stderr)
    return key


def public_pem(key: object) -> str:
    """The PEM public half of a private key (what JWT_PUBLIC_KEY holds)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _same_key(configured: str, expected: str) -> bool:
    return configured.strip().replace("\r\n", "\n") == expected.strip()


def _exports(settings: Settings, public: str) -> str:
    values = {
        "AUTH_MODE": "jwt",
        "JWT_ISSUER": DEV_ISSUER,
        "JWT_AUDIENCE": DEV_AUDIENCE,
        "JWT_PUBLIC_KEY": public.strip(),
        "DATA_DIR": str(settings.data_dir.resolve()),
    }
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in values.items())


def refusal(settings: Settings, key: object | None, key_path: Path) -> str | None:
    """Why no token may be signed with these settings, or None."""
    setup = 'run `eval "$(shortstack dev-token --env)"` first, then start the server'
    if settings.stage != "local":
        return "dev tokens are for a local server only (STAGE is not local)"
    if settings.auth_mode != "jwt":
        return f"AUTH_MODE is {settings.auth_mode}: no token is needed; to try jwt mode, {setup}"
    if key is None:
        return f"no local signing key at {key_path}; {setup}"
    if settings.jwt_jwks_url or not _same_key(settings.jwt_public_key, public_pem(key)):
        return (
            "AUTH_MODE=jwt here trusts another key (JWT_JWKS_URL, or a JWT_PUBLIC_KEY that is "
            f"not the public half of {key_path}): a real identity provider issues its tokens"
        )
    if settings.jwt_issuer.strip() != DEV_ISSUER or DEV_AUDIENCE not in settings.jwt_audiences:
        return f"JWT_ISSUER and JWT_AUDIENCE are not the dev token's; {setup}"
    return None


def run(args: argparse.Namespace) -> int:
    import jwt

    settings = or_refuse(Settings)
    if isinstance(settings, int):
        return settings
    key_path = settings.data_dir / KEY_FILE
    if args.env:
        key = _load_or_create_key(key_path, may_create=True)
        print(_exports(settings, public_pem(key)))
        return 0
    if not 1 <= args.minutes <= MAX_MINUTES:
        print(f"shortstack: --minutes must be 1-{MAX_MINUTES}", file=sys.stderr)
        return REFUSED_EXIT
    key = _load_or_create_key(key_path, may_create=False)
    why_not = refusal(settings, key, key_path)
    if why_not is not None:
        print(f"shortstack: dev-token refused: {why_not}", file=sys.stderr)
        return REFUSED_EXIT
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": args.sub,
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": now,
        "exp": now + args.minutes * 60,
    }
    if args.group:
        claims["cognito:groups"] = list(args.group)
    print(jwt.encode(claims, key, algorithm="ES256"))  # type: ignore[arg-type]
    return 0
