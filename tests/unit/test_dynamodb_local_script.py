"""scripts/dynamodb-local.sh: never silent when the engine cannot run, transparent otherwise."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dynamodb-local.sh"


def run(tmp_path: Path, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DYNAMODB_LOCAL_")}
    environment.update({"DYNAMODB_LOCAL_DIR": str(tmp_path / "no-engine"), **env})
    return subprocess.run(
        ["sh", str(SCRIPT), "run", "--", *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_the_engine_it_says_why_and_still_runs_the_command(tmp_path: Path) -> None:
    done = run(tmp_path, "sh", "-c", 'echo "reason: $DYNAMODB_LOCAL_UNAVAILABLE"; exit 3')
    assert done.returncode == 3
    assert "!!! DynamoDB Local:" in done.stderr
    assert "SKIPPED" in done.stderr
    assert "reason: " in done.stdout
    assert "no-engine" in done.stdout or "java" in done.stdout


def test_a_nested_call_runs_the_command_as_it_is(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        "sh",
        "-c",
        'echo "$DYNAMODB_LOCAL_ENDPOINT"',
        DYNAMODB_LOCAL_ENDPOINT="http://127.0.0.1:1",
    )
    assert done.returncode == 0
    assert done.stdout.strip() == "http://127.0.0.1:1"
    assert "!!!" not in done.stderr


def test_usage_errors_are_reported(tmp_path: Path) -> None:
    done = subprocess.run(
        ["sh", str(SCRIPT), "launch"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert "usage" in done.stderr
