"""`shortstack keys`: the operator makes, lists and revokes API keys through the use case
`/api/v1/keys` calls; a key made here authenticates its owner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.cli import main
from tests.conftest import settings_for


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    return tmp_path


def keys(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["keys", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_key_made_here_authenticates_its_owner_until_revoked(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = keys(capsys, "create", "ci deploys", "--owner", "user-123")
    assert code == 0
    secret = out.strip()
    assert secret.startswith("sk_")
    assert out.count("\n") == 1  # the secret alone: KEY=$(shortstack keys create ci)
    assert "shown this once" in err
    assert secret not in err

    container = bootstrap(settings_for("sqlite", data))
    try:
        assert container.apikeys.owner_of(secret) == "user-123"
    finally:
        container.close()

    code, out, _ = keys(capsys, "--json", "list", "--owner", "user-123")
    [listed] = [json.loads(line) for line in out.splitlines()]
    assert listed["name"] == "ci deploys"
    assert listed["last_used_at"] is not None  # it authenticated above
    assert secret[:10] == listed["hint"]
    assert "secret" not in listed
    code, out, _ = keys(capsys, "list", "--owner", "user-123")
    assert out.startswith(f"{listed['key_id']}  {listed['hint']}...  ci deploys  (made ")
    assert keys(capsys, "list")[2].endswith("shortstack: no keys (owner 'local')\n")

    assert keys(capsys, "revoke", listed["key_id"])[0] == 1  # another owner's: not found
    assert keys(capsys, "revoke", listed["key_id"], "--owner", "user-123")[0] == 0
    container = bootstrap(settings_for("sqlite", data))
    try:
        assert container.apikeys.owner_of(secret) is None
    finally:
        container.close()
    code, _, err = keys(capsys, "revoke", listed["key_id"], "--owner", "user-123")
    assert code == 1
    assert "not found" in err


def test_json_create_carries_the_secret_once(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = keys(capsys, "create", "bot", "--json")
    assert (code, err) == (0, "")
    made = json.loads(out)
    assert made["secret"].startswith("sk_")
    assert made["name"] == "bot"


@pytest.mark.parametrize(
    ("args", "env", "reason"),
    [
        (["create", "a\nb"], {}, "invalid request: name: text must not contain control characters"),
        (["create", "x" * 101], {}, "name"),
        (["create", "ci"], {"API_KEYS_ENABLED": "false"}, "API_KEYS_ENABLED=false"),
    ],
)
def test_a_refused_key_says_why_in_one_line_and_makes_nothing(
    data: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    reason: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = keys(capsys, *args)
    assert (code, out) == (1, "")
    assert reason in err.splitlines()[-1]
    monkeypatch.delenv("API_KEYS_ENABLED", raising=False)
    assert keys(capsys, "--json", "list")[1] == ""
