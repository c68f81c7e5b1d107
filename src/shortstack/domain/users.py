"""Users: records with a client-chosen id and a unique e-mail address."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from shortstack.domain.clock import to_iso
from shortstack.domain.errors import InvalidInput

# No leading dot: "." and ".." are dot-segments that browsers, CDNs and API Gateway
# normalize away, so such a user could be created but never read or deleted by URL.
USER_ID_PATTERN = r"^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,63}$"
USER_NAME_MAX = 100
_USER_ID = re.compile(USER_ID_PATTERN)
# Paths under /api/v1/users that are not user ids.
RESERVED_USER_IDS = frozenset({"me"})


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    name: str
    email: str
    created_at: datetime


def listing_position(user: User) -> str:
    """Where a user sorts in the directory: `<created>#<userId>`, unique, newest last."""
    return f"{to_iso(user.created_at)}#{user.user_id}"


# Han, Hiragana and Katakana are written together; any other mix inside one label is a
# lookalike trick ("kim" spelt with a Cyrillic i, "example.com" with a Cyrillic a).
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "IDEOGRAPHIC": "CJK"}


def normalize_email(email: str) -> str:
    """The form under which uniqueness is checked: NFKC, trimmed, case-insensitive.

    NFKC folds compatibility forms, so "kim" in fullwidth letters is the same address.
    """
    return unicodedata.normalize("NFKC", email).strip().lower()


def _scripts(label: str) -> set[str]:
    scripts = set()
    for char in label:
        if char.isalpha():
            script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
            scripts.add(_SCRIPT_GROUPS.get(script, script))
    return scripts


def mixes_scripts(email: str) -> bool:
    """True when the local part or a domain label mixes writing systems (a homoglyph spoof)."""
    local, _, domain = normalize_email(email).rpartition("@")
    return any(len(_scripts(label)) > 1 for label in (local, *domain.split(".")))


def create_user(*, user_id: str, name: str, email: str, now: datetime) -> User:
    """A new user, validated; the e-mail keeps its case, uniqueness ignores it."""
    if not _USER_ID.match(user_id):
        raise InvalidInput(
            "userId must be 1-64 characters of A-Z a-z 0-9 . _ @ + -, not starting with '.'",
            "userId",
        )
    if user_id.lower() in RESERVED_USER_IDS:
        raise InvalidInput(f"userId {user_id!r} is reserved (GET /api/v1/users/me)", "userId")
    if not 1 <= len(name.strip()) <= USER_NAME_MAX:
        raise InvalidInput(f"name must be 1-{USER_NAME_MAX} characters", field="name")
    if "@" not in email:
        raise InvalidInput("email is not a valid address", field="email")
    if mixes_scripts(email):
        raise InvalidInput("email mixes writing systems in one part", field="email")
    return User(user_id=user_id, name=name, email=email.strip(), created_at=now)
