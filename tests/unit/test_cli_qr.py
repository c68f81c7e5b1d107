"""`shortstack qr`: a link's QR code to a file, through the use case the API's route calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from shortstack.entrypoints.cli import main
from tests.qr_decoding import decode_png, decode_svg, png_pixels

BASE = "https://sho.rt"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    monkeypatch.chdir(tmp_path)
    assert main(["links", "create", "https://example.org/spring", "--alias", "spring"]) == 0
    return tmp_path


def test_the_file_holds_the_code_of_the_short_url(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["qr", "spring", "-o", str(data / "spring.png"), "--size", "256"]) == 0
    assert f"the QR code of {BASE}/spring is in" in capsys.readouterr().err
    picture = (data / "spring.png").read_bytes()
    assert png_pixels(picture)[:2] == (256, 256)
    assert decode_png(picture) == [f"{BASE}/spring"]
    assert main(["qr", "spring", "--format", "svg", "--ecc", "H", "-o", "spring.svg"]) == 0
    assert decode_svg((data / "spring.svg").read_bytes()) == [f"{BASE}/spring"]


def test_a_terminal_gets_a_file_named_after_the_link(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["qr", "spring", "--format", "svg"]) == 0
    assert decode_svg((data / "qr-spring.svg").read_bytes()) == [f"{BASE}/spring"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["qr", "nosuch"], "short link 'nosuch' not found"),
        (["qr", "spring", "--color", "#eee"], "contrast"),
    ],
)
def test_refusals_are_one_line_and_exit_1(
    data: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    capsys.readouterr()
    assert main([*args, "-o", "out.png"]) == 1
    assert says in capsys.readouterr().err
    assert not (data / "out.png").exists()


def test_a_disabled_link_gets_no_code(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["links", "update", "spring", "--disable"]) == 0
    capsys.readouterr()
    assert main(["qr", "spring", "-o", "out.png"]) == 1
    assert "disabled" in capsys.readouterr().err
