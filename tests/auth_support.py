"""Test identities: signing keys made per run, tokens signed with them, a local JWKS server,
and an app in AUTH_MODE=jwt that trusts those tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.clock import Clock, utc_now
from shortstack.entrypoints.http.app import create_app
from shortstack.service_layer.ports import WebhookTransport
from tests.conftest import settings_for

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"
AUDIENCE = "1h2j3k4l5m6n7o8p9q0r1"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def pem(private_key: Any) -> str:
    """The PEM public key of a private key (what JWT_PUBLIC_KEY holds)."""
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# What makes a server trust `token()`'s tokens (without AUTH_MODE, so that tests of the
# configuration can leave a part out).
JWT_SETTINGS = {"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwt_public_key": pem(RSA_KEY)}


# Modules mint their tokens at import, and a worker may reach their tests many minutes
# after collection on a loaded machine: a token must outlive the whole run.
LIFETIME = 6 * 3600


def token(
    sub: str = "alice",
    key: Any = RSA_KEY,
    alg: str = "RS256",
    kid: str = "rsa-1",
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A token signed with `key`: valid for LIFETIME unless `claims` say otherwise."""
    body = {
        "sub": sub,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int(time.time()) + LIFETIME,
        **claims,
    }
    for name in drop:
        body.pop(name, None)
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def access_token(sub: str = "alice", client_id: str = AUDIENCE) -> str:
    """A Cognito-style access token: `client_id` and `token_use`, no `aud`."""
    return token(sub, drop=("aud",), client_id=client_id, token_use="access")


def _part(value: dict[str, Any]) -> str:
    return jwt.utils.base64url_encode(json.dumps(value).encode()).decode()


def hs256_signed_with_the_public_key(public_pem: str) -> str:
    """The classic algorithm-confusion forgery (PyJWT refuses to make one, so by hand)."""
    claims = {"sub": "mallory", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + LIFETIME}
    signing_input = f"{_part({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'})}.{_part(claims)}"
    mac = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{jwt.utils.base64url_encode(mac).decode()}"


def unsigned(sub: str = "mallory") -> str:
    """An `alg: none` token with an empty signature."""
    claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + LIFETIME}
    return f"{_part({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{_part(claims)}."


def tampered(original: str, **changes: Any) -> str:
    """`original` with its claims changed and its signature kept."""
    header, payload, signature = original.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims.update(changes)
    return f"{header}.{_part(claims)}.{signature}"


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def jwk(private_key: Any, kid: str) -> dict[str, Any]:
    """The public JWK of a private key, as a JWKS document lists it."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
        alg = "RS256"
    else:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key()))
        alg = "ES256"
    return {**public, "kid": kid, "alg": alg, "use": "sig"}


@dataclass
class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts its fetches; `keys` can change between them."""

    keys: list[dict[str, Any]]
    fetches: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def jwks_server(keys: list[dict[str, Any]]) -> Iterator[JwksServer]:
    state = JwksServer(keys)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.fetches += 1
                body = json.dumps({"keys": state.keys}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def jwt_mode_container(
    tmp_path: Path,
    *,
    clock: Clock = utc_now,
    webhook_transport: WebhookTransport | None = None,
    **settings: Any,
) -> Iterator[Container]:
    """A SQLite container in AUTH_MODE=jwt that trusts `token()`'s tokens; `settings` add
    to the Settings or override them."""
    container = bootstrap(
        settings_for("sqlite", tmp_path, **{"auth_mode": "jwt", **JWT_SETTINGS, **settings}),
        clock=clock,
        webhook_transport=webhook_transport,
    )
    try:
        yield container
    finally:
        container.close()


@contextmanager
def jwt_mode_client(
    tmp_path: Path,
    *,
    follow_redirects: bool = True,
    webhook_transport: WebhookTransport | None = None,
    **settings: Any,
) -> Iterator[TestClient]:
    """The HTTP app on a `jwt_mode_container`, its lifespan started."""
    with (
        jwt_mode_container(tmp_path, webhook_transport=webhook_transport, **settings) as built,
        TestClient(create_app(built), follow_redirects=follow_redirects) as client,
    ):
        yield client
