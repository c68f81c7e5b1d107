"""The command line as a person meets it: version, help, where the data is, clear refusals."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest
from bench.run import RESULTS, results_path

from shortstack import __version__
from shortstack.entrypoints.cli import main


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no data directory, as when a command runs from the wrong place."""
    monkeypatch.chdir(tmp_path)
    # The default, set through monkeypatch so that `--data-dir` (which sets it) is undone.
    monkeypatch.setenv("DATA_DIR", ".data")
    monkeypatch.setenv("STORAGE", "sqlite")
    (tmp_path / "links.csv").write_text("url\nhttps://example.com/a\n")
    return tmp_path


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"shortstack {__version__}"


def test_help_speaks_to_users_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "shortstack import links.csv" in out
    assert "--data-dir" in out
    # Not the module's note to developers about how commands register themselves.
    assert "COMMANDS" not in out
    assert "sub-parser" not in out


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "links.csv"],
        ["dlq", "list"],
        ["maintenance", "run"],
        ["events", "put", "--source", "s", "--detail-type", "T", "--detail", "{}"],
    ],
)
def test_a_command_refuses_to_create_an_empty_data_directory(
    elsewhere: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"no data directory at {elsewhere / '.data'}" in err
    assert "DATA_DIR" in err
    assert not (elsewhere / ".data").exists()


def test_a_command_says_which_data_it_uses(
    elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = elsewhere / "kept"
    data.mkdir()
    assert main(["--data-dir", str(data), "dlq", "list"]) == 0
    captured = capsys.readouterr()
    assert f"shortstack: data in {data} (SQLite, DATA_DIR)" in captured.err
    assert "0 dead letter(s)" in captured.out


@pytest.mark.parametrize(
    "argv",
    [
        ["dlq", "list", "--data-dir", "{data}"],
        ["dlq", "--data-dir", "{data}", "list"],
        ["--data-dir", "{elsewhere}", "dlq", "list", "--data-dir", "{data}"],  # the last wins
        ["links", "list", "--data-dir", "{data}"],
        ["maintenance", "run", "--data-dir", "{data}"],
    ],
)
def test_the_data_directory_may_follow_the_command(
    elsewhere: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    data = elsewhere / "kept"
    data.mkdir()
    named = [arg.format(data=data, elsewhere=elsewhere / "nowhere") for arg in argv]
    assert main(named) == 0
    assert f"shortstack: data in {data} (SQLite, DATA_DIR)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["--data-dir", "", "dlq", "list"], ["dlq", "list", "--data-dir", ""]]
)
def test_an_empty_data_directory_option_is_refused_not_taken_for_the_default(
    elsewhere: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # `--data-dir "$UNSET"`: the default folder is there, and must not be used silently.
    (elsewhere / ".data").mkdir()
    with pytest.raises(SystemExit) as refused:
        main(argv)
    out, err = capsys.readouterr()
    assert (refused.value.code, out) == (2, "")
    assert "--data-dir" in err
    assert "shortstack: data in" not in err


def test_every_command_takes_the_shared_options_after_it() -> None:
    from shortstack.entrypoints.cli import build_parser

    parser = build_parser()
    for argv in (["cost"], ["serve"], ["create-table"], ["dev-token"], ["events", "put"]):
        usage = _help_of(parser, argv)
        assert "--data-dir" in usage, argv


def _help_of(parser: argparse.ArgumentParser, argv: list[str]) -> str:
    for name in argv:
        [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = subparsers.choices[name]
    return parser.format_help()


def test_import_to_a_stopped_server_says_no_server_answers(
    elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as holder:  # a port nobody listens on
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert main(["import", "links.csv", "--url", url]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach a server at {url}: nothing is listening there" in err
    assert "make run" in err
    assert "import refused" not in err


def test_serve_on_a_taken_port_says_so_in_one_line_before_any_banner(
    elsewhere: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(elsewhere / "fresh"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        f"shortstack: port {port} is already in use; set PORT=... (make run PORT=9000) "
        "or stop the program that holds it"
    )
    assert captured.out == ""  # no URL banner for a server that never started
    assert not (elsewhere / "fresh").exists()


def test_quick_and_partial_bench_runs_never_write_the_published_results() -> None:
    assert results_path(quick=False, skipped=False) == RESULTS
    for quick, skipped in ((True, False), (False, True), (True, True)):
        written = results_path(quick=quick, skipped=skipped)
        assert written != RESULTS
        assert ".work" in written.parts  # untracked (.gitignore)


@pytest.mark.parametrize("host", ["\udcff", "a" * 300])
def test_serve_on_a_host_that_cannot_be_a_name_says_so_in_one_line(
    elsewhere: Path, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    (elsewhere / ".data").mkdir()
    assert main(["serve", "--host", host, "--port", "8641"]) == 1
    err = capsys.readouterr().err
    assert "cannot listen on" in err
    assert "check HOST and PORT" in err
