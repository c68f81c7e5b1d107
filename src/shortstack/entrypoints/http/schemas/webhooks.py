"""Webhooks as the HTTP API shows them: the signing secret only in the answer to a create."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from shortstack.domain.webhooks import (
    DISABLE_AFTER_FAILURES,
    DISABLE_AFTER_SPAN,
    URL_MAX_LENGTH,
    Delivery,
    Webhook,
)
from shortstack.entrypoints.http.schemas.common import (
    SPACE_CLASS,
    IsoTime,
    SingleLine,
    StrictModel,
    no_null_defaults,
)

EventType = Literal["LinkClicked", "LinkCreated", "LinkUpdated", "LinkDeleted", "ImportFinished"]
# What a pattern can state of a delivery's address (domain.webhooks.check_target): an http(s)
# scheme, then printable ASCII without spaces. Documentation only: the domain checks it too.
# The whitespace around it is spelled out (SPACE_CLASS, what SingleLine strips): Python's \s
# also takes \x1c-\x1f and \x85, which the server refuses.
_AROUND = f"[{SPACE_CLASS}]*"
WEBHOOK_URL_PATTERN = f"^{_AROUND}[Hh][Tt][Tt][Pp][Ss]?://[\\x21-\\x7e]+{_AROUND}$"
# The document's pattern where plain http is refused (every mode but the laptop's).
HTTPS_WEBHOOK_URL_PATTERN = f"^{_AROUND}[Hh][Tt][Tt][Pp][Ss]://[\\x21-\\x7e]+{_AROUND}$"
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=5)]
WebhookUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=URL_MAX_LENGTH),
    SingleLine,
    Field(json_schema_extra={"pattern": WEBHOOK_URL_PATTERN}),
]


class WebhookCreate(StrictModel):
    url: WebhookUrl = Field(
        description="https (http only in AUTH_MODE=none); private addresses are refused "
        "outside AUTH_MODE=none"
    )
    events: EventTypes


class WebhookUpdate(StrictModel):
    """The fields sent change; the secret stays."""

    model_config = ConfigDict(json_schema_extra=no_null_defaults)

    # The pattern stated again on the field: in the union, the single-line one would win.
    url: WebhookUrl | SkipJsonSchema[None] = Field(
        default=None,
        description="checked as at registration",
        json_schema_extra={"pattern": WEBHOOK_URL_PATTERN},
    )
    events: EventTypes | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = Field(
        default=None,
        description="false turns the webhook off; true turns it on again (also after it was "
        "turned off for failing) and forgets its failures in a row",
    )


class WebhookPublic(BaseModel):
    webhook_id: str
    url: str
    events: list[EventType]
    created_at: IsoTime
    active: bool = Field(description="false: no event is sent to it (see disabled_reason)")
    disabled_reason: str | None = Field(
        description="why it is off: turned off by its owner, or after "
        f"{DISABLE_AFTER_FAILURES} failed deliveries in a row over at least "
        f"{DISABLE_AFTER_SPAN.total_seconds() / 3600:g} h (with the last one's error); null when on"
    )
    disabled_at: IsoTime | None
    failures: int = Field(
        description="failed deliveries in a row (a success sets it to 0); at "
        f"{DISABLE_AFTER_FAILURES} over at least "
        f"{DISABLE_AFTER_SPAN.total_seconds() / 3600:g} h the webhook is turned off"
    )

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookPublic:
        return cls(
            webhook_id=webhook.webhook_id,
            url=webhook.url,
            events=list(webhook.events),
            created_at=webhook.created_at,
            active=webhook.active,
            disabled_reason=webhook.disabled_reason,
            disabled_at=webhook.disabled_at,
            failures=webhook.failures,
        )


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="the signing secret (whsec_...): shown this once; verify each delivery's "
        "webhook-signature with it (Standard Webhooks)"
    )


class WebhookSecret(BaseModel):
    webhook_id: str
    secret: str = Field(
        description="the new signing secret (whsec_...): shown this once; deliveries are "
        "signed with it from now on"
    )
    previous_secret_until: IsoTime | None = Field(
        description="until then each delivery's webhook-signature also carries a signature "
        "by the secret this one replaced, so receivers can switch without missing one"
    )

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookSecret:
        return cls(
            webhook_id=webhook.webhook_id,
            secret=webhook.secret,
            previous_secret_until=webhook.previous_until,
        )


class DeliveryPublic(BaseModel):
    delivery_id: str
    message_id: str = Field(description="the webhook-id header: the same on every attempt")
    event_type: str
    event_id: str
    attempted_at: IsoTime
    ok: bool
    status_code: int | None = Field(description="the receiver's answer; null: none came")
    error: str | None = Field(
        description="why the attempt failed, in a sentence (what happened, what to check); "
        "null when it was delivered"
    )
    duration_ms: int
    redeliverable: bool = Field(
        description="whether POST .../deliveries/{delivery_id}/redeliver can send its event "
        "again (its body is kept with the attempt)"
    )
    redelivery_of: str | None = Field(
        description="the delivery_id this attempt sent again on its owner's asking; null for "
        "the queue's own attempts"
    )

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryPublic:
        return cls(
            delivery_id=delivery.delivery_id,
            message_id=delivery.message_id,
            event_type=delivery.event_type,
            event_id=delivery.event_id,
            attempted_at=delivery.attempted_at,
            ok=delivery.ok,
            status_code=delivery.status_code,
            error=delivery.error,
            duration_ms=delivery.duration_ms,
            redeliverable=delivery.redeliverable,
            redelivery_of=delivery.redelivery_of,
        )
