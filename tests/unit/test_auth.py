"""Auth over HTTP: 401 challenges, ownership across callers in both modes, API keys, the Lambda."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shortstack.bootstrap import Container, bootstrap
from shortstack.config import Settings
from shortstack.domain.auth import Principal
from shortstack.entrypoints.http.app import create_app
from tests.auth_support import (
    AUDIENCE,
    ISSUER,
    JWT_SETTINGS,
    RSA_KEY,
    access_token,
    bearer,
    hs256_signed_with_the_public_key,
    jwt_mode_client,
    pem,
    tampered,
    token,
    unsigned,
)
from tests.conftest import TABLE_NAME, settings_for
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event, response_json

ITEM = {"name": "Lamp", "price": 10, "category": "home"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    with jwt_mode_client(tmp_path) as client:
        yield client


SAMPLE_ID = re.compile(r"\{(\w+)\}")


def sample_id(match: re.Match[str]) -> str:
    """A value for a path parameter: its own name, or an id of the shape the route matches."""
    return "0" * 32 if match[1] == "import_id" else match[1]


def protected_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) the OpenAPI document says needs a bearer token, ids filled in.

    (A password link's 401 is no bearer challenge: those operations need no token.)
    """
    found = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        for method, operation in item.items():
            if operation.get("security"):
                found.append((method.upper(), SAMPLE_ID.sub(sample_id, path)))
    return found


def test_every_protected_operation_answers_401_with_a_bare_challenge(api: TestClient) -> None:
    operations = protected_operations(api)
    assert len(operations) >= 17
    for method, path in operations:
        response = api.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == 'Bearer realm="shortstack"'
        if method != "HEAD":  # a HEAD's answer has no body
            assert response.json() == {"message": "a bearer token is required"}


def test_health_docs_frontend_and_redirects_stay_public(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    public = {p for p, item in paths.items() if not any(o.get("security") for o in item.values())}
    assert public == {
        "/health",
        "/{short_id}",
        "/api/v1/unlock/{short_id}",
        # A link's QR code, public like the short URL it encodes (decision 0115).
        "/api/v1/qr/{short_id}",
        # The local upload URL carries its own credential, a signature, like a presigned URL.
        "/api/v1/imports/uploads/{import_id}",
    }
    assert api.get("/health").status_code == 200
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert api.get(path).status_code == 200
    assert api.get("/").status_code == 200  # the page (web/ is in the repository), no 401
    assert api.get("/nosuch1").status_code == 404  # a redirect's answer, not a 401


def test_the_bearer_scheme_is_documented_in_jwt_mode_only(
    api: TestClient, client: TestClient
) -> None:
    document = api.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
    assert document["paths"]["/api/v1/items"]["get"]["security"] == [{"HTTPBearer": []}]
    local = client.get("/openapi.json").json()  # none mode: no credential is required
    assert "securitySchemes" not in local["components"]
    assert "security" not in local["paths"]["/api/v1/items"]["get"]


@pytest.mark.parametrize(
    ("bad_token", "reason"),
    [
        (lambda: token(exp=1_000_000_000), "the token has expired"),
        (lambda: token(iss="https://evil.example.com/"), "the token is from another issuer"),
        (lambda: token(aud="another-app"), "the token is for another audience"),
        (lambda: tampered(token("alice"), sub="mallory"), "the token's signature does not verify"),
        (unsigned, "the token's algorithm is not accepted"),
        (
            lambda: hs256_signed_with_the_public_key(pem(RSA_KEY)),
            "the token's algorithm is not accepted",
        ),
        (lambda: "not.a.jwt", "the token is malformed"),
    ],
)
def test_bad_tokens_are_401_invalid_token(api: TestClient, bad_token: Any, reason: str) -> None:
    response = api.get("/api/v1/links", headers=bearer(bad_token()))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        f'Bearer realm="shortstack", error="invalid_token", error_description="{reason}"'
    )
    assert response.json() == {"message": reason}


