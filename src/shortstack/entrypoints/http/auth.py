"""What the HTTP request says about its caller, handed to the Authenticator.

Two things: the `Authorization` header, and on Lambda the claims API Gateway's JWT
authorizer verified (`requestContext.authorizer.jwt.claims` of the payload-2.0 event,
which Mangum passes as `scope["aws.event"]`). A request to the local server has no
such scope key, and no header can create one, so a client cannot forge gateway claims
there; on Lambda they are used only with TRUST_GATEWAY_CLAIMS (docs/decisions/0601).
What to trust is decided in service_layer/auth.py; the 401 and its `WWW-Authenticate`
challenge are written in errors.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from shortstack.domain.auth import Principal
from shortstack.service_layer.auth import Authenticator


def gateway_claims(request: Request) -> Mapping[str, Any] | None:
    """The JWT claims API Gateway's authorizer put in the Lambda event, if any."""
    event = request.scope.get("aws.event")
    if not isinstance(event, Mapping):
        return None
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    jwt = authorizer.get("jwt") if isinstance(authorizer, Mapping) else None
    claims = jwt.get("claims") if isinstance(jwt, Mapping) else None
    return claims if isinstance(claims, Mapping) else None


def authenticate(request: Request, authenticator: Authenticator) -> Principal:
    """The caller of `request`; raises Unauthenticated (401) or ServiceUnavailable (503)."""
    return authenticator.authenticate(request.headers.get("authorization"), gateway_claims(request))
