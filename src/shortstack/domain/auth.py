"""Who is calling, and the rules that decide it; pure, so no PyJWT and no HTTP here.

A caller is a `Principal`: the subject that owns what they create (`sub`) and how
that was established (`via`). The rules here are the ones both token paths share:
reading `Authorization: Bearer ...`, and deciding whether claims name this service
as their audience, which follows API Gateway's JWT authorizer exactly: the `aud`
claim when there is one, else `client_id` (Cognito *access* tokens carry no `aud`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from shortstack.domain.errors import Unauthenticated
from shortstack.domain.slotted import frozen_slots

LOCAL_USER = "local"

# none: AUTH_MODE=none; jwt: a token verified by the app; gateway: claims API Gateway's
# JWT authorizer verified; api_key: an `sk_...` key's owner.
Via = Literal["none", "jwt", "gateway", "api_key"]


@frozen_slots  # built on every API request
class Principal:
    """The caller of one request: the owner of what they create."""

    sub: str
    via: Via = "none"
    # In the group the ADMIN_GROUP setting names (Cognito's `cognito:groups` claim).
    is_admin: bool = False

    @property
    def runs_the_install(self) -> bool:
        """AUTH_MODE=none's caller operates the whole (local) install, user directory included.

        With real identities (a token, or an API key) the user directory is self-service:
        each caller reads, registers and deletes only the user record named after them.
        """
        return self.via == "none"

    @property
    def may_manage_api_keys(self) -> bool:
        """Keys are made and revoked by a person, not by a key: a leaked key must not be able
        to mint successors that outlive its own revocation."""
        return self.via != "api_key"

    @property
    def sees_every_user(self) -> bool:
        """Whether the user directory lists everyone to this caller, or only themselves."""
        return self.operates_the_service

    @property
    def operates_the_service(self) -> bool:
        """Whether this caller may read what concerns the whole service (orphan visits)."""
        return self.runs_the_install or self.is_admin

    def may_manage_user(self, user_id: str) -> bool:
        """Whether this caller may read, register or delete the user record `user_id`."""
        return self.runs_the_install or user_id == self.sub

    def may_read_user(self, user_id: str) -> bool:
        """Whether this caller may read the user record `user_id`: whom the list shows them."""
        return self.sees_every_user or self.may_manage_user(user_id)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for no header or scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _claim_values(value: Any) -> list[str]:
    """A claim as a list of strings: JSON arrays, or API Gateway's flattened "[a b]" form."""
    if isinstance(value, str):
        if value.startswith("[") and value.endswith("]"):
            return value[1:-1].split()
        return [value]
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return list(value)
    return []


GROUPS_CLAIM = "cognito:groups"


def in_group(claims: Mapping[str, Any], group: str) -> bool:
    """Whether the claims' `cognito:groups` name `group` (never true for an empty name)."""
    return bool(group) and group in _claim_values(claims.get(GROUPS_CLAIM))


def accepts_audience(claims: Mapping[str, Any], audiences: Iterable[str]) -> bool:
    """Whether `aud` (or, without one, `client_id`) names one of `audiences`."""
    wanted = set(audiences)
    if "aud" in claims:
        return any(value in wanted for value in _claim_values(claims["aud"]))
    client_id = claims.get("client_id")
    return isinstance(client_id, str) and client_id in wanted


def gateway_subject(claims: Mapping[str, Any], issuer: str, audiences: Iterable[str]) -> str:
    """The subject of claims API Gateway verified, checked against this service's settings.

    The gateway checked the signature and expiry. Issuer and audience are compared again,
    at no cost: an authorizer wired to another user pool must not open this API.
    """
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthenticated("the authorizer's claims name no subject")
    if claims.get("iss") != issuer:
        raise Unauthenticated("the token is from another issuer")
    if not accepts_audience(claims, audiences):
        raise Unauthenticated("the token is for another audience")
    return sub
