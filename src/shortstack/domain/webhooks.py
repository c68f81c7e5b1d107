"""Webhook subscriptions: where an owner's events are sent, and the rules for that address.

A subscription names an https URL (http only where the server allows it, i.e.
locally) and the event types to send there. Its signing secret is `whsec_` and
the base64 of 32 random bytes, the Standard Webhooks form; it is shown once and
stored, since every delivery is signed with it. Which addresses a delivery may
reach is decided here on IP addresses; resolving names is the adapters' job.
Standard library only.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from shortstack.domain.errors import Conflict, Gone, InvalidInput, NotFound, UnsafeUrl
from shortstack.domain.hosts import canonical_host

EVENT_TYPES = ("LinkClicked", "LinkCreated", "LinkUpdated", "LinkDeleted", "ImportFinished")
# What POST /webhooks/{id}/test sends: to every subscription whatever its types, only on asking.
TEST_EVENT = "WebhookTest"
TEST_SOURCE = "shortstack.webhooks"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
URL_MAX_LENGTH = 2048
# Bounds what finding an owner's subscriptions costs on every event (one small read).
MAX_WEBHOOKS_PER_OWNER = 10
# What GET .../deliveries shows; older attempts are forgotten.
DELIVERIES_SHOWN = 50
# The largest body kept with an attempt for a redelivery (a link's event is far smaller).
PAYLOAD_KEPT_MAX = 16_384
# A subscription whose deliveries keep failing is turned off: this many failed attempts in a
# row, the first of them at least DISABLE_AFTER_SPAN before the latest (so a short outage that
# fails many events at once does not turn it off, nor a long one that fails few).
DISABLE_AFTER_FAILURES = 20
DISABLE_AFTER_SPAN = timedelta(hours=24)
# How long a rotated-out secret still signs, beside the new one: a day to deploy the new one.
PREVIOUS_SECRET_KEPT = timedelta(hours=24)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Webhook:
    webhook_id: str
    owner: str
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: datetime
    # The secret a rotation replaced, still signing beside `secret` until `previous_until`.
    previous_secret: str | None = None
    previous_until: datetime | None = None
    # Off: no event is sent here (turned off by its owner, or after failing for long).
    active: bool = True
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    # Failed attempts of events in a row, and when the first of them was.
    failures: int = 0
    failing_since: datetime | None = None

    def wants(self, event_type: str, happened_at: datetime) -> bool:
        """Whether an event of `event_type` made at `happened_at` is sent here: it is on, one
        of its types, and not older than the subscription (a replayed or late event is no
        news to a subscription made after it)."""
        return self.active and event_type in self.events and happened_at >= self.created_at

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets a delivery at `now` is signed with: the current one first."""
        previous, until = self.previous_secret, self.previous_until
        if previous is None or until is None or until <= now:
            return (self.secret,)
        return (self.secret, previous)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt to deliver one event to one webhook."""

    webhook_id: str
    delivery_id: str
    message_id: str  # the webhook-id header: the same on every attempt of one event
    event_type: str
    event_id: str
    attempted_at: datetime
    ok: bool
    status_code: int | None  # the receiver's answer; None when none came
    error: str | None
    duration_ms: int
    # The body sent, kept to send it again (redeliver); None when over PAYLOAD_KEPT_MAX or
    # recorded by a version that did not keep it.
    payload: str | None = None
    # The attempt this one sent again on its owner's asking; None for the queue's own.
    redelivery_of: str | None = None

    @property
    def redeliverable(self) -> bool:
        return self.payload is not None


class WebhookNotFound(NotFound):
    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"webhook {webhook_id!r} not found")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(
            f"delivery {delivery_id!r} not found among the webhook's latest {DELIVERIES_SHOWN}"
        )


class NotRedeliverable(Gone):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(
            f"delivery {delivery_id!r} cannot be sent again: its event was not kept with it"
        )


class TooManyWebhooks(Conflict):
    def __init__(self) -> None:
        super().__init__(
            f"you already have {MAX_WEBHOOKS_PER_OWNER} webhooks; delete one before adding another"
        )


class RefusedAddress(UnsafeUrl):
    """The URL's host is, or resolves to, an address deliveries may not reach (`address`;
    None: the host resolves to none)."""

    def __init__(self, message: str, address: IPAddress | None = None) -> None:
        super().__init__(message)
        self.address = address


def new_webhook(
    owner: str, url: str, events: tuple[str, ...], now: datetime, *, allow_http: bool
) -> Webhook:
    """A new subscription and its secret (in `secret`, to show once)."""
    return Webhook(
        webhook_id=uuid.uuid4().hex,
        owner=owner,
        url=check_target(url, allow_http=allow_http),
        events=_checked_events(events),
        secret=_new_secret(),
        created_at=now,
    )


def retargeted(
    webhook: Webhook, url: str | None, events: tuple[str, ...] | None, *, allow_http: bool
) -> Webhook:
    """`webhook` sent to `url` and for `events` (None: unchanged); its secret stays."""
    return replace(
        webhook,
        url=webhook.url if url is None else check_target(url, allow_http=allow_http),
        events=webhook.events if events is None else _checked_events(events),
    )


def switched(webhook: Webhook, active: bool, now: datetime) -> Webhook:
    """`webhook` turned on (its failures forgotten) or off by its owner (one already off
    stays as it is, its reason and time kept)."""
    if active:
        return replace(
            webhook,
            active=True,
            disabled_reason=None,
            disabled_at=None,
            failures=0,
            failing_since=None,
        )
    if not webhook.active:  # off already: keep why and since when
        return webhook
    reason = "turned off by its owner"
    return replace(webhook, active=False, disabled_reason=reason, disabled_at=now)


def worn_out(
    webhook: Webhook, failures: int, failing_since: datetime, now: datetime, last_error: str
) -> Webhook | None:
    """`webhook` turned off if `failures` in a row since `failing_since` are too many for too
    long (DISABLE_AFTER_FAILURES over DISABLE_AFTER_SPAN); None while it may go on."""
    span = now - failing_since
    if failures < DISABLE_AFTER_FAILURES or span < DISABLE_AFTER_SPAN:
        return None
    hours = int(span.total_seconds() // 3600)
    reason = (
        f"turned off after {failures} failed deliveries in a row over {hours} h; "
        f"the last: {last_error}"
    )
    return replace(
        webhook,
        active=False,
        disabled_reason=reason,
        disabled_at=now,
        failures=failures,
        failing_since=failing_since,
    )


def _checked_events(events: tuple[str, ...]) -> tuple[str, ...]:
    if not events:
        raise InvalidInput("name at least one event type", field="events")
    unknown = [name for name in events if name not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"unknown event type {unknown[0]!r}", field="events")
    return tuple(dict.fromkeys(events))


def rotated(webhook: Webhook, now: datetime) -> Webhook:
    """`webhook` with a new secret; the current one keeps signing for PREVIOUS_SECRET_KEPT.

    Rotating again within that time drops the oldest: at most two secrets ever sign.
    """
    return replace(
        webhook,
        secret=_new_secret(),
        previous_secret=webhook.secret,
        previous_until=now + PREVIOUS_SECRET_KEPT,
    )


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_target(url: str, *, allow_http: bool) -> str:
    """`url` if a delivery may be sent there by its form alone; UnsafeUrl with the reason."""
    if len(url) > URL_MAX_LENGTH:
        raise UnsafeUrl(f"url must be at most {URL_MAX_LENGTH} characters")
    if not url.isascii() or any(ch <= " " or ch == "\x7f" for ch in url):
        raise UnsafeUrl("url must be ASCII without spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("url is not a valid URL") from exc
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl("url must be " + " or ".join(schemes))
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("url must not carry credentials")
    if not parts.hostname or canonical_host(parts.hostname) is None:
        raise UnsafeUrl("url must name a host")
    if port == 0:
        raise UnsafeUrl("url must not use port 0")
    return url


def target_host(url: str) -> tuple[str, int]:
    """The host and port a checked URL connects to."""
    parts = urlsplit(url)
    host = canonical_host(parts.hostname or "") or ""
    return host, parts.port or (443 if parts.scheme == "https" else 80)


def refused(address: IPAddress) -> bool:
    """Whether deliveries must not reach `address`: private, loopback, link-local and the like.

    Only globally routable addresses pass; an IPv6 address that embeds an IPv4 one
    (mapped, SIIT's translated form, NAT64's well-known prefix, 6to4) is judged by the
    address it embeds. The IPv4-compatible form (::a.b.c.d), NAT64's local-use prefix and
    site-local addresses never pass: the first is deprecated yet still routed to IPv4 by
    some hosts, the others are private networks that Python 3.11 calls global.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return refused(address.ipv4_mapped)
        if address.sixtofour is not None:
            return refused(address.sixtofour)
        if any(address in network for network in _LAST_32_BITS_IPV4):
            return refused(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(address in network for network in _NEVER):
            return True
    return not address.is_global or address.is_multicast


_LAST_32_BITS_IPV4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64's well-known prefix
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # SIIT's IPv4-translated addresses
)
_NEVER = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (and :: and ::1)
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # NAT64 for a local network (RFC 8215)
    ipaddress.IPv6Network("fec0::/10"),  # site-local
)
