"""What a link is doing now, in one word people read in lists and filter by.

The state is derived, never stored: it depends on the clock (expiry, a start time) and
on the click count, so a stored copy would go stale between two visits.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shortstack.domain.links import Link


class LinkState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    EXPIRED = "expired"
    USED_UP = "used_up"
    SCHEDULED = "scheduled"


def state_of(link: Link, now: datetime) -> LinkState:
    """The one state a link shows at `now`; a disabled link is disabled whatever else holds.

    A link not valid before a later `valid_since` is scheduled (links without that field
    never are); after that come expiry and the visit limit, in the order the redirect
    checks them.
    """
    if not link.is_active:
        return LinkState.DISABLED
    valid_since: datetime | None = getattr(link, "valid_since", None)
    if valid_since is not None and valid_since > now:
        return LinkState.SCHEDULED
    if link.expires_at is not None and link.expires_at <= now:
        return LinkState.EXPIRED
    if link.max_visits is not None and link.click_count >= link.max_visits:
        return LinkState.USED_UP
    return LinkState.ACTIVE
