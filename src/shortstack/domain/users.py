"""Users: records with a client-chosen id and a unique e-mail address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shortstack.domain.errors import InvalidInput

USER_ID_PATTERN = r"^[A-Za-z0-9._@+-]{1,64}$"
USER_NAME_MAX = 100
_USER_ID = re.compile(USER_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    name: str
    email: str
    created_at: datetime


def normalize_email(email: str) -> str:
    """The form under which uniqueness is checked: case-insensitive, trimmed."""
    return email.strip().lower()


def create_user(*, user_id: str, name: str, email: str, now: datetime) -> User:
    """A new user, validated; the e-mail keeps its case, uniqueness ignores it."""
    if not _USER_ID.match(user_id):
        raise InvalidInput("userId must be 1-64 characters of A-Z a-z 0-9 . _ @ + -", "userId")
    if not 1 <= len(name.strip()) <= USER_NAME_MAX:
        raise InvalidInput(f"name must be 1-{USER_NAME_MAX} characters", field="name")
    if "@" not in email:
        raise InvalidInput("email is not a valid address", field="email")
    return User(user_id=user_id, name=name, email=email.strip(), created_at=now)