def test_the_challenge_never_carries_quotes_or_backslashes() -> None:
    from shortstack.domain.errors import Unauthenticated
    from shortstack.entrypoints.http.errors import bearer_challenge

    challenge = bearer_challenge(Unauthenticated('bad "quote" \\ and\nnewline é'))
    assert challenge.endswith('error_description="bad quote  andnewline "')


def test_users_me_says_who_and_how(api: TestClient) -> None:
    assert api.get("/api/v1/users/me", headers=bearer(token("alice"))).json() == {
        "sub": "alice",
        "auth_mode": "jwt",
        "via": "jwt",
    }
    assert api.get("/api/v1/users/me", headers=bearer(access_token("dave"))).json()["sub"] == "dave"


def assert_cannot_touch(api: TestClient, other: dict[str, str], link: str, item: str) -> None:
    """`other` gets 404 for everything about the link and the item, and lists none of them."""
    for method, path, body in [
        ("GET", f"/api/v1/links/{link}", None),
        ("PATCH", f"/api/v1/links/{link}", {"is_active": False}),
        ("GET", f"/api/v1/links/{link}/stats", None),
        ("DELETE", f"/api/v1/links/{link}", None),
        ("GET", f"/api/v1/items/{item}", None),
        ("PUT", f"/api/v1/items/{item}", {"name": "Mine now"}),
        ("DELETE", f"/api/v1/items/{item}", None),
    ]:
        response = api.request(method, path, json=body, headers=other)
        assert response.status_code == 404, (method, path)
    assert api.get("/api/v1/links", headers=other).json() == []
    assert api.get("/api/v1/items", headers=other).json() == []


def test_in_jwt_mode_each_caller_sees_only_their_own(api: TestClient) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    link = api.post("/api/v1/links", json={"url": "https://example.com/a"}, headers=alice).json()
    item = api.post("/api/v1/items", json=ITEM, headers=alice).json()
    assert_cannot_touch(api, bob, link["short_id"], item["item_id"])
    # Nothing changed for alice, and her link still redirects anyone (redirects are public).
    assert api.get(f"/api/v1/links/{link['short_id']}", headers=alice).json()["is_active"]
    assert api.get(f"/api/v1/items/{item['item_id']}", headers=alice).json()["name"] == "Lamp"
    assert [x["short_id"] for x in api.get("/api/v1/links", headers=alice).json()] == [
        link["short_id"]
    ]
    assert api.get(f"/{link['short_id']}", follow_redirects=False).status_code == 302


def test_in_jwt_mode_exports_hold_only_the_callers_own(api: TestClient) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    mine = api.post("/api/v1/links", json={"url": "https://example.com/a"}, headers=alice).json()
    theirs = api.post("/api/v1/links", json={"url": "https://example.com/b"}, headers=bob).json()
    exported = api.get("/api/v1/links?format=csv", headers=alice).text.splitlines()
    assert len(exported) == 2
    assert exported[1].startswith(f"{mine['short_id']},")
    assert theirs["short_id"] not in api.get("/api/v1/links?format=csv", headers=alice).text
    stats = f"/api/v1/links/{theirs['short_id']}/stats?format=csv"
    assert api.get(stats, headers=alice).status_code == 404
    assert api.get(stats, headers=bob).status_code == 200
    assert api.get("/api/v1/links?format=csv").status_code == 401


def test_in_jwt_mode_imports_belong_to_their_submitter(api: TestClient) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    submitted = api.post(
        "/api/v1/imports",
        content=b"url\nhttps://example.com/imported\n",
        headers={**alice, "content-type": "text/csv"},
    )
    assert submitted.status_code == 202
    import_id = submitted.json()["import_id"]
    assert api.get(f"/api/v1/imports/{import_id}", headers=alice).status_code == 200
    assert api.get(f"/api/v1/imports/{import_id}", headers=bob).status_code == 404


def test_in_jwt_mode_the_user_directory_is_self_service(api: TestClient) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    profile = {"userId": "alice", "name": "Alice", "email": "alice@example.com"}
    refused = api.post("/api/v1/users", json={**profile, "userId": "carol"}, headers=alice)
    assert refused.status_code == 403
    assert api.post("/api/v1/users", json=profile, headers=alice).status_code == 201
    assert api.get("/api/v1/users/alice", headers=alice).json()["email"] == "alice@example.com"
    assert api.get("/api/v1/users/alice", headers=bob).status_code == 404
    assert api.delete("/api/v1/users/alice", headers=bob).status_code == 404
    assert api.delete("/api/v1/users/alice", headers=alice).status_code == 204


