"""The Lambda package's bytecode: written by a CPython 3.12 or not at all, and used as shipped."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.infra.test_packaging_and_deploy import load_script

package = load_script("package_lambda")
LAMBDA_PYTHON = package.find_lambda_python()
needs_312 = pytest.mark.skipif(
    LAMBDA_PYTHON is None, reason="BYTECODE SKIPPED: no CPython 3.12 on this machine"
)


def fake_python(tmp_path: Path, answer: str) -> str:
    """An 'interpreter' that identifies itself as `answer` (as _IDENTIFY prints it)."""
    script = tmp_path / f"python-{answer.replace(' ', '-')}"
    script.write_text(f"#!/bin/sh\necho '{answer}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def tiny_tree(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "answer.py").write_text("VALUE = 'from the source'\nSET = {'a', 'b', 'c'}\n")
    return root


def test_only_a_cpython_312_is_taken_for_the_bytecode(tmp_path: Path) -> None:
    other_version = fake_python(tmp_path, "CPython 3 11")
    other_implementation = fake_python(tmp_path, "PyPy 3 12")
    right = fake_python(tmp_path, "CPython 3 12")
    assert not package.is_cpython_312(other_version)
    assert not package.is_cpython_312(other_implementation)
    assert not package.is_cpython_312(str(tmp_path / "missing"))
    assert package.find_lambda_python([other_version, other_implementation]) is None
    assert package.find_lambda_python([other_version, right]) == right


def test_an_explicit_interpreter_of_another_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"not a CPython 3\.12"):
        package.choose_python(fake_python(tmp_path, "CPython 3 13"), bytecode=True)
    with pytest.raises(SystemExit, match="Lambda would not load its bytecode"):
        package.compile_bytecode(tmp_path, fake_python(tmp_path, "CPython 3 11"))


def test_without_cpython_312_the_package_ships_sources_only_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(package, "find_lambda_python", lambda candidates=None: None)
    python = package.choose_python(None, bytecode=True)
    assert python is None
    assert "no CPython 3.12 on this machine" in capsys.readouterr().err
    installed: list[Path] = []

    def install(requirements: list[str], target: Path, *args: Any) -> None:
        tiny_tree(target)
        installed.append(target)

    monkeypatch.setattr(package, "install", install)
    monkeypatch.setattr(package, "runtime_requirements", lambda uv: [])
    zip_path = package.build(tmp_path / "out", "uv", python)
    package.write_zip(tmp_path / "out" / "lambda", zip_path)
    assert installed
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
    assert "app/answer.py" in names
    assert "shortstack/__init__.py" in names
    assert not [name for name in names if name.endswith(".pyc") or "__pycache__" in name]


def test_only_bytecode_of_the_lambda_runtime_version_is_zipped(tmp_path: Path) -> None:
    root = tiny_tree(tmp_path / "lambda")
    cache = root / "app" / "__pycache__"
    cache.mkdir()
    for name in (
        "answer.cpython-312.pyc",
        "answer.cpython-311.pyc",
        "answer.cpython-312.opt-1.pyc",
    ):
        (cache / name).write_bytes(b"\0")
    (root / "app" / "stray.pyc").write_bytes(b"\0")
    names = [path.relative_to(root).as_posix() for path in package.included(root.rglob("*"), root)]
    assert names == ["app/__init__.py", "app/__pycache__/answer.cpython-312.pyc", "app/answer.py"]


@needs_312
def test_bytecode_is_unchecked_hash_deterministic_and_used_without_the_source(
    tmp_path: Path,
) -> None:
    root = tiny_tree(tmp_path / "lambda")
    assert package.compile_bytecode(root, LAMBDA_PYTHON) == []
    pyc = root / "app" / "__pycache__" / "answer.cpython-312.pyc"
    first = pyc.read_bytes()
    flags = int.from_bytes(first[4:8], "little")
    assert flags == 0b01  # hash-based, unchecked (PEP 552)
    package.compile_bytecode(root, LAMBDA_PYTHON)
    assert pyc.read_bytes() == first
    # The zip's entries, unpacked read-only: Python takes the shipped bytecode even though
    # the source's timestamp changed, and writes nothing.
    zip_path = tmp_path / "lambda.zip"
    package.write_zip(root, zip_path)
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(unpacked)
    (unpacked / "app" / "answer.py").write_text("VALUE = 'edited after the build'\n")
    for path in [*unpacked.rglob("*"), unpacked]:
        path.chmod(path.stat().st_mode & ~0o222)
    env = {**os.environ, "PYTHONPATH": str(unpacked), "PYTHONDONTWRITEBYTECODE": "1"}
    code = "import app.answer as a; print(a.VALUE, a.__spec__.cached.endswith('.cpython-312.pyc'))"
    result = subprocess.run(
        [LAMBDA_PYTHON, "-s", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["from", "the", "source", "True"]
    shipped = {"__init__.cpython-312.pyc", "answer.cpython-312.pyc"}
    assert {path.name for path in unpacked.rglob("*.pyc")} == shipped


def test_the_dev_interpreter_is_told_apart() -> None:
    expected = sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 12)
    assert package.is_cpython_312(sys.executable) is expected


def test_the_image_ships_bytecode_written_by_its_own_python() -> None:
    from tests.infra.test_image import of

    [install] = [run for run in of("RUN") if "pip install" in run]
    assert "--no-compile" not in install  # pip writes the dependencies' bytecode
    [compiled] = [run for run in of("RUN") if "compileall" in run]
    assert compiled.startswith("python3.12 -m compileall")
    assert "--invalidation-mode unchecked-hash" in compiled
    assert compiled.endswith('"${LAMBDA_TASK_ROOT}/shortstack"')
