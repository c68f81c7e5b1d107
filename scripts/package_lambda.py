"""Build the Lambda package: runtime dependencies for arm64 + the shortstack package.

    python scripts/package_lambda.py [--out .build]

Writes `.build/lambda/` (SAM's CodeUri) and `.build/lambda.zip` (Terraform's
`lambda_zip`). Dependencies are the locked runtime ones (`uv export --no-dev`),
installed as manylinux aarch64 wheels for Python 3.12, so the package built on
any machine runs on Lambda's arm64 runtime. boto3/botocore are left out: the
Lambda runtime provides them, and they are a third of the size. The zip is
deterministic (sorted entries, fixed timestamps), so an unchanged build does not
redeploy.

Every module ships with its bytecode, `__pycache__/<name>.cpython-312.pyc`,
written by a CPython 3.12 (the Lambda runtime's version) with unchecked-hash
invalidation: Lambda's /var/task is read-only, so without it every cold start
compiles every imported module again, and the zip's fixed timestamps would make
timestamp-checked bytecode look stale. Where this machine has no CPython 3.12
the package ships sources only, and says so: bytecode of another version would
be ignored at best. (docs/decisions/0403-bytecode-in-the-lambda-package.md)

`--platform x86_64-manylinux2014 --with-runtime` builds the same package for
this machine plus the boto3 that the Lambda runtime would provide: the twin that
bench/packaged_cold_start.py imports, since arm64 wheels do not load here.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "aarch64-manylinux2014"
PYTHON = "3.12"
BYTECODE_TAG = "cpython-312"
PROVIDED_BY_LAMBDA = ("boto3", "botocore", "s3transfer", "jmespath")
# The runtime's copy of boto3 comes with what botocore needs (the package ships its own too).
IN_THE_RUNTIME = (*PROVIDED_BY_LAMBDA, "python-dateutil", "six", "urllib3")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
ZIPPED_LIMIT = 50 * 1024 * 1024  # Lambda's limits for a direct zip upload
UNZIPPED_LIMIT = 250 * 1024 * 1024
# What a CPython 3.12 prints for _IDENTIFY; anything else is refused.
_IDENTIFY = "import platform, sys; print(platform.python_implementation(), *sys.version_info[:2])"
_EXPECTED = f"CPython {PYTHON.replace('.', ' ')}"


def _exported(uv: str) -> list[str]:
    """The locked runtime dependencies as `name==version` lines."""
    exported = subprocess.run(  # noqa: S603 (our own uv, fixed arguments)
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = (line.strip() for line in exported.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def _name(requirement: str) -> str:
    return requirement.split("==")[0].split(";")[0].strip().lower()


def runtime_requirements(uv: str) -> list[str]:
    """The locked runtime dependencies, minus what the Lambda runtime provides."""
    return [line for line in _exported(uv) if _name(line) not in PROVIDED_BY_LAMBDA]


def lambda_provided_requirements(uv: str) -> list[str]:
    """The locked versions of what the Lambda runtime provides: boto3 and what it needs."""
    return [line for line in _exported(uv) if _name(line) in IN_THE_RUNTIME]


def is_cpython_312(python: str) -> bool:
    """Whether `python` runs and is a CPython 3.12, the only one whose bytecode Lambda loads."""
    try:
        found = subprocess.run(  # noqa: S603 (an interpreter we were pointed at)
            [python, "-c", _IDENTIFY], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return found.returncode == 0 and found.stdout.strip() == _EXPECTED


def python_candidates() -> list[str]:
    """Where a CPython 3.12 may live: PATH, pyenv's versions, the usual prefixes."""
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [shutil.which(f"python{PYTHON}") or ""]
    candidates += sorted(
        glob.glob(str(pyenv / "versions" / f"{PYTHON}*" / "bin" / f"python{PYTHON}")), reverse=True
    )
    candidates += [f"/usr/local/bin/python{PYTHON}", f"/usr/bin/python{PYTHON}"]
    return [candidate for candidate in candidates if candidate]


def find_lambda_python(candidates: Sequence[str] | None = None) -> str | None:
    """The first CPython 3.12 among `candidates` (python_candidates() by default), or None."""
    for candidate in python_candidates() if candidates is None else candidates:
        if is_cpython_312(candidate):
            return candidate
    return None


