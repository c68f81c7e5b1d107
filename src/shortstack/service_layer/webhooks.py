"""Signed webhooks: subscriptions per owner, and the deliveries the event consumers send.

Deliveries follow the Standard Webhooks specification (signed with its reference
package): `webhook-id` is the same on every attempt of one event to one
subscription, so a receiver can drop repeats; `webhook-timestamp` is the attempt's
time; `webhook-signature` is `v1,` and the base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}". A delivery that fails raises, so the queue delivers the
event again with backoff and, in the end, dead-letters it (decision 0201).

Every attempt of one event shares one time budget, the receivers tried side by side:
a slow receiver holds the consumer at most that long and takes no time from the
others. A receiver that let the budget run out then rests for `rest_s`: the local
dispatcher's next events for it wait until then without spending an attempt, so one
dead receiver cannot hold the dispatcher five seconds an event. The
service is told which consumer runs it (`DeliveryRuntime`): the SQS Lambda never rests
one, since SQS counts every receive and a wait would spend an attempt without trying,
and it gives the invocation's remaining time, which deliveries never outlast.
Addresses are checked after resolution and the connection goes to the checked
address, so a name cannot resolve one way for the check and another way for the
request.
"""

from __future__ import annotations

import builtins
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook as Signer

from shortstack.domain.clock import Clock, to_iso, utc_now
from shortstack.domain.events import Event
from shortstack.domain.webhook_failures import (
    NOT_SENT,
    LookupTimedOut,
    NoTimeLeft,
    answered,
    failed,
)
from shortstack.domain.webhooks import (
    DELIVERIES_SHOWN,
    EVENT_TYPES,
    MAX_WEBHOOKS_PER_OWNER,
    PAYLOAD_KEPT_MAX,
    TEST_EVENT,
    TEST_SOURCE,
    Delivery,
    DeliveryNotFound,
    IPAddress,
    NotRedeliverable,
    RefusedAddress,
    TooManyWebhooks,
    Webhook,
    WebhookNotFound,
    new_webhook,
    refused,
    retargeted,
    rotated,
    switched,
    target_host,
    worn_out,
)
from shortstack.service_layer.events import Deferred, EventConsumer
from shortstack.service_layer.ports import LinkRepository, WebhookRepository, WebhookTransport

_log = logging.getLogger("shortstack.webhooks")
ERROR_MAX = 300
# What a Lambda keeps for itself after its deliveries: reporting the batch's failures.
INVOCATION_MARGIN_S = 2.0
# Facts of an event a receiver is not sent: the visitor's daily hash is ours to count with.
_WITHHELD = frozenset({"visitor"})


class WebhookDeliveryFailed(Exception):
    """Some deliveries of an event failed: the event is delivered again later."""


def _no_deadline() -> float:
    return math.inf


@dataclass(frozen=True)
class DeliveryRuntime:
    """What the consumer that runs the deliveries allows them, given when the service is built."""

    # Seconds the running invocation has left (a Lambda's); deliveries never outlast it.
    time_left: Callable[[], float] = _no_deadline
    # Whether a receiver that ran out of time rests. Only a consumer that hands an event
    # back without spending an attempt may (the local dispatcher); SQS counts every receive.
    rests_receivers: bool = True


LOCAL_DISPATCHER = DeliveryRuntime()


def sqs_lambda(time_left: Callable[[], float]) -> DeliveryRuntime:
    """The events Lambda's terms: its invocation's time, and no receiver rests."""
    return DeliveryRuntime(time_left=time_left, rests_receivers=False)


