"""Blobs kept in a dict: the BlobStore fake for tests and STORAGE=memory."""

from __future__ import annotations

import threading

from shortstack.service_layer.ports import MissingBlob


class MemoryBlobStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self._blobs[key] = bytes(data)

    def get(self, key: str) -> bytes:
        with self._lock:
            if key not in self._blobs:
                raise MissingBlob(key)
            return self._blobs[key]

    def delete(self, key: str) -> None:
        with self._lock:
            self._blobs.pop(key, None)

    def delete_prefix(self, prefix: str) -> None:
        with self._lock:
            for key in [key for key in self._blobs if key.startswith(prefix)]:
                del self._blobs[key]

    def keys(self) -> list[str]:
        """Every stored key, sorted (for tests)."""
        with self._lock:
            return sorted(self._blobs)
