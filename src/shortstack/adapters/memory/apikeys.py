"""API keys in memory (service tests)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from shortstack.domain.apikeys import ApiKey
from shortstack.domain.errors import Conflict


class MemoryApiKeyRepository:
    def __init__(self) -> None:
        self._by_hash: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def add(self, key: ApiKey) -> None:
        with self._lock:
            if key.key_hash in self._by_hash:
                raise Conflict("an API key with this hash already exists")
            self._by_hash[key.key_hash] = key

    def by_hash(self, key_hash: str) -> ApiKey | None:
        with self._lock:
            return self._by_hash.get(key_hash)

    def list(self, owner: str) -> list[ApiKey]:
        with self._lock:
            keys = [key for key in self._by_hash.values() if key.owner == owner]
        return sorted(keys, key=lambda key: (key.created_at, key.key_id))

    def revoke(self, owner: str, key_id: str) -> bool:
        with self._lock:
            for key_hash, key in list(self._by_hash.items()):
                if key.owner == owner and key.key_id == key_id:
                    del self._by_hash[key_hash]
                    return True
        return False

    def record_use(self, key_hash: str, now: datetime) -> None:
        with self._lock:
            key = self._by_hash.get(key_hash)
            if key is not None:
                self._by_hash[key_hash] = replace(key, last_used_at=now)