def register(api: TestClient, user_id: str) -> dict[str, str]:
    headers = bearer(token(user_id))
    profile = {"userId": user_id, "name": user_id.title(), "email": f"{user_id}@example.com"}
    assert api.post("/api/v1/users", json=profile, headers=headers).status_code == 201
    return headers


def test_in_jwt_mode_the_user_list_shows_only_yourself(api: TestClient) -> None:
    alice = register(api, "alice")
    register(api, "bob")
    listed = api.get("/api/v1/users", headers=alice)
    assert listed.status_code == 200
    assert [user["userId"] for user in listed.json()] == ["alice"]
    unregistered = bearer(token("carol"))
    assert api.get("/api/v1/users", headers=unregistered).json() == []
    assert api.get("/api/v1/users").status_code == 401


def test_members_of_the_admin_group_list_every_user(tmp_path: Path) -> None:
    with jwt_mode_client(tmp_path, admin_group="operators") as api:
        register(api, "alice")
        register(api, "bob")
        admin = bearer(token("root", **{"cognito:groups": ["staff", "operators"]}))
        other_group = bearer(token("eve", **{"cognito:groups": ["staff"]}))
        listed = api.get("/api/v1/users", headers=admin).json()
        assert [user["userId"] for user in listed] == ["bob", "alice"]
        assert api.get("/api/v1/users", headers=other_group).json() == []
        # Whom the list shows, each record shows too; managing them stays each user's own.
        assert api.get("/api/v1/users/alice", headers=admin).json()["userId"] == "alice"
        assert api.get("/api/v1/users/alice", headers=other_group).status_code == 404
        assert api.delete("/api/v1/users/alice", headers=admin).status_code == 404


def test_api_keys_act_as_their_owner_until_revoked(api: TestClient) -> None:
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    created = api.post("/api/v1/keys", json={"name": "deploy bot"}, headers=alice)
    assert created.status_code == 201
    key = created.json()
    assert key["secret"].startswith("sk_")
    assert key["hint"] == key["secret"][:10]
    assert key["last_used_at"] is None
    machine = bearer(key["secret"])
    assert api.get("/api/v1/users/me", headers=machine).json() == {
        "sub": "alice",
        "auth_mode": "jwt",
        "via": "api_key",
    }
    made = api.post("/api/v1/links", json={"url": "https://example.com/bot"}, headers=machine)
    assert made.status_code == 201
    assert api.get(f"/api/v1/links/{made.json()['short_id']}", headers=alice).status_code == 200
    listed = api.get("/api/v1/keys", headers=alice).json()
    assert [k["key_id"] for k in listed] == [key["key_id"]]
    assert "secret" not in listed[0]
    assert listed[0]["last_used_at"] is not None
    # A key cannot mint a successor that would survive its own revocation.
    assert api.post("/api/v1/keys", json={"name": "heir"}, headers=machine).status_code == 403
    assert api.get("/api/v1/keys", headers=bob).json() == []
    assert api.delete(f"/api/v1/keys/{key['key_id']}", headers=bob).status_code == 404
    assert api.delete(f"/api/v1/keys/{key['key_id']}", headers=alice).status_code == 204
    revoked = api.get("/api/v1/users/me", headers=machine)
    assert revoked.status_code == 401
    assert revoked.json()["message"] == "unknown or revoked API key"
    assert 'error="invalid_token"' in revoked.headers["www-authenticate"]


