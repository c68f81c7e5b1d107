"""`make seed` beside `make run PORT=...` prints the server's short URLs.

The README promises that a command given no PUBLIC_BASE_URL, HOST or PORT of its own
builds short URLs from where the server on its data serves (`served-at`). The Makefile's
defaults (8000, 127.0.0.1) are not the reader's: passing them would tell `shortstack
seed` an address nobody chose, so a seed beside a server on 8671 printed :8000 URLs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def _seed_command(*make_args: str) -> str:
    # A parent make (`make test PORT=...`) would hand its own variables down.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PORT", "HOST", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    out = subprocess.run(
        ["make", "--no-print-directory", "-n", "seed", *make_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    lines = [line for line in out.splitlines() if "shortstack seed" in line]
    assert len(lines) == 1, out
    return lines[0]


def test_make_seed_leaves_the_address_to_the_server_on_its_data() -> None:
    command = _seed_command("DATA_DIR=/tmp/shortstack-seed-data")

    assert "DATA_DIR=/tmp/shortstack-seed-data" in command
    assert "PORT=" not in command
    assert "HOST=" not in command


def test_make_seed_passes_an_address_the_reader_gave() -> None:
    command = _seed_command("DATA_DIR=/tmp/d", "PORT=9000", "HOST=0.0.0.0")

    assert "PORT=9000" in command
    assert "HOST=0.0.0.0" in command
