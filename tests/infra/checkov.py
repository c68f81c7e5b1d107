"""The Makefile's pinned checkov, run offline from uv's cache.

The suite runs inside a network namespace with only loopback (for DynamoDB Local, see
scripts/dynamodb-local.sh), so uv cannot reach PyPI there: `make lint-infra`, which runs
before pytest in `make test`, has already put the pinned checkov in uv's cache.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def uv() -> str | None:
    installed = Path.home() / ".local" / "bin" / "uv"
    return str(installed) if installed.exists() else shutil.which("uv")


def run_checkov(*arguments: str) -> subprocess.CompletedProcess[str]:
    """checkov with `arguments`; skipped (loudly) when uv or its cached checkov is missing."""
    found = uv()
    if found is None:
        pytest.skip("CHECKOV SKIPPED: no uv on this machine (make test installs it)")
    [pin] = [w for w in (ROOT / "Makefile").read_text().split() if w.startswith("checkov==")]
    command = [found, "tool", "run", "--offline", "--quiet", "--python", "python3"]
    command += ["--from", pin, "checkov", "--quiet", "--compact", "--skip-download"]
    result = subprocess.run([*command, *arguments], capture_output=True, text=True)
    if result.returncode != 0 and "offline" in result.stderr.lower():
        pytest.skip(f"CHECKOV SKIPPED: {pin} is not in uv's cache; run `make lint-infra` first")
    return result
