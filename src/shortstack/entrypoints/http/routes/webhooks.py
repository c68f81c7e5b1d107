"""Signed webhooks: /api/v1/webhooks, the subscriptions, their secrets, tests and deliveries
(and the sending again of one)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from shortstack.entrypoints.http.deps import CallerDep, WebhooksDep
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses, leads_to
from shortstack.entrypoints.http.schemas.webhooks import (
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookSecret,
    WebhookUpdate,
)

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "no such webhook (or another's)"}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses={
        201: leads_to(
            "webhook_id",
            "webhook_id",
            GetWebhook=("get_webhook_api_v1_webhooks__webhook_id__get", "the subscription"),
            ListDeliveries=(
                "list_deliveries_api_v1_webhooks__webhook_id__deliveries_get",
                "its recent deliveries",
            ),
            RevokeWebhook=(
                "revoke_webhook_api_v1_webhooks__webhook_id__delete",
                "stop sending events to it",
            ),
        ),
        409: {"model": ErrorBody, "description": "too many webhooks"},
        422: {
            "model": ErrorBody,
            "description": "invalid body or refused url; the message says why",
        },
    },
)
async def create_webhook(
    body: WebhookCreate, caller: CallerDep, webhooks: WebhooksDep
) -> WebhookCreated:
    """Subscribe a URL to events; the signing secret is in `secret`, shown this once."""
    webhook = webhooks.create(caller.sub, body.url, list(body.events))
    return WebhookCreated(**WebhookPublic.of(webhook).model_dump(), secret=webhook.secret)


@router.get("", response_model=list[WebhookPublic])
async def list_webhooks(caller: CallerDep, webhooks: WebhooksDep) -> list[WebhookPublic]:
    """Your webhooks (never their secrets), oldest first."""
    return [WebhookPublic.of(webhook) for webhook in webhooks.list(caller.sub)]


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=NOT_FOUND)
async def get_webhook(webhook_id: str, caller: CallerDep, webhooks: WebhooksDep) -> WebhookPublic:
    return WebhookPublic.of(webhooks.get(caller.sub, webhook_id))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookPublic,
    responses={
        **NOT_FOUND,
        422: {
            "model": ErrorBody,
            "description": "invalid body or refused url; the message says why",
        },
    },
)
async def change_webhook(
    webhook_id: str, body: WebhookUpdate, caller: CallerDep, webhooks: WebhooksDep
) -> WebhookPublic:
    """Change the receiver's URL or its events, or turn it on or off; the secret stays."""
    body.refuse_nulls("url", "events", "active")
    events = None if body.events is None else [str(name) for name in body.events]
    changed = webhooks.change(caller.sub, webhook_id, body.url, events, body.active)
    return WebhookPublic.of(changed)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
async def revoke_webhook(webhook_id: str, caller: CallerDep, webhooks: WebhooksDep) -> Response:
    """Delete a webhook: no event is sent to it from now on."""
    webhooks.revoke(caller.sub, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{webhook_id}/secret", response_model=WebhookSecret, responses=NOT_FOUND)
async def rotate_secret(webhook_id: str, caller: CallerDep, webhooks: WebhooksDep) -> WebhookSecret:
    """A new signing secret, shown this once; the old one also signs for 24 hours."""
    return WebhookSecret.of(webhooks.rotate_secret(caller.sub, webhook_id))


@router.post("/{webhook_id}/test", response_model=DeliveryPublic, responses=NOT_FOUND)
def send_test(webhook_id: str, caller: CallerDep, webhooks: WebhooksDep) -> DeliveryPublic:
    """Send a signed WebhookTest event now and answer how the receiver took it (not retried)."""
    # A plain def: the attempt may wait WEBHOOK_TIMEOUT_S, in the thread pool, not the loop.
    return DeliveryPublic.of(webhooks.send_test(caller.sub, webhook_id))


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryPublic], responses=NOT_FOUND)
async def list_deliveries(
    webhook_id: str, caller: CallerDep, webhooks: WebhooksDep
) -> list[DeliveryPublic]:
    """The latest delivery attempts (up to 50), newest first, with their outcome."""
    return [DeliveryPublic.of(d) for d in webhooks.deliveries(caller.sub, webhook_id)]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryPublic,
    responses={
        404: {
            "model": ErrorBody,
            "description": "no such webhook (or another's), or no such delivery among its "
            "latest 50",
        },
        410: {"model": ErrorBody, "description": "the delivery's event was not kept"},
    },
)
def redeliver(
    webhook_id: str, delivery_id: str, caller: CallerDep, webhooks: WebhooksDep
) -> DeliveryPublic:
    """Send a delivery's event again now, signed anew, to the webhook's current URL; the new
    attempt (answered, and in the deliveries) names the first. Never retried by the queue."""
    # A plain def, like the test: the attempt may wait WEBHOOK_TIMEOUT_S.
    return DeliveryPublic.of(webhooks.redeliver(caller.sub, webhook_id, delivery_id))
