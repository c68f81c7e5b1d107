"""The app's own token verification (PyJWT): what it accepts, what it refuses, and why."""

from __future__ import annotations

import socket
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from shortstack.adapters.jwt_verifier import JwtVerifier, load_public_key
from shortstack.domain.errors import ServiceUnavailable, Unauthenticated
from tests.auth_support import (
    AUDIENCE,
    EC_KEY,
    ISSUER,
    RSA_KEY,
    access_token,
    hs256_signed_with_the_public_key,
    jwk,
    jwks_server,
    pem,
    tampered,
    token,
    unsigned,
)

OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def rsa_verifier() -> JwtVerifier:
    return JwtVerifier(ISSUER, (AUDIENCE,), public_key=pem(RSA_KEY))


def test_a_valid_rs256_token_gives_its_claims(rsa_verifier: JwtVerifier) -> None:
    claims = rsa_verifier.claims(token("alice", email="alice@example.com"))
    assert claims["sub"] == "alice"
    assert claims["email"] == "alice@example.com"


def test_a_valid_es256_token_verifies_against_an_ec_public_key() -> None:
    verifier = JwtVerifier(ISSUER, (AUDIENCE,), public_key=pem(EC_KEY))
    assert verifier.claims(token("carol", key=EC_KEY, alg="ES256"))["sub"] == "carol"
    # The EC key verifies ES256 only: an RS256 token is refused whatever it says.
    with pytest.raises(Unauthenticated, match="algorithm"):
        verifier.claims(token("carol"))


def test_cognito_access_tokens_match_on_client_id_as_api_gateway_does(
    rsa_verifier: JwtVerifier,
) -> None:
    assert rsa_verifier.claims(access_token("dave"))["sub"] == "dave"
    with pytest.raises(Unauthenticated, match="audience"):
        rsa_verifier.claims(access_token("dave", client_id="another-client"))


def test_any_configured_audience_is_accepted() -> None:
    verifier = JwtVerifier(ISSUER, ("web-client", AUDIENCE), public_key=pem(RSA_KEY))
    assert verifier.claims(token(aud="web-client"))["sub"] == "alice"
    assert verifier.claims(token(aud=["other", AUDIENCE]))["sub"] == "alice"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (lambda: token(exp=int(time.time()) - 120), "the token has expired"),
        (lambda: token(iss="https://evil.example.com/"), "the token is from another issuer"),
        (lambda: token(aud="another-app"), "the token is for another audience"),
        (lambda: token(drop=("aud",)), "the token is for another audience"),
        (lambda: tampered(token("alice"), sub="mallory"), "the token's signature does not verify"),
        (lambda: token(key=OTHER_RSA_KEY), "the token's signature does not verify"),
        (unsigned, "the token's algorithm is not accepted"),
        (
            lambda: hs256_signed_with_the_public_key(pem(RSA_KEY)),
            "the token's algorithm is not accepted",
        ),
        (lambda: token(nbf=int(time.time()) + 600), "the token is not valid yet"),
        (lambda: token(drop=("exp",)), "the token lacks a required claim (exp, iss, sub)"),
        (lambda: token(drop=("sub",)), "the token lacks a required claim (exp, iss, sub)"),
        (lambda: token(sub=""), "the token has no subject"),
        (lambda: "not.a.jwt", "the token is malformed"),
        (lambda: "sk_" + "A" * 43, "the token is malformed"),
    ],
)
def test_tokens_that_must_not_be_trusted_are_refused_with_a_fixed_reason(
    rsa_verifier: JwtVerifier, bad: Any, reason: str
) -> None:
    with pytest.raises(Unauthenticated) as refused:
        rsa_verifier.claims(bad())
    assert refused.value.message == reason
    assert refused.value.invalid_token


