"""Who a request acts as (service layer, with fakes): modes, API keys, the gateway's claims."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from shortstack.adapters.memory.apikeys import MemoryApiKeyRepository
from shortstack.domain.apikeys import MAX_KEYS_PER_OWNER
from shortstack.domain.auth import Principal, accepts_audience, bearer_token, gateway_subject
from shortstack.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.auth import Authenticator
from tests.fakes import FakeClock

ISSUER = "https://issuer.example.com/pool"
AUDIENCE = "web-client"
CLAIMS = {"sub": "gw-user", "iss": ISSUER, "client_id": AUDIENCE, "token_use": "access"}
ALICE = Principal("alice", "jwt")


class FakeVerifier:
    """Accepts `good-<sub>` tokens; refuses everything else."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def claims(self, token: str) -> dict[str, Any]:
        self.seen.append(token)
        if not token.startswith("good-"):
            raise Unauthenticated("the token's signature does not verify")
        return {"sub": token.removeprefix("good-")}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keys(clock: FakeClock) -> ApiKeysService:
    return ApiKeysService(MemoryApiKeyRepository(), clock)


def jwt_mode(keys: ApiKeysService | None, **extra: Any) -> Authenticator:
    return Authenticator("jwt", keys, FakeVerifier(), issuer=ISSUER, audiences=(AUDIENCE,), **extra)


def test_none_mode_is_the_local_user_whatever_the_header(keys: ApiKeysService) -> None:
    auth = Authenticator("none", keys)
    for header in (None, "", "Bearer eyJhbGciOi.x.y", "Basic dXNlcjpwdw==", "Bearer good-bob"):
        assert auth.authenticate(header) == Principal("local", "none")
    # Claims in an event mean nothing in none mode either.
    assert auth.authenticate(None, CLAIMS).sub == "local"


def test_jwt_mode_needs_a_bearer_token(keys: ApiKeysService) -> None:
    auth = jwt_mode(keys)
    for header in (None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwdw==", "good-alice"):
        with pytest.raises(Unauthenticated) as refused:
            auth.authenticate(header)
        assert not refused.value.invalid_token  # no credentials: a bare challenge
    assert auth.authenticate("Bearer good-alice") == Principal("alice", "jwt")
    assert auth.authenticate("bearer   good-alice  ") == Principal("alice", "jwt")
    with pytest.raises(Unauthenticated) as refused:
        auth.authenticate("Bearer forged")
    assert refused.value.invalid_token


def test_api_keys_act_as_their_owner_in_both_modes(keys: ApiKeysService) -> None:
    _, secret = keys.create(Principal("bob", "jwt"), "ci")
    for auth in (Authenticator("none", keys), jwt_mode(keys)):
        assert auth.authenticate(f"Bearer {secret}") == Principal("bob", "api_key")


def test_a_wrong_or_revoked_key_is_refused_never_a_fallback(keys: ApiKeysService) -> None:
    key, secret = keys.create(ALICE, "ci")
    auth = Authenticator("none", keys)
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "sk_short", "sk_" + "x" * 43):
        with pytest.raises(Unauthenticated, match="unknown or revoked"):
            auth.authenticate(f"Bearer {wrong}")
    keys.revoke(ALICE, key.key_id)
    with pytest.raises(Unauthenticated, match="unknown or revoked"):
        auth.authenticate(f"Bearer {secret}")


def test_with_api_keys_disabled_a_key_is_just_a_bad_token(keys: ApiKeysService) -> None:
    _, secret = keys.create(ALICE, "ci")
    auth = jwt_mode(None)
    with pytest.raises(Unauthenticated, match="signature"):
        auth.authenticate(f"Bearer {secret}")
    assert Authenticator("none", None).authenticate(f"Bearer {secret}").sub == "local"


