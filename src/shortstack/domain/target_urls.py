"""Where a short link may point: http(s) URLs a browser reads the way they were checked.

A target is refused, with the reason, when it could run script, carry
credentials, hide its real host behind whitespace, backslashes or odd host
spellings, or lead back to this service (a redirect loop); what passes is
stored in the one ASCII form that is later sent as Location. Host spellings
are reduced by `hosts`. Standard library only: the redirect Lambda imports
this module through the link service on its cold-start path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from shortstack.domain.errors import UnsafeUrl
from shortstack.domain.hosts import canonical_host, canonical_key, request_host

URL_MAX_LENGTH = 2048
_ALLOWED_SCHEMES = ("http", "https")
# Characters a browser drops or treats as separators inside a URL; refusing them (instead of
# stripping them) means what is stored is exactly what was checked.
_WHITESPACE_OR_CONTROL = re.compile(
    r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]"
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class OwnHosts:
    """The hosts that are this service: a short link must never point back at them."""

    keys: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *urls_or_hosts: str | None) -> OwnHosts:
        """From base URLs (`https://s.example`) or Host header values (`s.example:8443`)."""
        keys = set()
        for value in urls_or_hosts:
            host = request_host(value) if value else None
            if host is not None:
                keys.add(host)
        return cls(frozenset(keys))

    def with_request_host(self, host_header: str | None) -> OwnHosts:
        """These hosts plus the one a request was addressed to."""
        return _with_request_host(self.keys, host_header) if host_header else self


# Per service and Host header: a container sees the same few again and again. Keyed by
# the frozenset, whose hash is kept, not by OwnHosts, whose hash is a Python call.
@lru_cache(maxsize=256)
def _with_request_host(keys: frozenset[str], host_header: str) -> OwnHosts:
    extra = request_host(host_header)
    return OwnHosts(keys if extra is None else keys | {extra})


def _percent_encode_non_ascii(text: str) -> str:
    """Non-ASCII characters as UTF-8 percent escapes, as browsers send them."""
    if text.isascii():
        return text
    return "".join(
        ch if ch.isascii() else "".join(f"%{byte:02X}" for byte in ch.encode("utf-8"))
        for ch in text
    )


def check_target_url(url: str, own_hosts: OwnHosts) -> str:
    """The URL in the ASCII form that is stored and sent as Location; UnsafeUrl says why not."""
    if not url:
        raise UnsafeUrl("url is required")
    ascii_only = url.isascii()
    if not ascii_only:
        try:
            url.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UnsafeUrl("url must be valid Unicode") from exc
    if _WHITESPACE_OR_CONTROL.search(url):
        # Browsers strip or skip these, so "java\tscript:" would still run as javascript:.
        raise UnsafeUrl("url must not contain whitespace or control characters")
    if len(url) > URL_MAX_LENGTH:
        raise UnsafeUrl(f"url must be at most {URL_MAX_LENGTH} characters")
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        raise UnsafeUrl("url must start with http:// or https://")
    scheme = scheme_match.group(1).lower()
    if scheme not in _ALLOWED_SCHEMES:
        raise UnsafeUrl(f"url scheme {scheme!r} is not allowed: only http and https")
    if "\\" in url:
        # WHATWG parsers read "\" as "/" in http(s) URLs: "https://a\@b" would mean host "a".
        raise UnsafeUrl("url must not contain backslashes")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. a bracketed host that is not an IPv6 address
        raise UnsafeUrl("url host is not a valid host name or IP address") from exc
    if not url.startswith("//", len(scheme) + 1) or not parts.netloc:
        raise UnsafeUrl("url must have a host (scheme://host/...)")
    if "@" in parts.netloc:
        raise UnsafeUrl("url must not contain credentials (user:password@)")
    try:
        # Without a ":" in the netloc there is no port to read: `port` would parse the
        # host out of it once more to find none.
        port = parts.port if ":" in parts.netloc else None
    except ValueError as exc:
        raise UnsafeUrl("url has an invalid port") from exc
    host = canonical_host(parts.hostname or "")
    if host is None:
        raise UnsafeUrl("url host is not a valid host name or IP address")
    if canonical_key(host) in own_hosts.keys:
        raise UnsafeUrl("url points back at this service's own host (a redirect loop)")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    # What urlunsplit joins for a scheme and a host, written out: a path after a host is
    # empty or starts with "/", and an empty query or fragment is dropped, as urlunsplit
    # drops them. An ASCII URL has nothing to percent-encode. With the Unicode check above
    # skipped for ASCII, that is a fifth of this function's instructions on a create.
    path, query, fragment = parts.path, parts.query, parts.fragment
    if not ascii_only:
        path = _percent_encode_non_ascii(path)
        query = _percent_encode_non_ascii(query)
        fragment = _percent_encode_non_ascii(fragment)
    normalized = f"{scheme}://{netloc}{path}"
    if query:
        normalized = f"{normalized}?{query}"
    if fragment:
        normalized = f"{normalized}#{fragment}"
    if len(normalized) > URL_MAX_LENGTH:
        raise UnsafeUrl(f"url must be at most {URL_MAX_LENGTH} characters once encoded")
    return normalized
