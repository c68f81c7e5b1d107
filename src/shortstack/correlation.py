"""Correlation ids: echo the caller's when it is safe to log, otherwise make one.

Standard library only, so that the redirect Lambda can use it without loading
the logging library the rest of the app uses.
"""

from __future__ import annotations

import re
from random import getrandbits as _bits

_SAFE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def choose_correlation_id(offered: str | None) -> str:
    """The caller's id when it is safe to echo and log, otherwise a fresh one."""
    if offered and _SAFE_CORRELATION_ID.match(offered):
        return offered
    # uuid4().hex's format from the process's own generator: an id must be unique, not
    # secret, and os.urandom's system call cost a local redirect more than the rest of its
    # reply's headers (random reseeds in a forked child, so processes do not repeat ids).
    return _bits(128).to_bytes(16, "big").hex()