def compile_bytecode(tree: Path, python: str) -> list[str]:
    """`__pycache__/*.cpython-312.pyc` next to every source under `tree`, unchecked-hash.

    Unchecked: Lambda imports the bytecode without reading the source's timestamp
    (the zip's are fixed) or hashing the source. A fixed hash seed keeps the
    bytecode of set constants, and so the zip, the same from build to build.
    Returns the sources that do not compile (some dependencies ship templates or
    files for other versions): those stay sources, and fail on import as they would.
    """
    if not is_cpython_312(python):
        raise SystemExit(f"{python} is not a CPython {PYTHON}: Lambda would not load its bytecode")
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    compiled = subprocess.run(  # noqa: S603 (a CPython 3.12 we checked, fixed arguments)
        [*command, str(tree)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return [
        line.removeprefix("*** Error compiling ").strip("'.")
        for line in compiled.stdout.splitlines()
        if line.startswith("*** Error compiling")
    ]


def _shipped(relative: str) -> bool:
    """Sources and data, and bytecode only of the Lambda runtime's version; no RECORD files."""
    parts = relative.split("/")
    if relative.endswith(".dist-info/RECORD"):
        return False
    if "__pycache__" in parts:
        return parts[-2] == "__pycache__" and parts[-1].endswith(f".{BYTECODE_TAG}.pyc")
    return not relative.endswith((".pyc", ".pyo"))


def included(paths: Iterable[Path], root: Path) -> list[Path]:
    """Files that go into the zip, in a stable order (no stray caches, no RECORD files)."""
    files = [
        path for path in paths if path.is_file() and _shipped(path.relative_to(root).as_posix())
    ]
    return sorted(files, key=lambda path: path.relative_to(root).as_posix())


def write_zip(source: Path, target: Path) -> int:
    """A deterministic zip of `source`; its size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in included(source.rglob("*"), source):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return target.stat().st_size


def install(requirements: list[str], target: Path, uv: str, platform: str, listing: Path) -> None:
    """Install locked wheels for `platform` and Python 3.12 into `target`."""
    listing.write_text("\n".join(requirements) + "\n")
    subprocess.run(  # noqa: S603 (our own uv, fixed arguments)
        [
            uv, "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:",
            "--python-platform", platform, "--python-version", PYTHON,
            "--target", str(target), "-r", str(listing),
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )  # fmt: skip


def build(
    out: Path,
    uv: str,
    python: str | None,
    platform: str = PLATFORM,
    with_runtime: bool = False,
) -> Path:
    """Install dependencies and the package into out/lambda (bytecode when `python` is given).

    `with_runtime` also fills out/runtime with what the Lambda runtime provides
    (boto3), compiled the same way: the stand-in for the runtime's own copy.
    """
    staging = out / "lambda"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    install(runtime_requirements(uv), staging, uv, platform, out / "requirements-lambda.txt")
    shutil.copytree(
        ROOT / "src" / "shortstack",
        staging / "shortstack",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    trees = [staging]
    if with_runtime:
        runtime = out / "runtime"
        shutil.rmtree(runtime, ignore_errors=True)
        runtime.mkdir(parents=True)
        install(
            lambda_provided_requirements(uv),
            runtime,
            uv,
            platform,
            out / "requirements-runtime.txt",
        )
        trees.append(runtime)
    for tree in trees:
        if python is not None:
            for source in compile_bytecode(tree, python):
                print(f"package: {source} does not compile for Python {PYTHON}: shipped as is")
    return out / "lambda.zip"


def choose_python(explicit: str | None, bytecode: bool) -> str | None:
    """The interpreter that writes the bytecode, or None (and why) to ship sources only."""
    if not bytecode:
        print("package: --no-bytecode: shipping sources only")
        return None
    if explicit is not None:
        if not is_cpython_312(explicit):
            raise SystemExit(f"package: {explicit} is not a CPython {PYTHON}")
        return explicit
    found = find_lambda_python()
    if found is None:
        print(
            f"package: no CPython {PYTHON} on this machine (looked on PATH, in pyenv and "
            f"/usr): shipping sources only, without bytecode, so every cold start compiles "
            f"the modules it imports; install Python {PYTHON} or pass --python",
            file=sys.stderr,
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / ".build")
    parser.add_argument("--uv", default=shutil.which("uv") or str(Path.home() / ".local/bin/uv"))
    parser.add_argument("--platform", default=PLATFORM, help=f"wheel platform ({PLATFORM})")
    parser.add_argument(
        "--python",
        default=os.environ.get("LAMBDA_PYTHON") or None,
        help=f"the CPython {PYTHON} that writes the bytecode (default: found on this machine)",
    )
    parser.add_argument("--no-bytecode", action="store_true", help="ship sources only")
    parser.add_argument(
        "--with-runtime",
        action="store_true",
        help="also build out/runtime (boto3, as Lambda has it)",
    )
    args = parser.parse_args()
    python = choose_python(args.python, not args.no_bytecode)
    zip_path = build(args.out, args.uv, python, args.platform, args.with_runtime)
    zipped = write_zip(args.out / "lambda", zip_path)
    unzipped = sum(
        path.stat().st_size
        for path in included((args.out / "lambda").rglob("*"), args.out / "lambda")
    )
    shipped = f"bytecode from {python}" if python else "sources only"
    print(
        f"{zip_path}: {zipped / 2**20:.1f} MiB zipped (limit 50), "
        f"{unzipped / 2**20:.1f} MiB unzipped (limit 250), {shipped}"
    )
    if zipped > ZIPPED_LIMIT or unzipped > UNZIPPED_LIMIT:
        raise SystemExit("the package exceeds Lambda's size limits")


if __name__ == "__main__":
    main()
