"""`shortstack links bulk`: one action on many links from a terminal, as the API's bulk does."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.unit.test_cli_links import links, local_env  # noqa: F401 (a fixture)


def made(capsys: pytest.CaptureFixture[str], *aliases: str) -> None:
    for alias in aliases:
        assert links(capsys, "create", f"https://example.com/{alias}", "--alias", alias)[0] == 0


def shown(capsys: pytest.CaptureFixture[str], alias: str) -> dict[str, object]:
    code, out, _ = links(capsys, "--json", "show", alias)
    assert code == 0
    found: dict[str, object] = json.loads(out)
    return found


def test_each_id_gets_a_line_and_a_failure_makes_the_exit_1(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    made(capsys, "cli-one", "cli-two")
    code, out, err = links(capsys, "bulk", "add_tag", "cli-one", "--tag", "Q4", "nope", "cli-two")
    assert code == 1
    assert out.splitlines() == [
        "cli-one  200  changed",
        "nope  404  short link 'nope' not found",
        "cli-two  200  changed",
    ]
    assert err.endswith("add_tag: 2 changed; 1 failed\n")
    assert shown(capsys, "cli-two")["tags"] == ["q4"]


def test_ids_come_from_a_file_or_stdin_once_each_and_json_gives_the_apis_results(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made(capsys, "from-a", "from-b")
    listed = local_env / "ids.txt"
    listed.write_text("# campaign links\nfrom-a\n\nfrom-b\nfrom-a\n")
    code, out, _ = links(capsys, "--json", "bulk", "disable", "--ids-file", str(listed))
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": "from-a", "status": 200},
        {"id": "from-b", "status": 200},
    ]
    assert shown(capsys, "from-a")["is_active"] is False
    monkeypatch.setattr("sys.stdin", io.StringIO("from-b\n"))
    code, out, _ = links(capsys, "bulk", "delete", "--ids-file", "-")
    assert (code, out) == (0, "from-b  204  deleted\n")
    assert links(capsys, "show", "from-b")[0] == 1


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("bulk", "disable"), 2, "give ids as arguments or --ids-file"),
        (("bulk", "archive", "xyz"), 2, "invalid choice: 'archive'"),
        (("bulk", "add_tag", "xyz"), 1, "invalid request: tag: Field required"),
        (("bulk", "enable", "xyz", "--tag", "t"), 1, "invalid request: tag: Extra inputs"),
        (("bulk", "set_expiry", "xyz", "--expires-at", "2001-01-01T00:00:00Z"), 1, "in the future"),
        (("bulk", "disable", "--ids-file", "/no/such/file"), 1, "cannot read the ids"),
    ],
)
def test_what_the_api_refuses_is_refused_here_in_its_words(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    said: str,
) -> None:
    made(capsys, "xyz")
    argparse_refuses = args[1] == "archive"
    answered, _, err = _usage(capsys, *args) if argparse_refuses else links(capsys, *args)
    assert answered == code
    assert said in err
    assert shown(capsys, "xyz")["is_active"] is True


def _usage(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        links(capsys, *args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_over_a_thousand_ids_go_a_thousand_at_a_time(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    made(capsys, "far-end")
    ids = [f"none-{n}" for n in range(1_200)] + ["far-end"]
    code, out, err = links(capsys, "bulk", "disable", *ids)
    assert code == 1
    assert len(out.splitlines()) == 1_201
    assert out.splitlines()[-1] == "far-end  200  changed"
    assert err.endswith("disable: 1 changed; 1200 failed\n")
