"""User-Agent families through ua-parser (the maintained uap-core regexes).

ua-parser is imported on first use: loading its matchers is a large part of a
cold start (bench/README.md, "Costs the code is shaped around"), which only the
analytics consumer should pay, never a redirect or an API cold start.
Its answers are cached per distinct header (a few hundred browsers account for
nearly all traffic).
"""

from __future__ import annotations

import re
from functools import lru_cache

from shortstack.domain.analytics import UNKNOWN, UserAgentFamily

_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|nexus (7|9|10)|sm-t\d", re.IGNORECASE)
_MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS"})
_DESKTOP_OS = frozenset({"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora"})


@lru_cache(maxsize=4096)
def classify_user_agent(user_agent: str | None) -> UserAgentFamily:
    """Browser and OS families, device class (desktop|mobile|tablet|bot|other), bot flag."""
    if not user_agent or not user_agent.strip():
        return UserAgentFamily(browser=UNKNOWN, device="other", is_bot=False)
    from ua_parser import parse

    result = parse(user_agent[:1024])
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else ""
    device = result.device.family if result.device else ""
    os_name = os_family or UNKNOWN
    # Whether a visit counted as a bot's is the redirect's decision (crawlers.py); this flag
    # only names uap-core's own spiders for the device breakdown.
    if device == "Spider":
        return UserAgentFamily(browser=browser, device="bot", is_bot=True, os=os_name)
    if _TABLET.search(user_agent):
        device_class = "tablet"
    elif os_family in _MOBILE_OS:
        device_class = "mobile"
    elif os_family in _DESKTOP_OS:
        device_class = "desktop"
    else:
        device_class = "other"
    return UserAgentFamily(browser=browser, device=device_class, is_bot=False, os=os_name)
