"""Verify bearer JWTs with PyJWT: signature (RS256/ES256), issuer, audience, expiry, subject.

Used wherever the app itself must check tokens: the local server, or any host in
AUTH_MODE=jwt without API Gateway's authorizer in front. Keys come from one
configured PEM public key, or from a JWKS URL (Cognito publishes one at
`<issuer>/.well-known/jwks.json`).

- Only the key's own algorithm verifies: RS256 for an RSA key, ES256 for a P-256 key.
  `alg: none`, HS256 signed with the public key as the secret, and an RS256 token
  checked against an EC key all fail, whatever the token's header claims.
- The JWKS document is cached for JWKS_LIFESPAN_S; an unknown `kid` refetches it at
  most once per PyJWKClient cooldown (30 s), so tokens with made-up key ids cannot
  turn into a request to the identity provider each. PyJWT's per-`kid` LRU is left
  off on purpose: it never expires, so a key removed from the JWKS (rotated out after
  a leak) would stay trusted.
- A JWKS endpoint that cannot be reached is a 503 (ServiceUnavailable), never a pass,
  and not a 401 either: the client's token may be fine, and a 401 would send a browser
  back to sign in for an outage.
- Messages are fixed phrases (safe in a WWW-Authenticate header); PyJWT's own
  messages, which may quote token contents, are logged at debug level only.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt

from shortstack.domain.auth import accepts_audience
from shortstack.domain.errors import ServiceUnavailable, Unauthenticated

ALGORITHMS = ("RS256", "ES256")
LEEWAY_S = 30
JWKS_LIFESPAN_S = 600
JWKS_TIMEOUT_S = 3
REQUIRED_CLAIMS = ["exp", "iss", "sub"]

_log = logging.getLogger("shortstack.auth")

# The most specific PyJWT error first: several derive from one another.
_REASONS: list[tuple[type[Exception], str]] = [
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.InvalidAudienceError, "the token is for another audience"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
    (jwt.InvalidAlgorithmError, "the token's algorithm is not accepted"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim (exp, iss, sub)"),
    (jwt.DecodeError, "the token is malformed"),
]


def _reason(exc: Exception) -> str:
    for error_type, reason in _REASONS:
        if isinstance(exc, error_type):
            return reason
    return "the token is invalid"


class JwtVerifier:
    def __init__(
        self,
        issuer: str,
        audiences: tuple[str, ...] | list[str] | str,
        jwks_url: str = "",
        public_key: str = "",
    ) -> None:
        if bool(jwks_url) == bool(public_key):
            raise ValueError("exactly one of a JWKS URL or a public key is needed")
        self.issuer = issuer
        self.audiences = (audiences,) if isinstance(audiences, str) else tuple(audiences)
        self._jwks = (
            jwt.PyJWKClient(
                jwks_url, cache_keys=False, lifespan=JWKS_LIFESPAN_S, timeout=JWKS_TIMEOUT_S
            )
            if jwks_url
            else None
        )
        self._static = load_public_key(public_key) if public_key else None

    def _key_for(self, token: str) -> tuple[Any, str]:
        """The key to check `token` with and the one algorithm that key may verify."""
        if self._static is not None:
            return self._static
        assert self._jwks is not None
        try:
            signing_key = self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            _log.warning("JWKS endpoint unreachable: %s", exc)
            raise ServiceUnavailable(
                "the identity provider's signing keys cannot be fetched; try again shortly"
            ) from exc
        except jwt.DecodeError as exc:
            raise Unauthenticated("the token is malformed") from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
            if "Unable to find a signing key" in str(exc):
                raise Unauthenticated("the token's signing key is unknown") from exc
            _log.error("JWKS document unusable: %s", exc)
            raise ServiceUnavailable("the identity provider's signing keys are unusable") from exc
        algorithm = signing_key.algorithm_name
        if algorithm not in ALGORITHMS:
            raise Unauthenticated("the token's algorithm is not accepted")
        return signing_key.key, algorithm

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims; Unauthenticated for anything that does not hold."""
        key, algorithm = self._key_for(token)
        try:
            # Only the key's own algorithm. The audience is checked below, as API Gateway
            # does it: `aud`, or `client_id` when a Cognito access token has no `aud`.
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": REQUIRED_CLAIMS, "verify_aud": False},
            )
        except jwt.InvalidTokenError as exc:
            _log.debug("token refused: %s", exc)
            raise Unauthenticated(_reason(exc)) from exc
        if not accepts_audience(claims, self.audiences):
            raise Unauthenticated("the token is for another audience")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Unauthenticated("the token has no subject")
        return claims


def load_public_key(pem: str) -> tuple[Any, str]:
    """A PEM public key and its algorithm; ValueError (refuse to start) for anything else."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise ValueError("JWT_PUBLIC_KEY is not a PEM public key") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise ValueError("JWT_PUBLIC_KEY: an RSA key needs 2048 bits or more")
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1":
        return key, "ES256"
    raise ValueError("JWT_PUBLIC_KEY must be an RSA or P-256 EC public key")
