"""Conditional requests (RFC 9110 13.1): a stored record's entity tag and what a client's
If-Match and If-None-Match ask of it.

A record keeps a version: a random number when it is made, one more at each write of what
its owner sees, 0 for a record written before versions existed. Its entity tag is that
version in quotes (and, for a representation that also shows counters the writes do not
version, a digest of the answer after a dot). If-Match is checked against the version only,
by the store, in the write itself; a malformed If-Match is refused (400), never ignored,
since ignoring it would make the write the client asked to guard unconditional.
If-None-Match guards nothing: a malformed one is ignored and the GET answers in full.
Standard library only: the API Lambda's light front imports it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from shortstack.domain.errors import MalformedPrecondition, PreconditionFailed

# One entity tag (RFC 9110 8.8.3): an optional weakness mark, then an opaque quoted string,
# which may hold commas: a list is matched whole, then its tags are read left to right.
_ETAG = r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"'
_TAG = re.compile(_ETAG)
# Empty list elements are allowed and ignored (RFC 9110 5.6.1).
_LIST = re.compile(rf"[ \t,]*{_ETAG}(?:[ \t]*,[ \t,]*{_ETAG})*[ \t,]*")
# Our own opaque tags: the version, then an optional digest of the representation.
_OURS = re.compile(r"(\d{1,18})(?:\.[0-9a-f]{1,64})?")
LEGACY_VERSION = 0
# The tags one header may name: a DynamoDB condition's IN takes at most 100 operands, and a
# write may carry both headers. Nobody edits from fifty earlier reads (0004).
TAGS_MAX = 50


def new_version() -> int:
    """The version of a record being made: random, so that a link deleted and made again
    under the same alias never answers to a tag of the one before."""
    return secrets.randbelow(2**40) + 1


def entity_tag(version: int, digest: str | None = None) -> str:
    """The strong ETag of a record at `version` (quoted, ready for the header)."""
    return f'"{version}.{digest}"' if digest else f'"{version}"'


def _tags(value: str) -> list[tuple[bool, str]] | None:
    """The (weak, opaque) tags of a header's list, or None when it is not one."""
    value = value.strip(" \t")
    if _LIST.fullmatch(value) is None:
        return None
    return [(found.group(1) is not None, found.group(2)) for found in _TAG.finditer(value)]


@dataclass(frozen=True, slots=True)
class Expected:
    """What a write's preconditions ask of the stored record: If-Match's `versions` (None:
    any, `*`), and none of If-None-Match's `excluded` (None: `*`, so no existing record)."""

    versions: frozenset[int] | None
    excluded: frozenset[int] | None = frozenset()

    def allows(self, version: int) -> bool:
        if self.versions is not None and version not in self.versions:
            return False
        return self.excluded is not None and version not in self.excluded


def refusal(what: str, expected: Expected | None, version: int) -> PreconditionFailed:
    """The error of a write whose preconditions the record at `version` did not meet,
    worded for the header that failed (If-Match first, as RFC 9110 13.2.2 evaluates)."""
    if expected is not None and (expected.versions is None or version in expected.versions):
        return PreconditionFailed(what, entity_tag(version), unchanged=True)
    return PreconditionFailed(what, entity_tag(version))


def ensure_allowed(expected: Expected | None, version: int, what: str) -> None:
    """Raise PreconditionFailed, naming `what`, unless `expected` allows `version`."""
    if expected is not None and not expected.allows(version):
        raise refusal(what, expected, version)


def _versions(value: str, header: str, *, weak_too: bool) -> frozenset[int]:
    """The versions our tags in a header's list name (MalformedPrecondition when it is no
    list). Tags this service did not hand out name none."""
    tags = _tags(value)
    if tags is None:
        raise MalformedPrecondition(
            f'{header} must be "*" or a comma-separated list of entity tags such as "12345"'
        )
    if len(tags) > TAGS_MAX:
        raise MalformedPrecondition(f"{header} names at most {TAGS_MAX} entity tags")
    versions = set()
    for weak, opaque in tags:
        ours = _OURS.fullmatch(opaque)
        if (weak_too or not weak) and ours is not None:
            versions.add(int(ours.group(1)))
    return frozenset(versions)


def expected(if_match: str | None, if_none_match: str | None = None) -> Expected | None:
    """The condition of a write's If-Match and If-None-Match headers; None without either.
    Raises MalformedPrecondition.

    If-Match uses the strong comparison (RFC 9110 13.1.1): weak tags never match, nor do
    tags this service did not hand out, so a list of only those asks for a version no
    record has. If-None-Match on a write (13.1.2) uses the weak one; `*` there asks that no
    record exist, which a write to an existing one never meets (412).
    """
    if if_match is None and if_none_match is None:
        return None
    versions: frozenset[int] | None = None
    if if_match is not None and if_match.strip(" \t") != "*":
        versions = _versions(if_match, "If-Match", weak_too=False)
    excluded: frozenset[int] | None = frozenset()
    if if_none_match is not None:
        if if_none_match.strip(" \t") == "*":
            excluded = None
        else:
            excluded = _versions(if_none_match, "If-None-Match", weak_too=True)
    return Expected(versions, excluded)


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether a GET with this If-None-Match gets a 304 for the representation tagged `tag`
    (the weak comparison, RFC 9110 13.1.2); a malformed header is ignored."""
    if if_none_match is None:
        return False
    if if_none_match.strip(" \t") == "*":
        return True
    tags = _tags(if_none_match)
    return tags is not None and any(f'"{opaque}"' == tag for _, opaque in tags)
