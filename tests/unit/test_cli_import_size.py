"""`shortstack import` reads a file only up to the upload limit: a file without end
(`/dev/zero`, a pipe) or one far too large is refused in one line, not read into memory."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.cli import main
from tests.conftest import settings_for


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMPORT_UPLOAD_MAX_BYTES", "1024")
    (tmp_path / "data").mkdir()
    return tmp_path


def test_a_file_over_the_upload_limit_is_refused_and_nothing_is_imported(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = data / "big.csv"
    big.write_text("".join(f"https://example.com/{n:06}\n" for n in range(100)))
    assert big.stat().st_size > 1024
    code = main(["import", str(big), "--quiet"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "1,024 bytes" in err
    assert "IMPORT_UPLOAD_MAX_BYTES" in err
    assert err.count("\n") == 1
    container = bootstrap(settings_for("sqlite", data / "data"))
    try:
        assert not list(container.links.export("local", _all()))
    finally:
        container.close()


def test_a_pipe_is_read_only_up_to_the_limit(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pipe has no size to look at first; a writer that would go on (as /dev/zero does)
    # is stopped by the reader leaving after the limit.
    pipe = data / "rows.csv"
    os.mkfifo(pipe)
    written: list[int] = []

    def write() -> None:
        with contextlib.suppress(BrokenPipeError), pipe.open("wb") as sink:
            for _ in range(64):
                written.append(sink.write(b"https://example.com/row\n" * 1000))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    code = main(["import", str(pipe), "--quiet"])
    writer.join(timeout=10)
    assert code == 2
    assert "larger than" in capsys.readouterr().err
    assert len(written) < 64


def _all() -> object:
    from shortstack.service_layer.link_browse import LinkQuery

    return LinkQuery()


def test_with_url_a_file_past_the_shipped_limit_goes_to_the_server_which_has_its_own(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A deployment may take up to 5 GiB (IMPORT_UPLOAD_MAX_BYTES); the server refuses a
    # size past its own limit when the upload is asked for, before any byte is sent.
    from shortstack.config import Settings
    from shortstack.entrypoints import cli_import

    shipped: int = Settings.model_fields["import_upload_max_bytes"].default
    big = data / "big.csv"
    with big.open("wb") as sparse:
        sparse.truncate(shipped + 1)
    sent: list[int] = []

    def remote(url: str, body: bytes, *_: object) -> dict[str, object]:
        sent.append(len(body))
        done = {"import_id": "i", "status": "succeeded", "format": "shortstack"}
        return {**done, "counts": {}, "errors": []}

    monkeypatch.setattr(cli_import, "_remote", remote)
    code = main(["import", str(big), "--url", "http://127.0.0.1:9", "--quiet"])
    assert (code, sent) == (0, [shipped + 1]), capsys.readouterr().err
