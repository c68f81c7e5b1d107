"""A visit's referrer reduced to its host: what the stats and orphan visits count it by.

Its own module so that counting an orphan visit (a redirect's 404) does not load
the analytics (docs/decisions/0112-orphan-visits.md). Standard library only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DIRECT = "(direct)"
UNKNOWN = "(unknown)"  # also every other dimension's value for what cannot be read
HOST_MAX = 100


def referrer_host(referrer: str | None) -> str:
    """The referrer's host in lower case, without `www.`; `(direct)` when there is none."""
    if not referrer:
        return DIRECT
    try:
        host = urlsplit(referrer.strip()).hostname
    except ValueError:
        return UNKNOWN
    if not host:
        return UNKNOWN
    host = host.lower().removeprefix("www.")
    if len(host) > HOST_MAX or not host.isascii() or not host.isprintable():
        return UNKNOWN
    return host
