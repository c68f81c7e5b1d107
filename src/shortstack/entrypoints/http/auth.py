"""Who is calling: the `local` user, an API key's owner, or a JWT's subject.

In order:
1. `Authorization: Bearer sk_...` with API keys enabled: the key's owner, in
   both modes (an unknown or revoked key is a 401, never a fallback).
2. AUTH_MODE=none: everyone is the built-in `local` user.
3. AUTH_MODE=jwt behind API Gateway's JWT authorizer (TRUST_GATEWAY_CLAIMS, set
   only by the IaC): the claims the authorizer verified, from the Lambda event.
4. AUTH_MODE=jwt elsewhere: the bearer token, verified here (adapters/jwt_verifier).
Failures are 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException

from shortstack.bootstrap import Container
from shortstack.domain.apikeys import looks_like_key

LOCAL_USER = "local"
REALM = 'Bearer realm="shortstack"'


def unauthorized(description: str, error: str | None = "invalid_token") -> HTTPException:
    """A 401 with the RFC 6750 challenge; `error` is left out when no token was sent."""
    challenge = REALM if error is None else f'{REALM}, error="{error}"'
    if error is not None:
        challenge += f', error_description="{description}"'
    return HTTPException(401, description, headers={"WWW-Authenticate": challenge})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def gateway_claims(request: Request) -> dict[str, Any] | None:
    """The JWT claims API Gateway's authorizer put in the Lambda event, if any."""
    event = request.scope.get("aws.event") or {}
    context = event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    return claims if isinstance(claims, dict) else None


def caller_sub(request: Request, container: Container) -> str:
    """The subject of this request, or HTTPException 401."""
    settings = container.settings
    token = bearer_token(request)
    if token is not None and settings.api_keys_enabled and looks_like_key(token):
        owner = container.apikeys.owner_of(token)
        if owner is None:
            raise unauthorized("unknown or revoked API key")
        return owner
    if settings.auth_mode == "none":
        return LOCAL_USER
    if settings.trust_gateway_claims:
        claims = gateway_claims(request)
        if claims is not None and isinstance(claims.get("sub"), str) and claims["sub"]:
            return str(claims["sub"])
    if token is None:
        raise unauthorized("a bearer token is required", error=None)
    from shortstack.adapters.jwt_verifier import InvalidToken

    try:
        return str(container.jwt_verifier.claims(token)["sub"])
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from exc
