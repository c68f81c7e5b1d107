"""Webhook subscriptions in the single table: one partition per owner, no scans.

An owner's subscriptions share the partition `OWNER#<owner>#WEBHOOKS`, so the
events consumer finds the ones an event concerns with one eventually consistent
Query of at most MAX_WEBHOOKS_PER_OWNER small items, and filters them by event
type in code. Delivery attempts live in their subscription's own partition,
sorted by time, and expire with the TTL.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.adapters.dynamodb.owned import delete_owned, put_new, update_owned
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict
from shortstack.domain.webhooks import Delivery, Webhook

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ENTITY = "webhook"
DELIVERY_ENTITY = "webhook_delivery"
# Attempts are shown for troubleshooting; a week covers the queue's retries and the DLQ's
# two weeks is where an event's own record is kept.
DELIVERY_RETENTION = timedelta(days=7)


def _to_webhook(item: dict[str, Any]) -> Webhook:
    return Webhook(
        webhook_id=item["webhook_id"],
        owner=item["owner"],
        url=item["url"],
        events=tuple(item["events"]),
        secret=item["secret"],
        created_at=from_iso(item["created_at"]),
        previous_secret=item.get("previous_secret"),
        previous_until=_time(item.get("previous_until")),
        active=bool(item.get("active", True)),
        disabled_reason=item.get("disabled_reason"),
        disabled_at=_time(item.get("disabled_at")),
        failures=int(item.get("failures", 0)),
        failing_since=_time(item.get("failing_since")),
    )


def _time(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _to_delivery(item: dict[str, Any]) -> Delivery:
    status = item.get("status_code")
    return Delivery(
        webhook_id=item["webhook_id"],
        delivery_id=item["delivery_id"],
        message_id=item["message_id"],
        event_type=item["event_type"],
        event_id=item["event_id"],
        attempted_at=from_iso(item["attempted_at"]),
        ok=bool(item["ok"]),
        status_code=int(status) if status is not None else None,
        error=item.get("error"),
        duration_ms=int(item["duration_ms"]),
        payload=item.get("payload"),
        redelivery_of=item.get("redelivery_of"),
    )


class DynamoDBWebhookRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, webhook: Webhook) -> None:
        record = {
            **keys.webhook_key(webhook.owner, webhook.webhook_id),
            "entity": ENTITY,
            "webhook_id": webhook.webhook_id,
            "owner": webhook.owner,
            "url": webhook.url,
            "events": list(webhook.events),
            "secret": webhook.secret,
            "created_at": to_iso(webhook.created_at),
        }
        if not put_new(self._client, self._table, record):
            raise Conflict("a webhook with this id already exists")

    def get(self, owner: str, webhook_id: str) -> Webhook | None:
        key = keys.webhook_key(owner, webhook_id)
        if not keys.storable(key):
            return None
        item = self._client.get_item(
            TableName=self._table, Key=to_attributes(key), ConsistentRead=True
        ).get("Item")
        return _to_webhook(from_attributes(item)) if item else None

    def list(self, owner: str) -> list[Webhook]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :owner AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_attributes(
                {":owner": keys.webhooks_of_owner(owner), ":prefix": keys.WEBHOOK_PREFIX}
            ),
        }
        found: list[Webhook] = []
        while True:
            page = self._client.query(**request)
            found.extend(_to_webhook(from_attributes(item)) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(found, key=lambda hook: (hook.created_at, hook.webhook_id))

    def revoke(self, owner: str, webhook_id: str) -> bool:
        return delete_owned(self._client, self._table, keys.webhook_key(owner, webhook_id), owner)

    def retarget(self, webhook: Webhook) -> bool:
        sets = {"url": webhook.url, "events": list(webhook.events)}
        key = keys.webhook_key(webhook.owner, webhook.webhook_id)
        return update_owned(self._client, self._table, key, webhook.owner, sets) is not None

    def replace_secrets(self, webhook: Webhook) -> bool:
        until = webhook.previous_until
        sets = {
            "secret": webhook.secret,
            "previous_secret": webhook.previous_secret,
            "previous_until": to_iso(until) if until else None,
        }
        key = keys.webhook_key(webhook.owner, webhook.webhook_id)
        return update_owned(self._client, self._table, key, webhook.owner, sets) is not None

    def switch(self, webhook: Webhook) -> bool:
        disabled_at, since = webhook.disabled_at, webhook.failing_since
        values = {
            "active": webhook.active,
            "disabled_reason": webhook.disabled_reason,
            "disabled_at": to_iso(disabled_at) if disabled_at else None,
            "failures": webhook.failures,
            "failing_since": to_iso(since) if since else None,
        }
        # Removed, not set to NULL: count_failure's if_not_exists takes a NULL for a time.
        sets = {name: value for name, value in values.items() if value is not None}
        removes = [name for name, value in values.items() if value is None]
        key = keys.webhook_key(webhook.owner, webhook.webhook_id)
        changed = update_owned(self._client, self._table, key, webhook.owner, sets, removes)
        return changed is not None

    def count_failure(
        self, owner: str, webhook_id: str, at: datetime
    ) -> tuple[int, datetime] | None:
        # ADD is atomic: two consumers failing at once both count. The first failure's time
        # is set only where none is (a NULL left by switch() counts as none).
        new = self._update(
            owner,
            webhook_id,
            "ADD failures :one SET failing_since = if_not_exists(failing_since, :at)",
            {":one": 1, ":at": to_iso(at)},
            condition="",
        )
        if new is None:
            return None
        since = new.get("failing_since")
        return int(new["failures"]), from_iso(since) if isinstance(since, str) else at

    def clear_failures(self, owner: str, webhook_id: str) -> None:
        self._update(
            owner,
            webhook_id,
            "SET failures = :zero REMOVE failing_since",
            {":zero": 0},
            condition=" AND failures > :zero",
        )

    def _update(
        self,
        owner: str,
        webhook_id: str,
        expression: str,
        values: dict[str, Any],
        condition: str,
    ) -> dict[str, Any] | None:
        """One UpdateItem on the owner's subscription; its new attributes, None if it is gone
        (or `condition` did not hold)."""
        key = keys.webhook_key(owner, webhook_id)
        if not keys.storable(key):
            return None
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_attributes(key),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(PK) AND #owner = :owner" + condition,
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues=to_attributes({**values, ":owner": owner}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                return None
            raise
        return from_attributes(response["Attributes"])

    def record_delivery(self, delivery: Delivery) -> None:
        attempted = to_iso(delivery.attempted_at)
        record = {
            **keys.webhook_delivery_key(delivery.webhook_id, attempted, delivery.delivery_id),
            "entity": DELIVERY_ENTITY,
            "webhook_id": delivery.webhook_id,
            "delivery_id": delivery.delivery_id,
            "message_id": delivery.message_id,
            "event_type": delivery.event_type,
            "event_id": delivery.event_id,
            "attempted_at": attempted,
            "ok": delivery.ok,
            "status_code": delivery.status_code,
            "error": delivery.error,
            "duration_ms": delivery.duration_ms,
            "payload": delivery.payload,
            "redelivery_of": delivery.redelivery_of,
            keys.TTL_ATTRIBUTE: int((delivery.attempted_at + DELIVERY_RETENTION).timestamp()),
        }
        self._client.put_item(TableName=self._table, Item=to_attributes(record))

    def deliveries(self, webhook_id: str, limit: int) -> builtins.list[Delivery]:
        if not keys.storable({"PK": keys.webhook_deliveries(webhook_id), "SK": ""}):
            return []
        page = self._client.query(
            TableName=self._table,
            KeyConditionExpression="PK = :hook AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=to_attributes(
                {":hook": keys.webhook_deliveries(webhook_id), ":prefix": keys.DELIVERY_PREFIX}
            ),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_to_delivery(from_attributes(item)) for item in page.get("Items", [])]
