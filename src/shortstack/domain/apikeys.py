"""API keys for machine clients: `sk_` + 256 random bits, stored only as a SHA-256 hash.

A key is shown once, when it is created. What is stored is its SHA-256 hash,
the owner, a name and the first characters (so a person can tell keys apart).
A fast hash is enough here, unlike for passwords: the key has 256 bits of
entropy, so nobody can guess it from its hash by trying candidates.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from shortstack.domain.errors import Conflict, InvalidInput, NotFound

PREFIX = "sk_"
SHOWN_CHARS = 10
NAME_MAX = 100
# Enough for every deploy bot and CI job of a team; it also bounds what listing and
# revoking (which reads the owner's keys) ever cost.
MAX_KEYS_PER_OWNER = 25
# "Last used" is a hint for finding stale keys, not an audit log: recording it at most once
# an hour keeps it from costing a write on every request a machine makes.
LAST_USED_PRECISION = timedelta(hours=1)
_SECRET = re.compile(r"^sk_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    owner: str
    name: str
    hint: str  # the first characters of the key, e.g. "sk_Ab3xY9q"
    key_hash: str
    created_at: datetime
    last_used_at: datetime | None = None

    def use_is_worth_recording(self, now: datetime) -> bool:
        """Whether a use at `now` should update `last_used_at` (at most once an hour)."""
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key {key_id!r} not found")


class TooManyApiKeys(Conflict):
    def __init__(self) -> None:
        super().__init__(
            f"you already have {MAX_KEYS_PER_OWNER} API keys; revoke one before creating another"
        )


def hash_secret(secret: str) -> str:
    """The SHA-256 of a key, as stored and looked up (hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    """Whether a bearer token is an API key (and not a JWT)."""
    return token.startswith(PREFIX)


def new_api_key(owner: str, name: str, now: datetime) -> tuple[ApiKey, str]:
    """A new key and its secret (to show once)."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX or any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(f"name must be 1-{NAME_MAX} characters on one line", field="name")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        key_id=uuid.uuid4().hex,
        owner=owner,
        name=name,
        hint=secret[:SHOWN_CHARS],
        key_hash=hash_secret(secret),
        created_at=now,
    )
    return key, secret


def well_formed(secret: str) -> bool:
    """Whether `secret` has the exact shape of a key this service hands out."""
    return _SECRET.match(secret) is not None
