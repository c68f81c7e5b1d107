"""`shortstack links` options read where a stranger types them.

The README shows `shortstack links list [--tag news]  # ... --json for one object a line`,
and `--owner` names whose links every action acts on: both are taken after the action's
name as well as before it, as `--data-dir` is, the later one winning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shortstack.entrypoints.cli import main


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    return tmp_path


def links(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["links", *args])
    return code, capsys.readouterr().out


def test_json_after_the_action(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = links(capsys, "create", "https://example.com/a", "--alias", "alpha", "--json")
    assert code == 0
    assert json.loads(out)["short_id"] == "alpha"
    code, out = links(capsys, "list", "--json")
    assert code == 0
    assert [json.loads(line)["short_id"] for line in out.splitlines()] == ["alpha"]
    code, out = links(capsys, "show", "alpha", "--json")
    assert json.loads(out)["url"] == "https://example.com/a"


def test_owner_after_the_action(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = links(capsys, "create", "https://example.com/b", "--alias", "bravo", "--owner", "bob")
    assert made[0] == 0
    assert links(capsys, "--json", "list", "--owner", "bob")[1].count("\n") == 1
    assert links(capsys, "--json", "list")[1] == ""  # not the local owner's
    assert links(capsys, "--owner", "bob", "--json", "list")[1].count("\n") == 1
    # given both ways, the later one wins
    assert links(capsys, "--owner", "bob", "--json", "list", "--owner", "carol")[1] == ""
    assert links(capsys, "delete", "bravo", "--owner", "bob")[0] == 0