def test_gateway_claims_are_used_only_when_trusted(keys: ApiKeysService) -> None:
    trusting = jwt_mode(keys, trust_gateway_claims=True)
    assert trusting.authenticate("Bearer opaque", CLAIMS) == Principal("gw-user", "gateway")
    assert isinstance(trusting.verifier, FakeVerifier)
    assert trusting.verifier.seen == []  # verified once, by the gateway
    # Without the setting, the same claims are ignored and the token itself is checked.
    distrusting = jwt_mode(keys)
    with pytest.raises(Unauthenticated):
        distrusting.authenticate("Bearer opaque", CLAIMS)
    assert distrusting.authenticate("Bearer good-alice", CLAIMS).sub == "alice"
    # Trusted, but no claims in the event (a route without the authorizer): verify the token.
    assert trusting.authenticate("Bearer good-alice", None) == Principal("alice", "jwt")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://cognito-idp.example/another-pool"}, "another issuer"),
        ({"client_id": "another-client"}, "another audience"),
        ({"aud": "another-client"}, "another audience"),
        ({"sub": ""}, "no subject"),
        ({"sub": None}, "no subject"),
    ],
)
def test_gateway_claims_from_another_pool_or_client_are_refused(
    keys: ApiKeysService, changes: dict[str, Any], reason: str
) -> None:
    auth = jwt_mode(keys, trust_gateway_claims=True)
    with pytest.raises(Unauthenticated, match=reason):
        auth.authenticate("Bearer good-alice", {**CLAIMS, **changes})


def test_audience_rules_follow_api_gateway() -> None:
    assert accepts_audience({"aud": "a"}, ["a"])
    assert accepts_audience({"aud": ["x", "a"]}, ["a"])
    assert accepts_audience({"aud": "[x a]"}, ["a"])  # API Gateway's flattened array
    assert accepts_audience({"client_id": "a"}, ["a"])
    assert not accepts_audience({"aud": "x", "client_id": "a"}, ["a"])  # aud, when present, rules
    assert not accepts_audience({"aud": 7}, ["a"])
    assert not accepts_audience({}, ["a"])
    assert gateway_subject({"sub": "s", "iss": "i", "aud": "a"}, "i", ["a"]) == "s"


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("BEARER abc") == "abc"
    assert bearer_token("Bearer") is None
    assert bearer_token("Token abc") is None
    assert bearer_token(None) is None


def test_keys_are_stored_as_hashes_and_listed_without_secrets(keys: ApiKeysService) -> None:
    key, secret = keys.create(ALICE, "  deploy bot ")
    assert secret.startswith("sk_")
    assert len(secret) == 46
    assert key.name == "deploy bot"
    assert key.hint == secret[:10]
    stored = keys.keys.by_hash(key.key_hash)
    assert stored == key
    assert secret not in repr(stored)
    assert keys.list("alice") == [key]
    assert keys.list("bob") == []


def test_keys_cannot_manage_keys(keys: ApiKeysService) -> None:
    key, _ = keys.create(ALICE, "ci")
    machine = Principal("alice", "api_key")
    with pytest.raises(Forbidden):
        keys.create(machine, "successor")
    with pytest.raises(Forbidden):
        keys.revoke(machine, key.key_id)
    assert keys.list("alice") == [key]


def test_another_owners_key_cannot_be_revoked(keys: ApiKeysService) -> None:
    key, secret = keys.create(ALICE, "ci")
    with pytest.raises(NotFound):
        keys.revoke(Principal("bob", "jwt"), key.key_id)
    assert keys.owner_of(secret) == "alice"


def test_an_owner_has_a_bounded_number_of_keys(keys: ApiKeysService) -> None:
    for number in range(MAX_KEYS_PER_OWNER):
        keys.create(ALICE, f"key {number}")
    with pytest.raises(Conflict, match="revoke one"):
        keys.create(ALICE, "one too many")
    keys.create(Principal("bob", "jwt"), "bob's first")


def test_last_use_is_recorded_at_most_once_an_hour(keys: ApiKeysService, clock: FakeClock) -> None:
    _, secret = keys.create(ALICE, "ci")
    assert keys.list("alice")[0].last_used_at is None
    first = clock.now
    keys.owner_of(secret)
    clock.now = first + timedelta(minutes=59)
    keys.owner_of(secret)
    assert keys.list("alice")[0].last_used_at == first
    clock.now = first + timedelta(hours=1)
    keys.owner_of(secret)
    assert keys.list("alice")[0].last_used_at == clock.now


def test_a_failed_last_use_write_does_not_refuse_the_key(
    keys: ApiKeysService, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, secret = keys.create(ALICE, "ci")

    def fail(key_hash: str, now: datetime) -> None:
        raise RuntimeError("throttled")

    monkeypatch.setattr(keys.keys, "record_use", fail)
    assert keys.owner_of(secret) == "alice"


def test_jwt_mode_without_a_verifier_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="verifier"):
        Authenticator("jwt", None)