@dataclass
class WebhooksService:
    webhooks: WebhookRepository
    transport: WebhookTransport
    links: LinkRepository
    clock: Clock = utc_now
    allow_http: bool = False
    refuse_private: bool = True
    budget_s: float = 5.0
    rest_s: float = 0.0
    runtime: DeliveryRuntime = LOCAL_DISPATCHER
    # Receivers resting after a timeout: webhook id -> time.monotonic() they are tried again.
    _resting: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    # Each consumer thread's own senders, kept between events: with threads made for each
    # event, one sent to two receivers cost 1.47 ms, with these 0.17 ms (decision 0201).
    _senders: threading.local = field(default_factory=threading.local, init=False, repr=False)

    def create(self, owner: str, url: str, events: list[str]) -> Webhook:
        """A new subscription; its `secret` is shown to the caller this once."""
        webhook = new_webhook(owner, url, tuple(events), self.clock(), allow_http=self.allow_http)
        # Counted before the write, like API keys: the limit bounds cost, not security.
        if len(self.webhooks.list(owner)) >= MAX_WEBHOOKS_PER_OWNER:
            raise TooManyWebhooks()
        if self.refuse_private:
            self._check(webhook.url)
        self.webhooks.add(webhook)
        return webhook

    def list(self, owner: str) -> list[Webhook]:
        return self.webhooks.list(owner)

    def get(self, owner: str, webhook_id: str) -> Webhook:
        webhook = self.webhooks.get(owner, webhook_id)
        if webhook is None:
            raise WebhookNotFound(webhook_id)
        return webhook

    def revoke(self, owner: str, webhook_id: str) -> None:
        """Delete the subscription: no event is sent to it from now on."""
        if not self.webhooks.revoke(owner, webhook_id):
            raise WebhookNotFound(webhook_id)

    def change(
        self,
        owner: str,
        webhook_id: str,
        url: str | None = None,
        events: builtins.list[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        """Send the subscription's events to another URL, change which, or turn it on or off
        (None: unchanged).

        The secret stays, so a receiver that moves keeps verifying; a new URL is checked as
        at registration. Turning it on forgets its failures in a row.
        """
        wanted = None if events is None else tuple(events)
        webhook = retargeted(self.get(owner, webhook_id), url, wanted, allow_http=self.allow_http)
        if url is not None and self.refuse_private:
            self._check(webhook.url)
        if active is not None:
            webhook = switched(webhook, active, self.clock())
            if not self.webhooks.switch(webhook):
                raise WebhookNotFound(webhook_id)
        if not self.webhooks.retarget(webhook):
            raise WebhookNotFound(webhook_id)
        # A rest is the old address's; a receiver somewhere else is tried at once.
        self._resting.pop(webhook_id, None)
        return webhook

    def rotate_secret(self, owner: str, webhook_id: str) -> Webhook:
        """A new secret (shown this once); the one it replaces signs too for a day."""
        webhook = rotated(self.get(owner, webhook_id), self.clock())
        if not self.webhooks.replace_secrets(webhook):
            raise WebhookNotFound(webhook_id)
        return webhook

    def send_test(self, owner: str, webhook_id: str) -> Delivery:
        """Send a WebhookTest event to the subscription now; the attempt, never retried."""
        hook = self.get(owner, webhook_id)
        detail = {"webhook_id": hook.webhook_id, "owner": owner}
        event = Event(TEST_SOURCE, TEST_EVENT, detail, self.clock())
        deadline = time.monotonic() + self.budget_s
        return self._asked(hook, self._attempt(hook, _Message.of(event), deadline))

    def redeliver(self, owner: str, webhook_id: str, delivery_id: str) -> Delivery:
        """Send a recorded attempt's event again now, signed anew, to the subscription's
        current URL; the new attempt names the one it repeats and is never retried."""
        hook = self.get(owner, webhook_id)
        shown = self.webhooks.deliveries(webhook_id, DELIVERIES_SHOWN)
        first = next((d for d in shown if d.delivery_id == delivery_id), None)
        if first is None:
            raise DeliveryNotFound(delivery_id)
        if first.payload is None:
            raise NotRedeliverable(delivery_id)
        again = _Message(first.event_type, first.event_id, first.payload, first.delivery_id)
        return self._asked(hook, self._attempt(hook, again, time.monotonic() + self.budget_s))

    def _asked(self, hook: Webhook, delivery: Delivery) -> Delivery:
        """Note an attempt made on the owner's asking. One that went through shows the
        receiver works, so the failures in a row are forgotten; one that failed is not
        counted: the owner is trying it out, not the events."""
        self._note(delivery)
        if delivery.ok:
            self._tally(hook, delivery)
        return delivery

    def deliveries(self, owner: str, webhook_id: str) -> builtins.list[Delivery]:
        """The subscription's latest attempts, newest first (404 for another owner's)."""
        self.get(owner, webhook_id)
        return self.webhooks.deliveries(webhook_id, DELIVERIES_SHOWN)

    def register(self, consumer: EventConsumer) -> None:
        """Send every event type a subscription may name; each event's attempts share a budget.

        Idempotent enough by itself: a redelivered event is sent again with the same
        `webhook-id`, which receivers use to drop repeats (at least once, by design).
        """
        for event_type in EVENT_TYPES:
            consumer.register(event_type, self.deliver, self_idempotent=True, outbound=True)

    def deliver(self, event: Event) -> None:
        """Send `event` to each subscription of its owner that names its type."""
        owner = self._owner_of(event)
        if owner is None:
            return
        hooks = self.webhooks.list(owner)
        targets = [hook for hook in hooks if hook.wants(event.detail_type, event.time)]
        if not targets:
            return
        named = isinstance(event.detail.get("owner"), str)
        if not named and not self._clicked_link_is_theirs(event, owner):
            return
        message = _Message.of(event)
        budget = min(self.budget_s, self.runtime.time_left() - INVOCATION_MARGIN_S)
        now = time.monotonic()
        deadline = now + budget
        resting = {
            hook.webhook_id: until
            for hook in targets
            if (until := self._resting.get(hook.webhook_id, now)) > now
        }
        live = [hook for hook in targets if hook.webhook_id not in resting]
        sent = [self._note(d) for d in self._attempt_each(live, message, deadline)]
        for hook, delivery in zip(live, sent, strict=True):
            self._tally(hook, delivery)
        failures = [delivery.error for delivery in sent if not delivery.ok]
        if failures:
            raise WebhookDeliveryFailed(
                f"{len(failures)} of {len(targets)} webhook deliveries of {event.detail_type}"
                f" failed; the first: {failures[0]}"
            )
        if resting:
            raise Deferred(
                f"{len(resting)} webhook receivers rest after a timeout",
                min(resting.values()) - now,
            )

    def _owner_of(self, event: Event) -> str | None:
        owner = event.detail.get("owner")
        if isinstance(owner, str):
            return owner
        short_id = event.detail.get("short_id")
        if event.detail_type == "LinkClicked" and isinstance(short_id, str):
            return self.links.owner_of(short_id)
        return None

    def _clicked_link_is_theirs(self, event: Event, owner: str) -> bool:
        """Whether the link that has a click's id now is the one clicked, and `owner`'s.

        A click names no owner. A click retried after its link was deleted and the alias
        taken again belongs to nobody: never to the alias's new owner, whose receivers would
        learn the first owner's visitor. Only asked when the owner has click subscribers,
        so a click nobody listens to still costs the projected owner read alone.
        """
        link = self.links.get(str(event.detail["short_id"]), consistent=False)
        return link is not None and link.owner == owner and link.created_at <= event.time

    def _attempt_each(
        self, hooks: builtins.list[Webhook], message: _Message, deadline: float
    ) -> builtins.list[Delivery]:
        """One attempt per subscription, side by side: each may take the whole budget.

        One after the other, a receiver would get only what those before it left, and, the
        order being the same on every retry, the same one would never get the event. The
        threads only send: a SQLite store opens a connection per thread, so recording is
        left to the caller. They are the calling thread's own, so no other consumer's
        deliveries queue before these and spend their budget.
        """
        if len(hooks) < 2:
            return [self._attempt(hook, message, deadline) for hook in hooks]
        pool: ThreadPoolExecutor | None = getattr(self._senders, "pool", None)
        if pool is None:
            pool = ThreadPoolExecutor(MAX_WEBHOOKS_PER_OWNER, thread_name_prefix="webhook")
            self._senders.pool = pool
        return list(pool.map(lambda hook: self._attempt(hook, message, deadline), hooks))

    def _attempt(self, hook: Webhook, message: _Message, deadline: float) -> Delivery:
        now = self.clock()
        body = message.body
        # The same on every attempt of one event, a redelivery's included (receivers dedupe).
        message_id = f"msg_{message.event_id}_{hook.webhook_id}"
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        sending = False
        remaining = deadline - started
        try:
            if remaining <= 0:
                raise NoTimeLeft("no time was left for this delivery")
            address = self._address_of(hook.url, remaining)
            headers = {
                "content-type": "application/json",
                "user-agent": "shortstack-webhooks",
                "webhook-id": message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": " ".join(
                    Signer(secret).sign(message_id, now, body)
                    for secret in hook.signing_secrets(now)
                ),
            }
            # The lookup spent part of the time: the request has what it left.
            left = deadline - time.monotonic()
            if left <= 0:
                raise LookupTimedOut("the lookup left no time for the request")
            sending = True
            status = self.transport.post(hook.url, address, headers, body.encode(), left)
            error = answered(status)
        except (OSError, RefusedAddress) as exc:
            host, port = target_host(hook.url)
            error = failed(exc, host, port, remaining)[:ERROR_MAX]
            # A name that hangs holds the dispatcher as long as a receiver that does.
            timed_out = isinstance(exc, LookupTimedOut) or (
                sending and isinstance(exc, TimeoutError)
            )
            if timed_out and self.rest_s and self.runtime.rests_receivers:
                self._resting[hook.webhook_id] = time.monotonic() + self.rest_s
        if error is None:
            self._resting.pop(hook.webhook_id, None)
        delivery = Delivery(
            webhook_id=hook.webhook_id,
            delivery_id=uuid.uuid4().hex,
            message_id=message_id,
            event_type=message.event_type,
            event_id=message.event_id,
            attempted_at=now,
            ok=error is None,
            status_code=status,
            error=error,
            duration_ms=round((time.monotonic() - started) * 1000),
            payload=body if len(body) <= PAYLOAD_KEPT_MAX else None,
            redelivery_of=message.redelivery_of,
        )
        return delivery

    def _tally(self, hook: Webhook, delivery: Delivery) -> None:
        """Count an event's failed attempt towards turning the subscription off (and turn it
        off when it is worn out), or forget the count on a success.

        The count is the store's atomic increment, so consumers failing at once both count.
        A success writes only when the subscription, as read for this event, had failures:
        a receiver that works costs no write per event.
        """
        try:
            if delivery.ok:
                if hook.failures:
                    self.webhooks.clear_failures(hook.owner, hook.webhook_id)
                return
            if delivery.error == NOT_SENT:
                return
            at = delivery.attempted_at
            counted = self.webhooks.count_failure(hook.owner, hook.webhook_id, at)
            if counted is None:
                return
            off = worn_out(hook, *counted, at, delivery.error or "")
            if off is not None and self.webhooks.switch(off):
                self._resting.pop(hook.webhook_id, None)
                _log.warning(
                    "webhook turned off",
                    extra={"webhook": hook.webhook_id, "reason": off.disabled_reason},
                )
        except Exception:
            # Bookkeeping, like _note: it must not send the event again.
            _log.exception(
                "could not count a webhook delivery's outcome", extra={"webhook": hook.webhook_id}
            )

    def _note(self, delivery: Delivery) -> Delivery:
        """Record and log an attempt, on the caller's thread (its store connection, its log
        context), never on the threads that sent it."""
        try:
            self.webhooks.record_delivery(delivery)
        except Exception:
            # Bookkeeping: failing to note an attempt must not send the event again.
            _log.exception(
                "could not record a webhook delivery", extra={"webhook": delivery.webhook_id}
            )
        if delivery.error is not None:
            _log.warning(
                "webhook delivery failed",
                extra={
                    "webhook": delivery.webhook_id,
                    "event_id": delivery.event_id,
                    "error": delivery.error,
                },
            )
        return delivery

    def _check(self, url: str) -> None:
        """Refuse to send to `url` when its host is a private address, or a name that does
        not resolve (within a delivery's time) to public ones."""
        try:
            self._address_of(url, self.budget_s)
        except TimeoutError as exc:
            host, _ = target_host(url)
            raise RefusedAddress(
                f"url's host {host!r} did not resolve within {round(self.budget_s, 1):g} s;"
                " try again when its name servers answer"
            ) from exc

    def _address_of(self, url: str, timeout_s: float) -> IPAddress:
        """The address a delivery to `url` connects to, checked when private ones are refused;
        a TimeoutError when the name is not resolved within `timeout_s`."""
        host, port = target_host(url)
        try:
            addresses = self.transport.resolve(host, port, timeout_s)
        except TimeoutError:
            raise
        except OSError as exc:
            if not self.refuse_private:
                raise
            raise RefusedAddress(f"url's host {host!r} does not resolve") from exc
        if self.refuse_private:
            bad = [address for address in addresses if refused(address)]
            if bad:
                raise RefusedAddress(
                    f"url's host resolves to {bad[0]}, a private, loopback or link-local address",
                    bad[0],
                )
        return addresses[0]


@dataclass(frozen=True, slots=True)
class _Message:
    """What one delivery sends: an event's body, or a recorded attempt's sent again."""

    event_type: str
    event_id: str
    body: str
    redelivery_of: str | None = None

    @classmethod
    def of(cls, event: Event) -> _Message:
        return cls(event.detail_type, event.id, _payload(event))


def _payload(event: Event) -> str:
    """The body of a delivery: the Standard Webhooks envelope (type, timestamp, data)."""
    data: dict[str, Any] = {k: v for k, v in event.detail.items() if k not in _WITHHELD}
    data["event_id"] = event.id
    envelope = {"type": event.detail_type, "timestamp": to_iso(event.time), "data": data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
