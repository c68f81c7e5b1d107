"""API keys for machine clients: /api/v1/keys (create, list, revoke)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from shortstack.entrypoints.http.deps import ApiKeysDep, CallerDep
from shortstack.entrypoints.http.schemas.apikeys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses

router = APIRouter(prefix="/api/v1/keys", tags=["auth"])
KEY_CALLER: Responses = {
    403: {"model": ErrorBody, "description": "called with an API key: keys cannot manage keys"}
}
CREATE_REFUSED: Responses = {
    403: {
        "model": ErrorBody,
        "description": "called with an API key (keys cannot manage keys), or API keys are "
        "turned off on this deployment (API_KEYS_ENABLED=false)",
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses={**CREATE_REFUSED, 409: {"model": ErrorBody, "description": "too many keys"}},
)
async def create_key(body: ApiKeyCreate, caller: CallerDep, keys: ApiKeysDep) -> ApiKeyCreated:
    """A new key, shown once in `secret`; send it as `Authorization: Bearer sk_...`."""
    key, secret = keys.create(caller, body.name)
    return ApiKeyCreated(**ApiKeyPublic.of(key).model_dump(), secret=secret)


@router.get("", response_model=list[ApiKeyPublic])
async def list_keys(caller: CallerDep, keys: ApiKeysDep) -> list[ApiKeyPublic]:
    """Your keys (never their secrets), oldest first."""
    return [ApiKeyPublic.of(key) for key in keys.list(caller.sub)]


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={
        **KEY_CALLER,
        404: {"model": ErrorBody, "description": "no such key (or another's)"},
    },
)
async def revoke_key(key_id: str, caller: CallerDep, keys: ApiKeysDep) -> Response:
    """Revoke a key: requests with it get 401 from now on."""
    keys.revoke(caller, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
