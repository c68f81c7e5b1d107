"""Arguments that are not UTF-8: what a shell passes for `$'\\xff'` reaches Python as a lone
surrogate, which no store can hold. Each is refused in one line, before any data is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from shortstack.entrypoints.cli import main

# How Python decodes the byte 0xff in argv (surrogateescape).
NOT_UTF8 = "\udcff"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert main(["links", "create", "https://example.com", "--alias", "kept"]) == 0
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["links", "show", NOT_UTF8],
        ["links", "stats", NOT_UTF8],
        ["links", "delete", NOT_UTF8],
        ["links", "update", NOT_UTF8, "--disable"],
        ["links", "list", "--owner", NOT_UTF8],
        ["links", "--owner", NOT_UTF8, "list"],
        ["keys", "list", "--owner", NOT_UTF8],
        ["keys", "revoke", NOT_UTF8],
        ["seed", "--owner", NOT_UTF8, "--links", "1", "--clicks", "0"],
    ],
)
def test_an_identifier_that_is_not_utf8_is_refused_in_one_line(
    data: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "not UTF-8" in err.splitlines()[-1]
    assert "Traceback" not in err