def test_a_known_caller_without_the_right_gets_an_insufficient_scope_challenge(
    tmp_path: Path,
) -> None:
    """RFC 6750 3.1: a valid token that may not do this is a 403 whose challenge says so;
    an upload URL's bad signature is no bearer matter and gets none."""
    with jwt_mode_client(tmp_path, admin_group="operators") as api:
        alice = bearer(token("alice"))
        secret = api.post("/api/v1/keys", json={"name": "bot"}, headers=alice).json()["secret"]
        carol = {"userId": "carol", "name": "Carol", "email": "carol@example.com"}
        refusals = [
            api.get("/api/v1/visits/orphan", headers=alice),
            api.post("/api/v1/users", json=carol, headers=alice),
            api.post("/api/v1/keys", json={"name": "heir"}, headers=bearer(secret)),
        ]
        for refused in refusals:
            assert refused.status_code == 403
            message = refused.json()["message"]
            assert refused.headers["www-authenticate"] == (
                f'Bearer realm="shortstack", error="insufficient_scope", '
                f'error_description="{message}"'
            )
        upload = api.post(
            "/api/v1/imports/uploads", json={"filename": "a.csv", "size": 20}, headers=alice
        ).json()
        forged = upload["upload_url"].replace("signature=", "signature=0")
        landed = api.put(forged, content=b"url\nhttps://example.com/\n", headers=TEXT_CSV)
        assert landed.status_code == 403
        assert "www-authenticate" not in landed.headers


TEXT_CSV = {"content-type": "text/csv"}


def test_where_api_keys_are_turned_off_none_is_minted(tmp_path: Path) -> None:
    """The deployed wiring (API_KEYS_ENABLED=false: the gateway's JWT authorizer refuses
    `sk_` headers) handed out secrets that could never authenticate, and that would all start
    working, wherever they had been pasted, the day the setting was turned on."""
    with jwt_mode_client(tmp_path, api_keys_enabled=False) as api:
        alice = bearer(token("alice"))
        refused = api.post("/api/v1/keys", json={"name": "bot"}, headers=alice)
        assert refused.status_code == 403
        assert "API_KEYS_ENABLED" in refused.json()["message"]
        assert "www-authenticate" not in refused.headers
        assert api.get("/api/v1/keys", headers=alice).json() == []


def test_in_none_mode_nothing_changes_for_the_local_user(client: TestClient) -> None:
    me = client.get("/api/v1/users/me")
    assert me.json() == {"sub": "local", "auth_mode": "none", "via": "none"}
    # A stray token changes nothing: there is nothing to verify it against.
    assert client.get("/api/v1/items", headers=bearer(token("alice"))).status_code == 200
    profile = {"userId": "carol", "name": "Carol", "email": "carol@example.com"}
    assert client.post("/api/v1/users", json=profile).status_code == 201
    assert client.get("/api/v1/users/carol").status_code == 200


def test_in_none_mode_an_api_key_still_acts_as_its_owner(
    client: TestClient, sqlite_container: Container
) -> None:
    link = client.post("/api/v1/links", json={"url": "https://example.com/local"}).json()
    item = client.post("/api/v1/items", json=ITEM).json()
    _, secret = sqlite_container.apikeys.create(Principal("bob", "jwt"), "bob's bot")
    bob = bearer(secret)
    assert client.get("/api/v1/users/me", headers=bob).json()["sub"] == "bob"
    assert_cannot_touch(client, bob, link["short_id"], item["item_id"])
    assert client.get(f"/api/v1/links/{link['short_id']}").status_code == 200
    bad = client.get("/api/v1/items", headers=bearer("sk_" + "A" * 43))
    assert bad.status_code == 401


def test_an_unreachable_jwks_is_a_503_without_a_challenge(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_for(
        "memory",
        tmp_path,
        auth_mode="jwt",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_jwks_url=f"http://127.0.0.1:{port}/jwks.json",
    )
    with TestClient(create_app(bootstrap(settings))) as client:
        response = client.get("/api/v1/items", headers=bearer(token()))
    assert response.status_code == 503
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"auth_mode": "jwt"}, "JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL or JWT_PUBLIC_KEY"),
        ({"auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE}, "JWT_JWKS_URL"),
        ({"auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_public_key": "x"}, "JWT_AUDIENCE"),
        ({**JWT_SETTINGS, "auth_mode": "jwt", "jwt_audience": " , "}, "JWT_AUDIENCE"),
        ({**JWT_SETTINGS, "auth_mode": "jwt", "jwt_jwks_url": "https://x/"}, "not both"),
        (
            {"auth_mode": "jwt", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE,
             "jwt_jwks_url": "http://idp.example.com/jwks.json"},
            "https",
        ),
        ({"auth_mode": "oidc"}, "auth_mode"),
        ({"auth_mode": ""}, "auth_mode"),
    ],
)  # fmt: skip
def test_an_incomplete_or_unknown_auth_configuration_refuses_to_start(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**env)  # type: ignore[arg-type]


