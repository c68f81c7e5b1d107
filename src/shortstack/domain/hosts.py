"""Host names as a browser understands them, so that "is this our own host?" cannot be dodged.

`https://SHORT.example.`, `https://short.example` spelt in full-width letters, and
`http://0x7f.1` all reach the host they look like they avoid; the functions
here reduce a host to one canonical spelling first: the one a browser resolves, so
`straße.de` stays itself (`xn--strae-oqa.de`, UTS #46 as browsers apply it) instead of
becoming `strasse.de`, another domain, as the IDNA 2003 codec alone would have it.
Standard library only.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

LOOPBACK = "localhost"
_UNDER_LOOPBACK = "." + LOOPBACK
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMBER_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
_HOST_MAX = 253
# UTS #46's deviations: IDNA 2003 (the stdlib codec) maps sharp s to "ss" and final sigma
# to sigma, where browsers (non-transitional UTS #46) keep them: another domain. The
# joiners it drops are refused instead.
_DEVIATIONS = frozenset("\u00df\u03c2")
_JOINERS = frozenset("\u200c\u200d")
_DOTS = re.compile("[.\u3002\uff0e\uff61]")  # the label separators IDNA knows


def _ipv4_number(part: str) -> int | None:
    """One dotted part as WHATWG reads it: hex with 0x, octal with a leading 0, else decimal."""
    if not _NUMBER_PART.match(part):
        return None
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if all(ch in "01234567" for ch in part) else None
    return int(part)


def _whatwg_ipv4(host: str) -> str | None:
    """Dotted IPv4 of a numeric host (`127.1`, `0x7f.0.0.1`, `2130706433`); None if invalid.

    A host whose last label is a number is an IPv4 address to a browser, or no host at all.
    """
    parts = host.split(".")
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(number is None for number in numbers):
        return None
    *leading, last = [number for number in numbers if number is not None]
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return str(ipaddress.IPv4Address(value))


def canonical_host(hostname: str) -> str | None:
    """The host's canonical spelling (IDNA ASCII, lower case, plain IP), or None if invalid."""
    # Letter by letter: str.lower() would turn a final capital sigma into a final sigma.
    host = "".join(ch.lower() for ch in hostname.strip().rstrip("."))
    if not host:
        return None
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host).compressed
        except ValueError:
            return None
    if _NUMBER_PART.match(host.rpartition(".")[2]):
        return _whatwg_ipv4(host)
    if host.isascii():
        # The IDNA codec returns an ASCII name as it is once its labels are 1-63 long,
        # which _LABEL checks below anyway.
        ascii_host = host
    else:
        try:
            ascii_host = _browsers_ascii(host)
        except UnicodeError:
            return None
    if len(ascii_host) > _HOST_MAX or not all(map(_LABEL.match, ascii_host.split("."))):
        return None
    return ascii_host


def _browsers_ascii(host: str) -> str:
    """A non-ASCII host in ASCII as browsers resolve it; UnicodeError if it cannot be."""
    if _JOINERS.intersection(host):
        raise UnicodeError("a zero-width joiner in a host name")
    if not _DEVIATIONS.intersection(host):
        return host.encode("idna").decode("ascii").lower()
    import stringprep  # what the idna codec loads: only for the rare name that gets here

    labels = []
    for label in _DOTS.split(host):
        checked = label.encode("idna").decode("ascii").lower()  # raises for a bad label
        if _DEVIATIONS.intersection(label):
            # What IDNA maps to nothing (soft hyphen, zero-width space, variation
            # selectors: table B.1) browsers ignore too; kept, it spelt another domain.
            shown = "".join(ch for ch in label if not stringprep.in_table_b1(ch))
            # Lowered again: NFKC makes capitals of some letters (black-letter H is H).
            kept = "".join(ch.lower() for ch in unicodedata.normalize("NFKC", shown))
            checked = "xn--" + kept.encode("punycode").decode("ascii")
        labels.append(checked)
    return ".".join(labels)


def _is_loopback(host: str) -> bool:
    """Whether a canonical host (canonical_host's answer) is this machine."""
    if host == LOOPBACK or host.endswith(_UNDER_LOOPBACK):
        return True
    if ":" not in host and not host.replace(".", "").isdigit():
        return False  # a name: only an IPv6 or dotted IPv4 address could be an address
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def host_key(hostname: str) -> str | None:
    """What two hosts share when they are the same machine to a browser; None if invalid.

    Every loopback spelling (localhost, 127.0.0.0/8, ::1, 0.0.0.0) maps to one key.
    """
    host = canonical_host(hostname)
    if host is None:
        return None
    return canonical_key(host)


def canonical_key(host: str) -> str:
    """host_key of a host already in canonical_host's spelling."""
    return LOOPBACK if _is_loopback(host) else host


def request_host(value: str) -> str | None:
    """The host key of a base URL (`https://s.example/`) or a Host header (`s.example:8443`)."""
    try:
        hostname = urlsplit(value if "://" in value else f"//{value}").hostname
    except ValueError:
        return None
    return host_key(hostname) if hostname else None
