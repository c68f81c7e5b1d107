"""Verify bearer JWTs with PyJWT: signature (RS256/ES256), issuer, audience, expiry, sub.

Used wherever the app itself must check tokens: the local server or any host
in AUTH_MODE=jwt without API Gateway in front. Keys come from a JWKS URL
(Cognito publishes one at `<issuer>/.well-known/jwks.json`; PyJWKClient caches
it and refetches for an unknown `kid`) or from one configured PEM public key.
Only asymmetric algorithms are accepted, so a token signed with HS256 using the
public key as a shared secret, or `alg: none`, is refused.
"""

from __future__ import annotations

from typing import Any

import jwt

ALGORITHMS = ["RS256", "ES256"]
LEEWAY_S = 30


class InvalidToken(Exception):
    """The token must not be trusted; the message says why (safe to show)."""


class JwtVerifier:
    def __init__(
        self, issuer: str, audience: str, jwks_url: str = "", public_key: str = ""
    ) -> None:
        if not (jwks_url or public_key):
            raise ValueError("a JWKS URL or a public key is needed")
        self.issuer = issuer
        self.audience = audience
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600) if jwks_url else None
        self._static = _load_public_key(public_key) if public_key else None

    def _key_for(self, token: str) -> tuple[Any, str]:
        """The key to check `token` with and the one algorithm that key may verify."""
        if self._static is not None:
            return self._static
        assert self._jwks is not None
        try:
            signing_key = self._jwks.get_signing_key_from_jwt(token)
        except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
            raise InvalidToken(f"no usable signing key: {exc}") from exc
        algorithm = signing_key.algorithm_name
        if algorithm not in ALGORITHMS:
            raise InvalidToken(f"the signing key's algorithm {algorithm} is not accepted")
        return signing_key.key, algorithm

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims; InvalidToken for anything that does not hold."""
        key, algorithm = self._key_for(token)
        try:
            # Only the key's own algorithm: an RS256 token cannot be checked with an EC key.
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("the token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("the token is from another issuer") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidToken("the token has no subject")
        return claims


def _load_public_key(pem: str) -> tuple[Any, str]:
    """A PEM public key and its algorithm; ValueError (refuse to start) for anything else."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise ValueError("JWT_PUBLIC_KEY is not a PEM public key") from exc
    if isinstance(key, rsa.RSAPublicKey):
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1":
        return key, "ES256"
    raise ValueError("JWT_PUBLIC_KEY must be an RSA or P-256 EC public key")
