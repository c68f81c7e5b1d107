"""The redirect and API entries freeze what their initialisation built: no collection walks it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_FRESH_ENTRY = """
import gc, json, sys
import {module}
print(json.dumps([gc.get_freeze_count(), len(gc.get_objects())]))
"""


@pytest.mark.parametrize(
    "module", ["shortstack.entrypoints.lambda_redirect", "shortstack.entrypoints.lambda_api"]
)
def test_a_fresh_entry_leaves_its_init_objects_frozen(module: str) -> None:
    env = {**os.environ, "STORAGE": "memory"}
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_ENTRY.format(module=module)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    frozen, still_tracked = json.loads(out.stdout.strip().splitlines()[-1])
    # Everything the import built is frozen; only what was made after it is still tracked.
    assert frozen > 10_000
    assert still_tracked < frozen / 100
