"""`shortstack links` on a local SQLite store: the API's rules, from a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shortstack.bootstrap import bootstrap
from shortstack.domain.auth import LOCAL_USER
from shortstack.domain.visits import Visit
from shortstack.entrypoints.cli import main
from shortstack.service_layer.redirects import Redirect
from tests.conftest import settings_for

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148 Safari/604.1"


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    return tmp_path


def links(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["links", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_link_made_here_has_every_option_and_redirects_by_its_rules(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = links(
        capsys,
        "--json",
        "create",
        "https://example.com/launch",
        "--alias", "launch",
        "--title", "Launch",
        "--tag", "News", "--tag", "ios",
        "--max-visits", "100",
        "--redirect-status", "307",
        "--forward-query",
        "--fallback-url", "https://example.com/over",
        "--rule", '{"url": "https://apps.apple.com/app", "device": "ios"}',
        "--variant", "https://example.com/b?x=1=30",
        "--variant", "https://example.com/c=70",
    )  # fmt: skip
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert shown["short_id"] == "launch"
    assert shown["tags"] == ["news", "ios"]
    assert (shown["max_visits"], shown["redirect_status"], shown["forward_query"]) == (
        100,
        307,
        True,
    )
    assert [v["url"] for v in shown["variants"]] == [
        "https://example.com/b?x=1",
        "https://example.com/c",
    ]

    # Stored for the local server: its redirect follows the rule for an iPhone.
    container = bootstrap(settings_for("sqlite", local_env))
    try:
        answer = container.redirects.follow("launch", Visit.from_headers(None, IPHONE, None))
        assert isinstance(answer, Redirect)
        assert answer.location == "https://apps.apple.com/app"
        assert container.links.get(LOCAL_USER, "launch").title == "Launch"
    finally:
        container.close()


def test_list_show_and_delete(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for alias, tag in (("first", "a"), ("second", "b")):
        assert (
            links(capsys, "create", f"https://example.com/{alias}", "--alias", alias, "--tag", tag)[
                0
            ]
            == 0
        )
    code, out, _ = links(capsys, "list")
    assert code == 0
    assert [line.split()[0].rsplit("/", 1)[1] for line in out.splitlines()] == ["second", "first"]
    assert "https://example.com/second" in out
    assert "[active, 0 clicks]" in out
    code, out, _ = links(capsys, "--json", "list", "--tag", "a")
    assert [json.loads(line)["short_id"] for line in out.splitlines()] == ["first"]
    assert (
        json.loads(links(capsys, "--json", "show", "first")[1])["url"]
        == "https://example.com/first"
    )
    assert links(capsys, "delete", "first")[0] == 0
    code, _, err = links(capsys, "show", "first")
    assert code == 1
    assert "'first' not found" in err


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["ftp://example.com/x"], "scheme 'ftp' is not allowed"),
        (["https://example.com", "--alias", "a b"], "alias"),
        (["https://example.com", "--max-visits", "0"], "max_visits"),
        (["https://example.com", "--password", "abc"], "password"),
        (["https://example.com", "--rule", "{not json"], "--rule '{not json' is not JSON"),
        (["https://example.com", "--rule", '{"url": "https://a.io", "device": "tv"}'], "device"),
        (["https://example.com", "--rule", '{"url": "https://a.example"}'], "one condition"),
        (["https://example.com", "--variant", "https://a.example"], "write URL=WEIGHT"),
        (["https://example.com", "--variant", "https://a.example=500", "--variant", "https://b.example=1"],
         "weight"),
        (["https://example.com", "--expires-at", "tomorrow"], "expires_at"),
    ],
)  # fmt: skip
def test_a_refused_link_says_why_in_one_line_and_stores_nothing(
    local_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], reason: str
) -> None:
    code, out, err = links(capsys, "create", *args)
    assert code == 1
    assert out == ""
    message = err.strip().splitlines()[-1]
    assert message.startswith("shortstack: ")
    assert reason in message, err
    assert links(capsys, "list")[1] == ""


def test_a_taken_alias_is_refused(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert links(capsys, "create", "https://example.com/1", "--alias", "taken")[0] == 0
    code, _, err = links(capsys, "create", "https://example.com/2", "--alias", "taken")
    assert code == 1
    assert "'taken' is already taken" in err


def test_a_missing_data_directory_is_refused_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(missing))
    code, _, err = links(capsys, "list")
    assert code == 2
    assert "no data directory" in err
    assert not missing.exists()
