"""Correlation ids: echo the caller's when it is safe to log, otherwise make one.

Standard library only, so that the redirect Lambda can use it without loading
the logging library the rest of the app uses.
"""

from __future__ import annotations

import os
import re

_SAFE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def choose_correlation_id(offered: str | None) -> str:
    """The caller's id when it is safe to echo and log, otherwise a fresh one."""
    if offered and _SAFE_CORRELATION_ID.match(offered):
        return offered
    return os.urandom(16).hex()  # uuid4().hex's format at a quarter of its cost
