"""API keys: create (shown once), list, revoke, and authenticate a presented key."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from shortstack.domain.apikeys import (
    ApiKey,
    ApiKeyNotFound,
    hash_secret,
    new_api_key,
    well_formed,
)
from shortstack.domain.clock import Clock, utc_now
from shortstack.service_layer.ports import ApiKeyRepository


@dataclass
class ApiKeysService:
    keys: ApiKeyRepository
    clock: Clock = utc_now

    def create(self, owner: str, name: str) -> tuple[ApiKey, str]:
        """A new key for `owner` and its secret, which is never stored nor shown again."""
        key, secret = new_api_key(owner, name, self.clock())
        self.keys.add(key)
        return key, secret

    def list(self, owner: str) -> list[ApiKey]:
        return self.keys.list(owner)

    def revoke(self, owner: str, key_id: str) -> None:
        if not self.keys.revoke(owner, key_id):
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
        return key.owner
