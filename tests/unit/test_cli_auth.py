"""`shortstack serve` and auth: the loud banner, and a clear refusal instead of a traceback."""

from __future__ import annotations

import pytest

from shortstack.config import Settings
from shortstack.entrypoints.cli import main
from shortstack.entrypoints.cli_auth import auth_banner
from tests.auth_support import AUDIENCE, ISSUER, JWT_SETTINGS


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"AUTH_MODE": "jwt"}, "AUTH_MODE=jwt needs JWT_ISSUER, JWT_AUDIENCE"),
        ({"AUTH_MODE": "open"}, "AUTH_MODE: Input should be 'none' or 'jwt'"),
        (
            {"AUTH_MODE": "jwt", "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE,
             "JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"},
            "JWT_PUBLIC_KEY is not a PEM public key",
        ),
    ],
)  # fmt: skip
def test_serve_refuses_to_start_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    reason: str,
) -> None:
    monkeypatch.setenv("STORAGE", "memory")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shortstack: refusing to start: ")
    assert reason in err
    assert "Traceback" not in err


def test_none_mode_banner_is_loud_and_louder_beyond_loopback() -> None:
    local = "\n".join(auth_banner(Settings()))
    assert "AUTH_MODE=none: NO AUTHENTICATION" in local
    assert "'local'" in local
    assert "beyond this machine" not in local
    exposed = "\n".join(auth_banner(Settings(host="0.0.0.0")))
    assert "listens on 0.0.0.0, beyond this machine" in exposed


def test_jwt_banner_names_the_key_source() -> None:
    settings = Settings(auth_mode="jwt", **JWT_SETTINGS)
    banner = "\n".join(auth_banner(settings))
    assert f"issuer={ISSUER}" in banner
    assert "keys=JWT_PUBLIC_KEY" in banner
    assert "NO AUTHENTICATION" not in banner
