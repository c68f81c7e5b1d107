"""The short URLs `shortstack links` and `shortstack qr` show are the ones a person can open.

Found by an outsider run: with the server on PORT=8651 and PUBLIC_BASE_URL unset, the
commands run beside it (no PORT of their own) printed http://127.0.0.1:8000/... links,
which lead nowhere. The server on the data says where it serves them; the API's
`short_url` is the reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shortstack.entrypoints.cli import main
from tests.e2e.server import call, running_server
from tests.qr_decoding import decode_png


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    assert main(list(args)) == 0, capsys.readouterr()
    return capsys.readouterr()


def test_the_commands_show_the_short_urls_of_the_server_on_their_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("PORT", "HOST", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with running_server(tmp_path, AUTH_MODE="none") as server:
        assert not server.base_url.endswith(":8000")  # a port of its own
        short_url = f"{server.base_url}/launch"
        out, _ = cli(capsys, "links", "create", "https://example.com/launch", "--alias", "launch")
        assert out == f"{short_url}  ->  https://example.com/launch  [active, 0 clicks]\n"
        status, _, link = call(server, "GET", "/api/v1/links/launch")
        assert (status, link["short_url"]) == (200, short_url)

        assert cli(capsys, "links", "list")[0] == out
        assert json.loads(cli(capsys, "links", "list", "--json")[0])["short_url"] == short_url
        assert f"{short_url}," in cli(capsys, "links", "list", "--csv")[0]
        assert cli(capsys, "links", "show", "launch")[0].startswith(f"{short_url}  ->  ")
        assert json.loads(cli(capsys, "links", "show", "launch", "--json")[0])["short_url"] == (
            short_url
        )
        picture = tmp_path / "launch.png"
        _, err = cli(capsys, "qr", "launch", "-o", str(picture))
        assert f"the QR code of {short_url} is in" in err
        assert decode_png(picture.read_bytes()) == [short_url]

        # What the person running a command says wins over what the server said.
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://sho.rt")
        assert cli(capsys, "links", "list")[0].startswith("https://sho.rt/launch  ->  ")
