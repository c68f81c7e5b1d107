"""What `shortstack serve` says about auth before it serves, and how it refuses to start.

AUTH_MODE=none gets a banner nobody can miss (louder still when the server listens
beyond loopback); AUTH_MODE=jwt names where the keys come from. A configuration the
settings refuse becomes one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError

from shortstack.config import Settings

T = TypeVar("T")
REFUSED_EXIT = 2
_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def auth_banner(settings: Settings) -> list[str]:
    """The lines of the start-up banner about who callers are."""
    if settings.auth_mode == "jwt":
        keys = f"JWKS {settings.jwt_jwks_url}" if settings.jwt_jwks_url else "JWT_PUBLIC_KEY"
        return [
            f"  AUTH_MODE=jwt  issuer={settings.jwt_issuer}  keys={keys}",
            f"  API keys (sk_...): {'accepted' if settings.api_keys_enabled else 'refused'}",
        ]
    bar = "  " + "!" * 76
    lines = [
        bar,
        "  !! AUTH_MODE=none: NO AUTHENTICATION. Every request acts as the user 'local'.",
        "  !! Anyone who can reach this server can read, change and delete everything.",
    ]
    if settings.host not in _LOOPBACK_HOSTS:
        lines.append(f"  !! And it listens on {settings.host}, beyond this machine.")
    lines.append("  !! For real users set AUTH_MODE=jwt (README: Auth).")
    return [*lines, bar]


def refusal(exc: Exception) -> str:
    """One line saying why the configuration was refused."""
    if isinstance(exc, ValidationError):
        from shortstack.entrypoints.http.error_bodies import validator_words

        reasons = []
        for error in exc.errors():
            message = validator_words(str(error.get("msg", "invalid")))
            message = message.removesuffix(": refusing to start")
            location = ".".join(str(part) for part in error.get("loc", ()))
            reasons.append(f"{location.upper()}: {message}" if location else message)
        return "; ".join(reasons)
    return str(exc)


def or_refuse(build: Callable[[], T]) -> T | int:
    """`build()`, or the exit status after printing why a bad configuration refuses to start."""
    import sys

    try:
        return build()
    except (ValidationError, ValueError) as exc:
        print(f"shortstack: refusing to start: {refusal(exc)}", file=sys.stderr, flush=True)
        return REFUSED_EXIT
