"""The vendored frontend libraries are the builds scripts/vendor-web.sh fetched and pinned."""

from __future__ import annotations

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "web" / "assets" / "vendor"


def test_vendored_files_match_their_recorded_checksums() -> None:
    lines = (VENDOR / "SHA256SUMS").read_text().splitlines()
    assert lines, "SHA256SUMS lists no file"
    for line in lines:
        digest, name = line.split()
        actual = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} is not the vendored build (run scripts/vendor-web.sh)"
    script = (VENDOR.parents[2] / "scripts" / "vendor-web.sh").read_text()
    for name in ("uplot@1.6.32", "qrcode-generator@1.4.4"):
        assert name in script
