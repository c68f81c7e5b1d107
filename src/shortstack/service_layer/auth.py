"""Authenticate a request: the `local` user, an API key's owner, or a JWT's subject.

In order:
1. `Authorization: Bearer sk_...` with API keys enabled: the key's owner, in both
   modes. An unknown or revoked key is a 401, never a fall-back to another rule.
2. AUTH_MODE=none: everyone else is the built-in `local` user.
3. AUTH_MODE=jwt, with TRUST_GATEWAY_CLAIMS and claims that API Gateway's JWT
   authorizer put in the Lambda event: those claims (docs/decisions/0601).
4. AUTH_MODE=jwt otherwise: the bearer token, verified by the TokenVerifier.
The entrypoint only extracts the header and the event's claims; what to trust is decided
here, so the HTTP app and any other entrypoint follow the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from shortstack.domain.apikeys import looks_like_key
from shortstack.domain.auth import (
    LOCAL_USER,
    Principal,
    bearer_token,
    gateway_subject,
    in_group,
)
from shortstack.domain.errors import Unauthenticated
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.ports import TokenVerifier


@dataclass
class Authenticator:
    mode: Literal["none", "jwt"]
    api_keys: ApiKeysService | None  # None: API keys are not accepted (API_KEYS_ENABLED=false)
    verifier: TokenVerifier | None = None  # needed in jwt mode
    trust_gateway_claims: bool = False
    issuer: str = ""
    audiences: tuple[str, ...] = ()
    admin_group: str = ""  # members see what only operators see (ADMIN_GROUP)

    def __post_init__(self) -> None:
        if self.mode == "jwt" and self.verifier is None:
            raise ValueError("AUTH_MODE=jwt needs a token verifier")

    def authenticate(
        self, authorization: str | None, gateway_claims: Mapping[str, Any] | None = None
    ) -> Principal:
        """The caller of a request with this Authorization header (and these gateway claims).

        Raises Unauthenticated (401), or ServiceUnavailable when the keys to verify a
        token cannot be fetched.
        """
        token = bearer_token(authorization)
        if token is not None and self.api_keys is not None and looks_like_key(token):
            owner = self.api_keys.owner_of(token)
            if owner is None:
                raise Unauthenticated("unknown or revoked API key")
            return Principal(owner, "api_key")
        if self.mode == "none":
            return Principal(LOCAL_USER, "none")
        if self.trust_gateway_claims and gateway_claims is not None:
            # The gateway's verdict is final: claims that do not fit are refused, not
            # re-verified from the header (that would make two sources of truth).
            sub = gateway_subject(gateway_claims, self.issuer, self.audiences)
            return Principal(sub, "gateway", in_group(gateway_claims, self.admin_group))
        if token is None:
            raise Unauthenticated("a bearer token is required", invalid_token=False)
        assert self.verifier is not None  # __post_init__ holds it in jwt mode
        claims = self.verifier.claims(token)
        return Principal(str(claims["sub"]), "jwt", in_group(claims, self.admin_group))
