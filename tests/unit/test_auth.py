"""Auth: JWT verification, API keys, ownership across callers, and the Lambda's claims."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.entrypoints.http.app import create_app
from tests.conftest import TABLE_NAME, settings_for
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event, response_json

ISSUER = "https://issuer.example.com/pool-1"
AUDIENCE = "shortstack-web"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def pem(private_key: Any) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def token(sub: str = "alice", key: Any = RSA_KEY, alg: str = "RS256", **claims: Any) -> str:
    body = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300, **claims}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": "test-key"})


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    settings = settings_for(
        "sqlite",
        tmp_path,
        auth_mode="jwt",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_public_key=pem(RSA_KEY),
    )
    container = bootstrap(settings)
    yield TestClient(create_app(container))
    container.close()


def test_no_token_is_a_401_with_a_bearer_challenge(api: TestClient) -> None:
    for method, path in [
        ("GET", "/api/v1/links"),
        ("POST", "/api/v1/items"),
        ("GET", "/api/v1/users/me"),
    ]:
        response = api.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == 'Bearer realm="shortstack"'
        assert response.json()["message"] == "a bearer token is required"


def test_health_docs_and_redirects_stay_public(api: TestClient) -> None:
    assert api.get("/health").status_code == 200
    assert api.get("/openapi.json").status_code == 200
    assert api.get("/nosuch1").status_code == 404  # a redirect answer, not a 401


def _hs256_signed_with_the_public_key() -> str:
    """The classic algorithm-confusion forgery (PyJWT refuses to make one, so by hand)."""
    import hashlib
    import hmac

    def part(value: dict[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(value).encode()).decode()

    claims = {"sub": "mallory", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}
    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
    mac = hmac.new(pem(RSA_KEY).encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{jwt.utils.base64url_encode(mac).decode()}"


def _tampered() -> str:
    header, payload, signature = token().split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = "mallory"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("bad_token", "reason"),
    [
        (token(exp=int(time.time()) - 120), "expired"),
        (token(iss="https://evil.example.com/"), "issuer"),
        (token(aud="another-app"), "audience"),
        (_tampered(), "Signature verification failed"),
        (jwt.encode({"sub": "x", "iss": ISSUER, "aud": AUDIENCE}, None, algorithm="none"), ""),
        (_hs256_signed_with_the_public_key(), ""),
        (token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)), "Signature"),
        ("not.a.jwt", ""),
    ],
)
def test_bad_tokens_are_401_invalid_token(api: TestClient, bad_token: str, reason: str) -> None:
    response = api.get("/api/v1/users/me", headers=bearer(bad_token))
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="shortstack", error="invalid_token"')
    assert reason in response.json()["message"]


def test_each_caller_sees_only_their_own_links_and_items(api: TestClient) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    assert api.get("/api/v1/users/me", headers=alice).json() == {"sub": "alice", "auth_mode": "jwt"}
    link = api.post("/api/v1/links", json={"url": "https://example.com/a"}, headers=alice).json()
    item = api.post(
        "/api/v1/items", json={"name": "Lamp", "price": 10, "category": "home"}, headers=alice
    ).json()
    for path in [f"/api/v1/links/{link['short_id']}", f"/api/v1/items/{item['item_id']}"]:
        assert api.get(path, headers=bob).status_code == 404
        assert api.delete(path, headers=bob).status_code == 404
        assert api.get(path, headers=alice).status_code == 200
    assert (
        api.patch(
            f"/api/v1/links/{link['short_id']}", json={"is_active": False}, headers=bob
        ).status_code
        == 404
    )
    assert (
        api.put(f"/api/v1/items/{item['item_id']}", json={"name": "Mine"}, headers=bob).status_code
        == 404
    )
    assert api.get(f"/api/v1/links/{link['short_id']}/stats", headers=bob).status_code == 404
    assert api.get("/api/v1/links", headers=bob).json() == []
    assert api.get("/api/v1/items", headers=bob).json() == []
    assert [x["short_id"] for x in api.get("/api/v1/links", headers=alice).json()] == [
        link["short_id"]
    ]
    # Redirects are public: anyone follows alice's link.
    assert api.get(f"/{link['short_id']}", follow_redirects=False).status_code == 302


def test_api_keys_act_as_their_owner_until_revoked(api: TestClient) -> None:
    alice = bearer(token("alice"))
    created = api.post("/api/v1/keys", json={"name": "deploy bot"}, headers=alice)
    assert created.status_code == 201
    key = created.json()
    assert key["secret"].startswith("sk_")
    assert key["hint"] == key["secret"][:10]
    machine = bearer(key["secret"])
    assert api.get("/api/v1/users/me", headers=machine).json()["sub"] == "alice"
    made = api.post("/api/v1/links", json={"url": "https://example.com/bot"}, headers=machine)
    assert made.status_code == 201
    listed = api.get("/api/v1/keys", headers=alice).json()
    assert [k["key_id"] for k in listed] == [key["key_id"]]
    assert "secret" not in listed[0]
    assert api.get("/api/v1/keys", headers=bearer(token("bob"))).json() == []
    assert (
        api.delete(f"/api/v1/keys/{key['key_id']}", headers=bearer(token("bob"))).status_code == 404
    )
    assert api.delete(f"/api/v1/keys/{key['key_id']}", headers=alice).status_code == 204
    revoked = api.get("/api/v1/users/me", headers=machine)
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["message"]
    assert api.get("/api/v1/users/me", headers=bearer("sk_" + "A" * 43)).status_code == 401


class _Jwks(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_url() -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(EC_KEY.public_key()))
    _Jwks.body = json.dumps(
        {"keys": [{**jwk, "kid": "test-key", "alg": "ES256", "use": "sig"}]}
    ).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def test_es256_tokens_verify_against_a_jwks_url(tmp_path: Path, jwks_url: str) -> None:
    settings = settings_for(
        "memory",
        tmp_path,
        auth_mode="jwt",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_jwks_url=jwks_url,
    )
    api = TestClient(create_app(bootstrap(settings)))
    good = api.get("/api/v1/users/me", headers=bearer(token("carol", key=EC_KEY, alg="ES256")))
    assert good.json()["sub"] == "carol"
    rsa_signed = api.get("/api/v1/users/me", headers=bearer(token("carol")))
    assert rsa_signed.status_code == 401


@pytest.mark.parametrize(
    "env",
    [
        {"auth_mode": "jwt"},
        {"auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE},
        {"auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_public_key": "x"},
        {"auth_mode": "oidc"},
    ],
)
def test_an_incomplete_or_unknown_auth_configuration_refuses_to_start(env: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings(**env)  # type: ignore[arg-type]


def test_the_api_lambda_reads_the_claims_the_jwt_authorizer_verified(
    moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "STORAGE": "dynamodb",
        "STAGE": "aws",
        "TABLE_NAME": TABLE_NAME,
        "AUTH_MODE": "jwt",
        "JWT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "JWT_AUDIENCE": "1h2j3k4l5m6n7o8p9q0r1",
        "JWT_PUBLIC_KEY": pem(RSA_KEY),
        "TRUST_GATEWAY_CLAIMS": "true",
    }.items():
        monkeypatch.setenv(name, value)
    module = fresh_import("shortstack.entrypoints.lambda_api")
    try:
        response = module.handler(load_event("apigw_v2_users_me_jwt.json"), FakeLambdaContext())
        assert response["statusCode"] == 200
        assert response_json(response) == {
            "sub": "7f3a9c2e-1b4d-4e6f-8a0b-2c3d4e5f6a7b",
            "auth_mode": "jwt",
        }
        # Without the authorizer's claims, the app verifies the token itself: this one fails.
        event = load_event("apigw_v2_users_me_jwt.json")
        del event["requestContext"]["authorizer"]
        refused = module.handler(event, FakeLambdaContext())
        assert refused["statusCode"] == 401
    finally:
        module.app.state.container.close()


def test_a_public_key_that_is_not_a_pem_key_refuses_to_start(tmp_path: Path) -> None:
    settings = settings_for(
        "memory",
        tmp_path,
        auth_mode="jwt",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_public_key="not a key",
    )
    with pytest.raises(ValueError, match="PEM"):
        bootstrap(settings)