def test_a_small_clock_skew_is_tolerated_but_not_more(rsa_verifier: JwtVerifier) -> None:
    assert rsa_verifier.claims(token(exp=int(time.time()) - 10))["sub"] == "alice"
    with pytest.raises(Unauthenticated, match="expired"):
        rsa_verifier.claims(token(exp=int(time.time()) - 60))


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not a key", "not a PEM public key"),
        (pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)), "2048 bits"),  # noqa: S505
        (pem(ec.generate_private_key(ec.SECP384R1())), "RSA or P-256"),
    ],
)
def test_unusable_public_keys_refuse_to_start(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_public_key(key)


def test_exactly_one_key_source_is_needed() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        JwtVerifier(ISSUER, (AUDIENCE,))
    with pytest.raises(ValueError, match="exactly one"):
        JwtVerifier(ISSUER, (AUDIENCE,), jwks_url="https://x.example/", public_key=pem(RSA_KEY))


def test_jwks_keys_are_fetched_once_and_each_verifies_only_its_own_algorithm() -> None:
    with jwks_server([jwk(RSA_KEY, "rsa-1"), jwk(EC_KEY, "ec-1")]) as jwks:
        verifier = JwtVerifier(ISSUER, (AUDIENCE,), jwks_url=jwks.url)
        for _ in range(20):
            assert verifier.claims(token("a", kid="rsa-1"))["sub"] == "a"
            assert verifier.claims(token("b", key=EC_KEY, alg="ES256", kid="ec-1"))["sub"] == "b"
        assert jwks.fetches == 1
        # An RS256 token naming the EC key's id is checked with ES256 only, and fails.
        with pytest.raises(Unauthenticated, match="algorithm"):
            verifier.claims(token("a", kid="ec-1"))
        with pytest.raises(Unauthenticated, match="algorithm"):
            verifier.claims(hs256_signed_with_the_public_key(pem(RSA_KEY)))


def test_made_up_key_ids_do_not_each_refetch_the_jwks() -> None:
    with jwks_server([jwk(RSA_KEY, "rsa-1")]) as jwks:
        verifier = JwtVerifier(ISSUER, (AUDIENCE,), jwks_url=jwks.url)
        verifier.claims(token(kid="rsa-1"))
        for attempt in range(50):
            with pytest.raises(Unauthenticated, match="signing key is unknown"):
                verifier.claims(token(kid=f"made-up-{attempt}"))
        assert jwks.fetches == 1  # within PyJWKClient's cooldown: no refetch at all


def test_a_rotated_in_key_is_found_by_refetching_after_the_cooldown() -> None:
    with jwks_server([jwk(RSA_KEY, "rsa-1")]) as jwks:
        verifier = JwtVerifier(ISSUER, (AUDIENCE,), jwks_url=jwks.url)
        verifier.claims(token(kid="rsa-1"))
        jwks.keys = [jwk(RSA_KEY, "rsa-1"), jwk(OTHER_RSA_KEY, "rsa-2")]
        assert verifier._jwks is not None
        verifier._jwks.cooldown_duration = 0  # the 30 s wait, skipped
        assert verifier.claims(token("e", key=OTHER_RSA_KEY, kid="rsa-2"))["sub"] == "e"
        assert jwks.fetches == 2


def test_an_unreachable_jwks_endpoint_is_a_503_not_a_pass_nor_a_401() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    verifier = JwtVerifier(ISSUER, (AUDIENCE,), jwks_url=f"http://127.0.0.1:{port}/jwks.json")
    with pytest.raises(ServiceUnavailable, match="cannot be fetched"):
        verifier.claims(token())


def test_a_jwks_without_signing_keys_is_a_503() -> None:
    with jwks_server([]) as jwks:
        verifier = JwtVerifier(ISSUER, (AUDIENCE,), jwks_url=jwks.url)
        with pytest.raises(ServiceUnavailable, match="unusable"):
            verifier.claims(token())


def test_pyjwt_still_refuses_an_asymmetric_key_as_an_hmac_secret() -> None:
    """Belt and braces: even if HS256 were allowed, PyJWT would not take a PEM as secret."""
    forged = hs256_signed_with_the_public_key(pem(RSA_KEY))
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(forged, pem(RSA_KEY), algorithms=["HS256"], audience=AUDIENCE)
