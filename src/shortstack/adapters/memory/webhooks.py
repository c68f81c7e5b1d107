"""Webhook subscriptions and their delivery attempts in memory (service tests)."""

from __future__ import annotations

import builtins
import threading
from collections import defaultdict, deque
from dataclasses import replace
from datetime import datetime

from shortstack.domain.errors import Conflict
from shortstack.domain.webhooks import DELIVERIES_SHOWN, Delivery, Webhook


class MemoryWebhookRepository:
    def __init__(self) -> None:
        self._by_id: dict[str, Webhook] = {}
        self._deliveries: defaultdict[str, deque[Delivery]] = defaultdict(
            lambda: deque(maxlen=DELIVERIES_SHOWN)
        )
        self._lock = threading.Lock()

    def add(self, webhook: Webhook) -> None:
        with self._lock:
            if webhook.webhook_id in self._by_id:
                raise Conflict("a webhook with this id already exists")
            self._by_id[webhook.webhook_id] = webhook

    def get(self, owner: str, webhook_id: str) -> Webhook | None:
        with self._lock:
            webhook = self._by_id.get(webhook_id)
        return webhook if webhook is not None and webhook.owner == owner else None

    def list(self, owner: str) -> list[Webhook]:
        with self._lock:
            found = [hook for hook in self._by_id.values() if hook.owner == owner]
        return sorted(found, key=lambda hook: (hook.created_at, hook.webhook_id))

    def revoke(self, owner: str, webhook_id: str) -> bool:
        with self._lock:
            webhook = self._by_id.get(webhook_id)
            if webhook is None or webhook.owner != owner:
                return False
            del self._by_id[webhook_id]
            self._deliveries.pop(webhook_id, None)
            return True

    def retarget(self, webhook: Webhook) -> bool:
        return self._copy(webhook, "url", "events")

    def replace_secrets(self, webhook: Webhook) -> bool:
        return self._copy(webhook, "secret", "previous_secret", "previous_until")

    def switch(self, webhook: Webhook) -> bool:
        return self._copy(
            webhook, "active", "disabled_reason", "disabled_at", "failures", "failing_since"
        )

    def count_failure(
        self, owner: str, webhook_id: str, at: datetime
    ) -> tuple[int, datetime] | None:
        with self._lock:
            stored = self._by_id.get(webhook_id)
            if stored is None or stored.owner != owner:
                return None
            since = stored.failing_since or at
            self._by_id[webhook_id] = replace(
                stored, failures=stored.failures + 1, failing_since=since
            )
            return stored.failures + 1, since

    def clear_failures(self, owner: str, webhook_id: str) -> None:
        with self._lock:
            stored = self._by_id.get(webhook_id)
            if stored is not None and stored.owner == owner:
                self._by_id[webhook_id] = replace(stored, failures=0, failing_since=None)

    def _copy(self, webhook: Webhook, *fields: str) -> bool:
        """Copy `fields` of `webhook` onto the stored one of its owner; False if none."""
        with self._lock:
            stored = self._by_id.get(webhook.webhook_id)
            if stored is None or stored.owner != webhook.owner:
                return False
            changes = {name: getattr(webhook, name) for name in fields}
            self._by_id[webhook.webhook_id] = replace(stored, **changes)
            return True

    def record_delivery(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries[delivery.webhook_id].append(delivery)

    def deliveries(self, webhook_id: str, limit: int) -> builtins.list[Delivery]:
        with self._lock:
            kept = list(self._deliveries.get(webhook_id, ()))
        kept.sort(key=lambda d: (d.attempted_at, d.delivery_id), reverse=True)
        return kept[:limit]
