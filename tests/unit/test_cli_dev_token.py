"""`shortstack dev-token`: tokens a local jwt-mode server accepts, and nothing else."""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.entrypoints.cli import main
from shortstack.entrypoints.cli_dev_token import KEY_FILE
from shortstack.entrypoints.http.app import create_app
from tests.auth_support import RSA_KEY, pem


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("AUTH_MODE", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_PUBLIC_KEY", "JWT_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def exported(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Run `dev-token --env` and apply its exports, as `eval "$(...)"` would."""
    assert main(["dev-token", "--env"]) == 0
    for word in shlex.split(capsys.readouterr().out):
        if word != "export":
            name, _, value = word.partition("=")
            monkeypatch.setenv(name, value)


def test_env_then_a_token_that_the_jwt_server_accepts(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported(monkeypatch, capsys)
    key = data_dir / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert os.environ["AUTH_MODE"] == "jwt"
    assert main(["dev-token", "--sub", "alice", "--group", "ops"]) == 0
    token = capsys.readouterr().out.strip()
    container = bootstrap(Settings())
    try:
        with TestClient(create_app(container)) as client:
            me = client.get("/api/v1/users/me", headers={"authorization": f"Bearer {token}"})
            assert me.json() == {"sub": "alice", "auth_mode": "jwt", "via": "jwt"}
            assert client.get("/api/v1/users/me").status_code == 401
    finally:
        container.close()
    # A second --env keeps the same key: tokens already handed out stay valid.
    before = key.read_bytes()
    exported(monkeypatch, capsys)
    assert key.read_bytes() == before


def test_refused_in_none_mode(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.mkdir()
    assert main(["dev-token"]) == 2
    err = capsys.readouterr().err
    assert "AUTH_MODE is none" in err
    assert "dev-token --env" in err


def test_refused_when_the_server_trusts_another_key(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported(monkeypatch, capsys)
    monkeypatch.setenv("JWT_PUBLIC_KEY", pem(RSA_KEY))  # a real identity provider's key
    assert main(["dev-token"]) == 2
    assert "trusts another key" in capsys.readouterr().err


def test_refused_without_the_local_key(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported(monkeypatch, capsys)
    (data_dir / KEY_FILE).unlink()
    assert main(["dev-token"]) == 2
    assert "no local signing key" in capsys.readouterr().err


@pytest.mark.parametrize(
    "given", [["--sub", ""], ["--sub", "  "], ["--sub", "\udcff"], ["--group", ""]]
)
def test_a_subject_or_group_no_server_accepts_is_refused_not_signed(
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    given: list[str],
) -> None:
    exported(monkeypatch, capsys)
    with pytest.raises(SystemExit) as refused:
        main(["dev-token", *given])
    out, err = capsys.readouterr()
    assert (refused.value.code, out) == (2, "")
    assert given[0] in err
