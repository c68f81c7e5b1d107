"""What a webhook receiver gets, for the OpenAPI document's `webhooks` section.

Documentation only: nothing validates a delivery against these models. The bodies are
built by `service_layer/webhooks._payload` from the events of `domain/events.py`,
`domain/imports.py` and `WebhooksService.send_test`, and a test holds what both runtimes
send to these schemas. Imported when the document is first built, never on a request's
path (the API Lambda's cold start, decision 0405).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field, create_model

from shortstack.domain.link_fields import REDIRECT_STATUSES

Moment = Annotated[datetime, Field(description="ISO 8601 UTC, to the millisecond")]
_RECENT = "absent from an event queued by an earlier version: read it as optional"


class _Data(BaseModel):
    event_id: str = Field(description="the event's id: the same on every attempt and replay")


class _LinkData(_Data):
    short_id: str = Field(description="the link's alias, chosen or made")
    owner: str


class LinkCreatedData(_LinkData):
    url: str
    expires_at: Moment | None
    title: str | None = Field(None, description=_RECENT)
    tags: list[str] = Field([], description=_RECENT)


class LinkChanges(BaseModel):
    """The new value of each changed field among these (only those that changed)."""

    url: str | None = None
    is_active: bool | None = None
    expires_at: Moment | None = None
    title: str | None = None
    tags: list[str] | None = None
    max_visits: int | None = None
    redirect_status: int | None = Field(None, json_schema_extra={"enum": list(REDIRECT_STATUSES)})
    valid_since: Moment | None = None
    fallback_url: str | None = None
    forward_query: bool | None = None
    password: bool | None = Field(None, description="whether one is set now; never the password")


class LinkUpdatedData(_LinkData):
    fields: list[str] = Field(
        description="every changed field's name; rules, variants and preview only here: read "
        "the link for their values"
    )
    changes: LinkChanges = Field(default_factory=LinkChanges, description=_RECENT)


class LinkDeletedData(_LinkData):
    pass


class LinkClickedData(_Data):
    short_id: str
    occurred_at: Moment
    referrer: str | None = Field(description="an origin only (scheme, host, port)")
    user_agent: str | None
    country: str | None = Field(description="from the edge's country header")
    rule: int | None = Field(description="the index of the link's rule that chose the target")
    variant: int | None = Field(description="the index of the A/B variant that chose it")


class ImportFinishedData(_Data):
    import_id: str
    owner: str
    status: Literal["succeeded", "partially_succeeded", "failed"]
    total: int
    valid: int
    invalid: int
    loaded: int
    failed: int


class WebhookTestData(_Data):
    webhook_id: str
    owner: str


# Each event a subscription can receive: its `data`, and when it is sent.
EVENTS: dict[str, tuple[type[_Data], str]] = {
    "LinkCreated": (LinkCreatedData, "a link was made (also by an import)"),
    "LinkUpdated": (LinkUpdatedData, "a link was changed"),
    "LinkDeleted": (LinkDeletedData, "a link was deleted"),
    "LinkClicked": (
        LinkClickedData,
        "a redirect was counted (on AWS only with CLICK_EVENTS_ON_BUS=true)",
    ),
    "ImportFinished": (ImportFinishedData, "a bulk import reached its final status"),
    "WebhookTest": (
        WebhookTestData,
        "POST /api/v1/webhooks/{webhook_id}/test, whatever the subscription's events; never "
        "retried",
    ),
}

WebhookId = Annotated[
    str,
    Header(
        alias="webhook-id",
        pattern="^msg_[0-9a-f]+_[0-9a-f]+$",
        description="msg_<event id>_<webhook id>: the same on every attempt and redelivery; "
        "drop what you already took",
    ),
]
WebhookTimestamp = Annotated[
    str,
    Header(
        alias="webhook-timestamp",
        pattern="^[0-9]+$",
        description="the attempt's time in seconds since 1970: refuse one more than 5 minutes "
        "from your clock",
    ),
]
WebhookSignature = Annotated[
    str,
    Header(
        alias="webhook-signature",
        pattern="^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})?$",
        description="v1,<base64 HMAC-SHA256 of '{webhook-id}.{webhook-timestamp}.{body}' "
        "by the whsec_ secret>; two, space-separated, for 24 h after a rotation",
    ),
]

ANSWERS: dict[int | str, dict[str, Any]] = {
    "2XX": {"description": "taken: the delivery counts as done"},
    "default": {
        "description": "any other answer (redirects are not followed), or none within "
        "WEBHOOK_TIMEOUT_S: the event is retried, then dead-lettered"
    },
}


def _envelope(event_type: str, data: type[_Data]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "type": (Literal[event_type], ...),
        "timestamp": (Moment, Field(description="when the event happened")),
        "data": (data, ...),
    }
    model: type[BaseModel] = create_model(f"{event_type}Delivery", **fields)
    return model


def document_deliveries(router: APIRouter) -> None:
    """Add one webhook operation per event type to `router` (an app's `webhooks`)."""
    for event_type, (data, when) in EVENTS.items():
        body = _envelope(event_type, data)

        async def receive(
            body: Any,
            webhook_id: WebhookId,
            webhook_timestamp: WebhookTimestamp,
            webhook_signature: WebhookSignature,
        ) -> None:
            """Documentation only: never called."""

        # Real objects, not the strings `from __future__ import annotations` leaves.
        receive.__annotations__ = {
            "body": body,
            "webhook_id": WebhookId,
            "webhook_timestamp": WebhookTimestamp,
            "webhook_signature": WebhookSignature,
            "return": None,
        }
        router.post(
            event_type,
            summary=event_type,
            description=f"Sent when {when}. Signed by the Standard Webhooks scheme.",
            operation_id=f"webhook{event_type}",
            responses=ANSWERS,
        )(receive)


def only_receivers_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Leave each webhook operation the answers a receiver gives, without FastAPI's own 200."""
    for item in schema.get("webhooks", {}).values():
        item["post"]["responses"] = dict(ANSWERS)
    return schema