def test_several_audiences_and_a_loopback_jwks_are_accepted() -> None:
    settings = Settings(
        auth_mode="jwt",
        jwt_issuer=ISSUER,
        jwt_audience="web, cli ",
        jwt_jwks_url="http://127.0.0.1:9/jwks.json",
    )
    assert settings.jwt_audiences == ("web", "cli")


def test_a_public_key_that_is_not_a_pem_key_refuses_to_start(tmp_path: Path) -> None:
    settings = settings_for(
        "memory", tmp_path, auth_mode="jwt", **{**JWT_SETTINGS, "jwt_public_key": "not a key"}
    )
    with pytest.raises(ValueError, match="PEM"):
        bootstrap(settings)


@pytest.fixture
def lambda_env(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in {
        "STORAGE": "dynamodb",
        "STAGE": "aws",
        "TABLE_NAME": TABLE_NAME,
        "AUTH_MODE": "jwt",
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
        "JWT_PUBLIC_KEY": pem(RSA_KEY),
        "TRUST_GATEWAY_CLAIMS": "true",
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_the_api_lambda_reads_the_claims_the_jwt_authorizer_verified(
    lambda_env: pytest.MonkeyPatch,
) -> None:
    module = fresh_import("shortstack.entrypoints.lambda_api")
    try:
        response = module.handler(load_event("apigw_v2_users_me_jwt.json"), FakeLambdaContext())
        assert response["statusCode"] == 200
        assert response_json(response) == {
            "sub": "7f3a9c2e-1b4d-4e6f-8a0b-2c3d4e5f6a7b",
            "auth_mode": "jwt",
            "via": "gateway",
        }
        # Claims from another user pool are refused, not re-verified from the header.
        event = load_event("apigw_v2_users_me_jwt.json")
        event["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] = "https://evil.example/"
        assert module.handler(event, FakeLambdaContext())["statusCode"] == 401
        # Without the authorizer's claims the app verifies the token itself: the fixture's
        # token is not signed by the configured key, so it fails; one of ours passes.
        event = load_event("apigw_v2_users_me_jwt.json")
        del event["requestContext"]["authorizer"]
        refused = module.handler(event, FakeLambdaContext())
        assert refused["statusCode"] == 401
        assert "invalid_token" in refused["headers"]["www-authenticate"]
        event["headers"]["authorization"] = f"Bearer {access_token('erin')}"
        accepted = module.handler(event, FakeLambdaContext())
        assert response_json(accepted) == {"sub": "erin", "auth_mode": "jwt", "via": "jwt"}
    finally:
        module.app.state.container.close()


def test_without_trust_the_lambda_ignores_the_event_claims(lambda_env: pytest.MonkeyPatch) -> None:
    lambda_env.setenv("TRUST_GATEWAY_CLAIMS", "false")
    module = fresh_import("shortstack.entrypoints.lambda_api")
    try:
        response = module.handler(load_event("apigw_v2_users_me_jwt.json"), FakeLambdaContext())
        assert response["statusCode"] == 401  # the claims were not used; the token is fake
    finally:
        module.app.state.container.close()


def test_the_local_server_cannot_be_fed_gateway_claims(tmp_path: Path) -> None:
    """No header becomes scope["aws.event"]: a client of uvicorn cannot forge claims."""
    settings = settings_for(
        "memory", tmp_path, auth_mode="jwt", trust_gateway_claims=True, **JWT_SETTINGS
    )
    with TestClient(create_app(bootstrap(settings))) as client:
        forged = client.get(
            "/api/v1/users/me",
            headers={"aws.event": '{"requestContext": {"authorizer": {}}}', "x-amzn-claims": "x"},
        )
    assert forged.status_code == 401
