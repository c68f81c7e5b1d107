"""The command line when the world around it fails: a closed pipe, a broken data file, an
unreachable table, a folder it cannot create, an input file of the wrong shape.

Each is a person's to fix, so each is one line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from shortstack.entrypoints.cli import main


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("DATA_DIR", str(folder))
    monkeypatch.setenv("STORAGE", "sqlite")
    return folder


def test_a_listing_piped_into_a_reader_that_stops_early_ends_quietly(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `shortstack links list | head -1`: head exits after its line and the pipe closes.
    assert main(["links", "create", "https://example.com/a"]) == 0
    capsys.readouterr()
    listing = subprocess.Popen(
        [sys.executable, "-m", "shortstack.entrypoints.cli", "links", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DATA_DIR": str(data)},
    )
    assert listing.stdout is not None
    assert listing.stderr is not None
    listing.stdout.close()  # the reader is gone before the first line is written
    with listing.stderr:
        err = listing.stderr.read().decode()
    assert listing.wait(timeout=60) == 141, err  # as a shell reports SIGPIPE
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err


def test_a_data_file_that_is_not_sqlite_is_named_in_one_line(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data / "shortstack.sqlite3").write_bytes(b"not a database, " * 400)
    assert main(["links", "list"]) == 1
    err = capsys.readouterr().err
    assert f"shortstack: the SQLite data under {data} cannot be used: file is not a database" in err


def test_an_unreachable_dynamodb_table_is_one_line(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as holder:  # a port nobody listens on
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["links", "list"]) == 1
    err = capsys.readouterr().err
    assert "shortstack: AWS (STORAGE=dynamodb): Could not connect to the endpoint URL" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("in_the_way", ["file", "under /proc"])
def test_serve_says_why_it_cannot_create_the_data_directory(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    in_the_way: str,
) -> None:
    if in_the_way == "file":
        target = tmp_path / "data"
        target.write_text("a file where the folder should be")
        reason = "a file is in the way"
    else:
        target = Path("/proc/shortstack-data")
        reason = "No such file or directory"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))  # so that `--data-dir`, which sets it, is undone
    assert main(["serve", "--port", str(port), "--data-dir", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"shortstack: cannot create the data directory {target}: {reason}" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[1, 2]", "must hold a JSON object, not list"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
        (b'{"usage": []}', "is not shaped like the shipped one"),
        (b'{"usage": {"redirect": 5}}', "is not shaped like the shipped one"),
    ],
)
@pytest.mark.parametrize("option", ["--prices", "--profile"])
def test_cost_refuses_a_file_of_the_wrong_shape_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    content: bytes,
    message: str,
) -> None:
    given = tmp_path / "given.json"
    given.write_bytes(content)
    code = main(["cost", "--requests-per-month", "1000", option, str(given)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("shortstack cost: ")
    assert err.count("\n") == 1
    if option == "--prices" and content.startswith(b"{"):
        message = "needs a 'usd' object"  # the prices file is read first, and says so itself
    assert message in err


def test_replaying_a_dead_letter_that_is_not_there_says_so(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "replay", "no-such-letter"]) == 1
    captured = capsys.readouterr()
    assert "shortstack: no dead letter has the id 'no-such-letter'" in captured.err
    assert "shortstack dlq list" in captured.err  # where the ids are
    assert captured.out == ""  # not "replayed 0 dead letter(s)", as if there were one


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (404, b"<html>Not Found</html>", "answered 404 to POST /api/v1/imports/uploads"),
        (200, b"<html>a web page</html>", "did not answer JSON to POST /api/v1/imports/uploads"),
    ],
)
def test_import_to_an_address_that_is_not_shortstack_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], status: int, body: bytes, said: str
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Other(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(status)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Other)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    csv_file = tmp_path / "links.csv"
    csv_file.write_text("url\nhttps://example.com/a\n")
    url = f"http://127.0.0.1:{other.server_address[1]}"
    try:
        assert main(["import", str(csv_file), "--url", url, "--quiet"]) == 2
    finally:
        other.shutdown()
        other.server_close()
    err = capsys.readouterr().err
    assert err.startswith(f"shortstack: the server at {url} {said}")
    assert "is --url the service's base address" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["import", "{tmp}/missing.csv"], "cannot read"),
        (["import", "{tmp}/empty.csv"], "import refused: the file has no rows to import"),
        (["import", "{tmp}/latin1.csv"], "import refused: the file is not UTF-8"),
        (["events", "put", "--source", "s", "--detail-type", "T", "--detail", "{bad"], "not JSON"),
        (["events", "put", "--source", "s", "--detail-type", "T", "--detail", "[1]"], "object"),
    ],
)
def test_a_refusal_names_the_program_as_every_other_does(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    # Someone reading a cron mail or a CI log learns which program spoke.
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "latin1.csv").write_bytes(b"url\nhttps://example.com/caf\xe9\n")
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == 2
    [refusal] = [
        line
        for line in capsys.readouterr().err.splitlines()
        if not line.startswith("shortstack: data in")
    ]
    assert refusal.startswith("shortstack: ")
    assert said in refusal


@pytest.mark.parametrize("endpoint", ["notaurl", "127.0.0.1:8642", "ftp://127.0.0.1:21", "http://"])
@pytest.mark.parametrize("command", [["links", "list"], ["create-table"], ["seed"]])
def test_an_endpoint_that_is_not_a_url_is_named_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    endpoint: str,
    command: list[str],
) -> None:
    # A typo in AWS_ENDPOINT_URL (or an empty one: now unset) raised botocore's ValueError from
    # inside the client's creation: a traceback on every command acting on the table.
    monkeypatch.setenv("STORAGE", "dynamodb")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    code = main(command)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "AWS_ENDPOINT_URL" in err
    assert "http://127.0.0.1:8642" in err  # what a right one looks like


def test_import_with_a_token_but_no_server_is_refused_not_run_here(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = data.parent / "rows.csv"
    rows.write_text("https://example.com/a,kept-out\n")
    assert main(["import", str(rows), "--token", "sk_x", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--token" in err
    assert "--url" in err
    assert main(["links", "show", "kept-out"]) == 1  # nothing was imported here
