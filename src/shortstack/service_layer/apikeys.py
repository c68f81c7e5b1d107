"""API keys: create (shown once), list, revoke, and authenticate a presented key."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from shortstack.domain.apikeys import (
    MAX_KEYS_PER_OWNER,
    ApiKey,
    ApiKeyNotFound,
    TooManyApiKeys,
    hash_secret,
    new_api_key,
    well_formed,
)
from shortstack.domain.auth import Principal
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import ApiKeysTurnedOff, InsufficientRights
from shortstack.service_layer.ports import ApiKeyRepository

_log = logging.getLogger("shortstack.auth")


def _refuse_key_callers(caller: Principal) -> None:
    if not caller.may_manage_api_keys:
        raise InsufficientRights(
            "API keys cannot create or revoke API keys: sign in to manage them"
        )


@dataclass
class ApiKeysService:
    keys: ApiKeyRepository
    clock: Clock = utc_now
    # API_KEYS_ENABLED: where keys do not authenticate, none is made either.
    enabled: bool = True

    def create(self, caller: Principal, name: str) -> tuple[ApiKey, str]:
        """A new key for the caller and its secret, which is never stored nor shown again."""
        if not self.enabled:
            raise ApiKeysTurnedOff()
        _refuse_key_callers(caller)
        owner = caller.sub
        # Counted before the write, so two racing creates may end one over the limit: the
        # limit bounds cost, it is not a security boundary.
        if len(self.keys.list(owner)) >= MAX_KEYS_PER_OWNER:
            raise TooManyApiKeys()
        key, secret = new_api_key(owner, name, self.clock())
        self.keys.add(key)
        return key, secret

    def list(self, owner: str) -> list[ApiKey]:
        """The owner's keys, oldest first (never their secrets, which are not stored)."""
        return self.keys.list(owner)

    def revoke(self, caller: Principal, key_id: str) -> None:
        """Delete the caller's key at once; ApiKeyNotFound for another owner's or no key."""
        _refuse_key_callers(caller)
        if not self.keys.revoke(caller.sub, key_id):
            raise ApiKeyNotFound(key_id)

    def owner_of(self, secret: str) -> str | None:
        """Who a presented key belongs to; None for an unknown, revoked or malformed key."""
        if not well_formed(secret):
            return None
        key_hash = hash_secret(secret)
        key = self.keys.by_hash(key_hash)
        # The lookup is by hash; comparing again in constant time costs nothing.
        if key is None or not hmac.compare_digest(key.key_hash, key_hash):
            return None
        now = self.clock()
        if key.use_is_worth_recording(now):
            try:
                self.keys.record_use(key_hash, now)
            except Exception:
                # Bookkeeping: a throttled write must not refuse a valid key.
                _log.exception("could not record an API key's use", extra={"key": key.key_id})
        return key.owner
