"""Link passwords: kept only as a slow, salted scrypt hash, checked in constant time.

scrypt comes with Python's hashlib (OpenSSL), so it adds no dependency and
nothing to the redirect Lambda's package; docs/decisions/0106 weighs it against
argon2. The stored form names its parameters, `scrypt$<log2 n>$<r>$<p>$<salt>$<hash>`,
so that a later, costlier setting still verifies the hashes made before it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from shortstack.domain.errors import InvalidInput

PASSWORD_MIN = 4
PASSWORD_MAX = 128
SALT_BYTES = 16
KEY_BYTES = 32
SCHEME = "scrypt"


@dataclass(frozen=True, slots=True)
class ScryptCost:
    """scrypt's cost: memory is 128 * r * 2**log2_n bytes (16 MiB by default), time scales too."""

    log2_n: int = 14
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        return int(129 * self.r * (1 << self.log2_n) * self.p + (1 << 20))


DEFAULT_COST = ScryptCost()

# Wrong passwords allowed per link and client in one window; then 429 until it ends.
WRONG_ATTEMPTS_MAX = 5
ATTEMPT_WINDOW = timedelta(minutes=15)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Claim(Enum):
    """What claiming a password attempt found (service_layer.ports.PasswordAttempts)."""

    CLAIMED = "claimed"  # held: check the password, then give it back unless it was wrong
    BUSY = "busy"  # every attempt left is held by a check in flight: ask again shortly
    SPENT = "spent"  # the window's wrong passwords are used up: 429 until it ends


def attempt_window(now: datetime) -> tuple[datetime, datetime]:
    """The fixed window `now` falls in: its start and its end."""
    start = _EPOCH + ATTEMPT_WINDOW * ((now - _EPOCH) // ATTEMPT_WINDOW)
    return start, start + ATTEMPT_WINDOW


def client_key(address: str | None) -> str:
    """Who is guessing, as a key: a hash of the client's address (the address is not kept)."""
    return hashlib.sha256((address or "unknown").encode()).hexdigest()[:20]


def check_password(password: str) -> str:
    """The password as it is hashed (NFKC); InvalidInput naming `password` when unusable."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            f"password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters", field="password"
        )
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise InvalidInput("password must not contain control characters", field="password")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput("password must be valid Unicode", field="password") from exc
    # The same characters typed on another keyboard (full-width, composed) hash the same.
    return unicodedata.normalize("NFKC", password)


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=2**cost.log2_n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.maxmem,
        dklen=KEY_BYTES,
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, cost: ScryptCost = DEFAULT_COST) -> str:
    """A fresh salted hash of a checked password, in the stored form."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(check_password(password), salt, cost)
    return f"{SCHEME}${cost.log2_n}${cost.r}${cost.p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from; False for anything malformed."""
    try:
        scheme, log2_n, r, p, salt, key = stored.split("$")
        cost = ScryptCost(int(log2_n), int(r), int(p))
        expected = _unb64(key)
        if scheme != SCHEME or not (1 <= cost.log2_n <= 20 and 1 <= cost.r <= 32):
            return False
        if not 1 <= cost.p <= 16 or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            return False
        candidate = _derive(unicodedata.normalize("NFKC", password), _unb64(salt), cost)
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(candidate, expected)
