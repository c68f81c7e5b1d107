"""Short ids and aliases: how a link's id is drawn, which aliases are allowed, and which
path segments could name a link at all.

Standard library only: the redirect Lambda checks every path with
`is_possible_short_id` on its cold-start path.
"""

from __future__ import annotations

import re
import secrets

from shortstack.domain.errors import InvalidInput

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHORT_ID_LENGTH = 7
ALIAS_PATTERN = r"^[A-Za-z0-9_-]{3,64}$"
_ALIAS = re.compile(ALIAS_PATTERN)

# Top-level paths the service itself uses (or may use), compared case-insensitively: an alias
# must never shadow one of them. Names with a dot cannot be aliases anyway (the alias alphabet
# has no dot); they are listed so that the redirect path also leaves them to the web app.
# `batch` and `bulk` name no top-level path: /api/v1/links/batch and /api/v1/links/bulk must
# never also be a link's address.
RESERVED_WORDS = frozenset(
    {
        "about", "account", "admin", "api", "app", "assets", "auth", "batch", "bulk",
        "callback",
        "dashboard", "docs", "favicon.ico", "graphql", "health", "healthz", "help", "imports",
        "index.html",
        "items", "links", "login", "logout", "manifest.json", "metrics", "oauth", "openapi.json",
        "privacy", "redoc", "register", "robots.txt", "security.txt", "settings", "shorten",
        "signup", "sitemap.xml", "static", "stats", "status", "terms", "users", "v1", "v2",
        "web", "www", ".well-known",
    }
)  # fmt: skip


def new_short_id(length: int = SHORT_ID_LENGTH) -> str:
    """A random base62 id from the OS's cryptographic source (62**7 ~ 3.5e12 ids)."""
    # One uniform number below 62**length, written in base62, is the same draw as a uniform
    # character per position, for one call to the OS's source instead of one per character
    # (bench/README.md, "Costs the code is shaped around").
    number = secrets.randbelow(len(BASE62) ** length)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(BASE62))
        chars.append(BASE62[digit])
    return "".join(chars)


def is_reserved(word: str) -> bool:
    """True for the service's own top-level path names, whatever their case."""
    return word.lower() in RESERVED_WORDS


def check_alias(alias: str) -> str:
    """The alias if it is usable as a short id; InvalidInput naming the rule otherwise."""
    if not _ALIAS.match(alias):
        raise InvalidInput("alias must be 3-64 characters of A-Z a-z 0-9 _ -", field="alias")
    if is_reserved(alias):
        raise InvalidInput(f"alias {alias!r} is reserved by the service", field="alias")
    return alias


def is_possible_short_id(candidate: str) -> bool:
    """Whether a path segment could name a link at all (a cheap check before any lookup)."""
    return _ALIAS.match(candidate) is not None and not is_reserved(candidate)
