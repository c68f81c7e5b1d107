"""Build the Lambda package: runtime dependencies for arm64 + the shortstack package.

    python scripts/package_lambda.py [--out .build]

Writes `.build/lambda/` (SAM's CodeUri) and `.build/lambda.zip` (Terraform's
`lambda_zip`). Dependencies are the locked runtime ones (`uv export --no-dev`),
installed as manylinux aarch64 wheels for Python 3.12, so the package built on
any machine runs on Lambda's arm64 runtime. boto3/botocore are left out: the
Lambda runtime provides them, and they are a third of the size. The zip is
deterministic (sorted entries, fixed timestamps), so an unchanged build does not
redeploy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "aarch64-manylinux2014"
PYTHON = "3.12"
PROVIDED_BY_LAMBDA = ("boto3", "botocore", "s3transfer", "jmespath")
LEFT_OUT = ("__pycache__", ".dist-info/RECORD")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
ZIPPED_LIMIT = 50 * 1024 * 1024  # Lambda's limits for a direct zip upload
UNZIPPED_LIMIT = 250 * 1024 * 1024


def runtime_requirements(uv: str) -> list[str]:
    """The locked runtime dependencies, minus what the Lambda runtime provides."""
    exported = subprocess.run(  # noqa: S603 (our own uv, fixed arguments)
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    keep = []
    for line in exported.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        name = line.split("==")[0].split(";")[0].strip().lower()
        if name not in PROVIDED_BY_LAMBDA:
            keep.append(line)
    return keep


def included(paths: Iterable[Path], root: Path) -> list[Path]:
    """Files that go into the zip, in a stable order (no caches, no RECORD files)."""
    files = [
        path
        for path in paths
        if path.is_file() and not any(part in str(path.relative_to(root)) for part in LEFT_OUT)
    ]
    return sorted(files, key=lambda path: str(path.relative_to(root)))


def write_zip(source: Path, target: Path) -> int:
    """A deterministic zip of `source`; its size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in included(source.rglob("*"), source):
            info = zipfile.ZipInfo(str(path.relative_to(source)), date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return target.stat().st_size


def build(out: Path, uv: str) -> Path:
    """Install dependencies and the package into out/lambda; the zip's path."""
    staging = out / "lambda"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    requirements = out / "requirements-lambda.txt"
    requirements.write_text("\n".join(runtime_requirements(uv)) + "\n")
    subprocess.run(  # noqa: S603 (our own uv, fixed arguments)
        [
            uv, "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:",
            "--python-platform", PLATFORM, "--python-version", PYTHON,
            "--target", str(staging), "-r", str(requirements),
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )  # fmt: skip
    shutil.copytree(
        ROOT / "src" / "shortstack",
        staging / "shortstack",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return out / "lambda.zip"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / ".build")
    parser.add_argument("--uv", default=shutil.which("uv") or str(Path.home() / ".local/bin/uv"))
    args = parser.parse_args()
    zip_path = build(args.out, args.uv)
    zipped = write_zip(args.out / "lambda", zip_path)
    unzipped = sum(p.stat().st_size for p in (args.out / "lambda").rglob("*") if p.is_file())
    print(
        f"{zip_path}: {zipped / 2**20:.1f} MiB zipped (limit 50), "
        f"{unzipped / 2**20:.1f} MiB unzipped (limit 250)"
    )
    if zipped > ZIPPED_LIMIT or unzipped > UNZIPPED_LIMIT:
        raise SystemExit("the package exceeds Lambda's size limits")


if __name__ == "__main__":
    main()
