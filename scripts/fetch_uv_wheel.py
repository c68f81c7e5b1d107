"""Last-resort uv installer that needs nothing but the Python standard library.

Used by ensure-uv.sh on machines where pip and venv are missing: it picks the
uv wheel for this platform from PyPI's simple index (the JSON form of PEP 691,
which mirrors serve too), checks its sha256 and copies the `uv` binary out.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import stat
import sys
import urllib.request
import zipfile
from pathlib import Path

PLATFORM_TAGS = {
    ("Linux", "x86_64"): "manylinux_2_17_x86_64",
    ("Linux", "aarch64"): "manylinux_2_17_aarch64",
    ("Darwin", "x86_64"): "macosx_10_12_x86_64",
    ("Darwin", "arm64"): "macosx_11_0_arm64",
}


def main(version: str, target_dir: str) -> None:
    """Download uv `version` from PyPI and install its binary into `target_dir`."""
    tag = PLATFORM_TAGS.get((platform.system(), platform.machine()))
    if tag is None:
        sys.exit(f"no known uv wheel for {platform.system()} {platform.machine()}")
    index = urllib.request.Request(
        "https://pypi.org/simple/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(index, timeout=60) as resp:  # noqa: S310 - fixed https URL
        files = json.load(resp)["files"]
    wheel = next(
        f
        for f in files
        if f["filename"].startswith(f"uv-{version}-")
        and f["filename"].endswith(".whl")
        and tag in f["filename"]
    )
    with urllib.request.urlopen(wheel["url"], timeout=300) as resp:  # noqa: S310 - from PyPI
        payload = resp.read()
    if hashlib.sha256(payload).hexdigest() != wheel["hashes"]["sha256"]:
        sys.exit("uv wheel checksum mismatch")
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        member = next(n for n in archive.namelist() if n.endswith("/scripts/uv"))
        target = Path(target_dir)
        target.mkdir(parents=True, exist_ok=True)
        (target / "uv").write_bytes(archive.read(member))
    (target / "uv").chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
