"""What a counted redirect records about its visitor: the same few facts on every runtime.

A click is reduced before anything stores or announces it:
- the referrer to its origin (scheme and host): paths and queries may carry tokens;
- the User-Agent to its first USER_AGENT_MAX characters (browser, device and bot
  markers sit at the front of real User-Agents);
- the edge's country code (`CloudFront-Viewer-Country`), or nothing;
- the viewer's address to a salted hash that changes every UTC day (`visitor`),
  enough to count unique visitors per day, never the address itself;
- what redirect rules look at (link_routing.py): the preferred languages' primary
  subtags and the query pairs as short digests (never the query string), plus the
  visit's draw for an A/B split (`spin`) and, for a crawler or preview fetcher,
  which of the two it is (`bot`).

On DynamoDB these facts ride on the click's own UpdateItem as one small map on
the link item, so the table's stream carries them to the consumer while the item
stays under 1 KB (one WRU) for a typical link; locally they are the detail of the
LinkClicked event written in the click's transaction. Standard library only: the
redirect Lambda imports this module.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import socket
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from shortstack.domain.link_routing import (
    VisitorFacts,
    devices_of,
    preferred_languages,
    query_digest,
    query_pairs,
)
from shortstack.domain.slotted import frozen_slots

REFERRER_MAX = 1024
USER_AGENT_MAX = 256
ACCEPT_LANGUAGE_MAX = 512
QUERY_MAX = 2048
ORIGIN_MAX = 200
VISITOR_HASH_BYTES = 12


@frozen_slots
class Visit:
    """What a redirect request tells about its visitor; every part is optional and bounded."""

    referrer: str | None = None
    user_agent: str | None = None
    country: str | None = None
    address: str | None = None
    accept_language: str | None = None
    query: str | None = None

    @classmethod
    def from_headers(
        cls,
        referrer: str | None,
        user_agent: str | None,
        country: str | None,
        address: str | None = None,
        *,
        accept_language: str | None = None,
        query: str | None = None,
    ) -> Visit:
        """Cleaned header values: long ones cut, a malformed country or address dropped."""
        country = country.strip().upper() if country else None
        return cls(
            referrer=referrer[:REFERRER_MAX] if referrer else None,
            user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
            country=country if country and len(country) == 2 and country.isalpha() else None,
            address=viewer_ip(address),
            accept_language=accept_language[:ACCEPT_LANGUAGE_MAX] if accept_language else None,
            query=query[:QUERY_MAX] if query else None,
        )


@frozen_slots
class Click:
    """One counted visit as stored and announced: when, and the reduced visitor facts."""

    at: datetime
    referrer: str | None = None
    user_agent: str | None = None
    country: str | None = None
    visitor: str | None = None
    languages: tuple[str, ...] = ()
    query_digests: tuple[str, ...] = ()
    spin: int = 0
    # A crawler or a preview fetcher (link_routing.CRAWLER / PREVIEW_FETCHER); None: a person.
    bot: str | None = None

    @classmethod
    def of(
        cls, visit: Visit, at: datetime, salt: str = "", spin: int = 0, bot: str | None = None
    ) -> Click:
        """The click a visit makes at `at`; without a salt no visitor hash is kept."""
        visitor = None
        if salt and visit.address:
            visitor = visitor_hash(salt, at, visit.address, visit.user_agent)
        return cls(
            at,
            referrer_origin(visit.referrer),
            visit.user_agent,
            visit.country,
            visitor,
            preferred_languages(visit.accept_language),
            query_digests(visit.query) if visit.query else (),
            spin,
            bot,
        )

    def facts(self) -> VisitorFacts:
        """What redirect rules look at, from what this click keeps."""
        return VisitorFacts(
            devices_of(self.user_agent), self.languages, self.country, frozenset(self.query_digests)
        )


def is_prefetch(sec_purpose: str | None, purpose: str | None = None) -> bool:
    """Whether a request is a browser fetching ahead of a navigation, not a visit.

    `Sec-Purpose` (Fetch; a structured list whose first item is the purpose) is
    `prefetch` for `<link rel=prefetch>` and speculation rules' prefetches, with
    parameters for a prerender (`prefetch;prerender`) or Chromium's private proxy
    (`prefetch;anonymous-client-ip`); Chromium also sends its legacy `Purpose: prefetch`.
    Such a request gets the answer a visit would get and is not counted: most are never
    followed, and one that is, is served from the browser's cache, never reaching us.
    """
    if not sec_purpose and not purpose:
        return False  # nearly every request: asked on each redirect, before anything else
    return any(
        value and value.split(",", 1)[0].split(";", 1)[0].strip().lower() == "prefetch"
        for value in (sec_purpose, purpose)
    )


def query_digests(query: str | None) -> tuple[str, ...]:
    """The distinct digests of a query string's pairs, sorted (what a click keeps of it)."""
    return tuple(sorted({query_digest(key, value) for key, value in query_pairs(query)}))


# Browsers send a page of another site as its origin alone (strict-origin-when-cross-origin),
# so a link's visitors bring the same few referrers again and again.
@lru_cache(maxsize=256)
def referrer_origin(referrer: str | None) -> str | None:
    """`https://host[:port]` of a referrer, lower-cased; None when there is no usable host."""
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not host or scheme not in ("http", "https") or not host.isascii():
        return None
    origin = f"{scheme}://{host}" + (f":{port}" if port else "")
    return origin if len(origin) <= ORIGIN_MAX and origin.isprintable() else None


def viewer_ip(address: str | None) -> str | None:
    """A valid IPv4 or IPv6 address in its canonical spelling; None otherwise."""
    if not address:
        return None
    text = address.strip().strip("[]")
    try:
        # Most are IPv4 addresses spelled canonically already: checked in C, a tenth of
        # what parsing them with ipaddress costs on every redirect.
        if socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, text)) == text:
            return text
    except OSError:
        pass
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def cloudfront_viewer_ip(header: str | None) -> str | None:
    """The IP of a `CloudFront-Viewer-Address` value: `ip:port`, IPv6 without brackets."""
    if not header or ":" not in header:
        return None
    return viewer_ip(header.strip().rpartition(":")[0])


def visitor_hash(salt: str, at: datetime, address: str, user_agent: str | None) -> str:
    """A visitor's id for one UTC day: HMAC-SHA256 of day, address and User-Agent, 16 chars.

    The day is part of the message, so one person's hashes on two days do not match.
    """
    message = f"{at.date().isoformat()}|{address}|{user_agent or ''}".encode()
    # hmac.digest: one call into OpenSSL, without building an HMAC object in Python.
    digest = hmac.digest(salt.encode(), message, "sha256")[:VISITOR_HASH_BYTES]
    return base64.urlsafe_b64encode(digest).decode()
