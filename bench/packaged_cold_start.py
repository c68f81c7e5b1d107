"""Cold start of the package that ships, unpacked read-only as Lambda runs it.

`make package` builds arm64 wheels, which do not load on this x86 machine, so
this step builds its twin for the host with the same script and options
(scripts/package_lambda.py: the same locked dependencies, the same bytecode
from a CPython 3.12), zips it with the same code, and unpacks the zip into a
fresh directory that nothing may write to: no `__pycache__` can be created, as on
Lambda's read-only /var/task. boto3, which the Lambda runtime provides, is
installed and compiled the same way into a directory of its own, on the path of
every variant. Each sample is a fresh CPython 3.12 process importing a handler
and answering its first event against the local DynamoDB stand-in, round-robin:

- `bytecode`: the zip as shipped (`__pycache__/*.cpython-312.pyc`, unchecked-hash);
- `sources`: the same zip without its bytecode, as a build without CPython 3.12 ships it;
- `plain`: the hand-written boto3 handler (bench/plain_*_handler.py), a lone .py file;
- `fastapi floor` (API only): the plain handler's call behind a one-route FastAPI app and
  Mangum (bench/floor_api_boto3_handler.py), with the package's own FastAPI: the least
  any FastAPI API Lambda can cost;
- `pydantic floor` (API only): the plain handler's call answered through one Pydantic
  model (bench/floor_api_pydantic_handler.py): the least an API Lambda that validates
  and writes with Pydantic can cost, which the light front does;
- `first page`, `first health`, `first create` (API only): the zip as shipped, its first
  event a page of links, health or a create instead of a GET of a link, each against the
  same plain handler (a GET);
- `before` (with `--before REV`): the `shortstack` package of a git revision, compiled the
  same way and put ahead of the zip's on the path, with this tree's dependencies: an A/B of
  a change in the same minutes, as bench/redirect_ab.py does for the source tree.

`--instructions` counts machine instructions of the import and first event instead
(valgrind's cachegrind, one process a variant, no `sources`), which the machine's
neighbours cannot move.

    python -m bench.packaged_cold_start [--samples 9] [--before REV] [--entries redirect]
    python -m bench.packaged_cold_start --instructions [--before REV] [--entries redirect]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import stat
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import cold_start, stub_dynamodb
from bench.common import REPO

TWIN = REPO / ".build" / "host-twin"
# Entries measured, each with its plain handler (a lone module in a directory of its own).
ENTRIES = {
    "api": ("shortstack.entrypoints.lambda_api", "plain_api_handler", "apigw_v2_links_get.json"),
    "redirect": (
        "shortstack.entrypoints.lambda_redirect",
        "plain_redirect_handler",
        "apigw_v2_redirect_get.json",
    ),
}
EXPECTED = {"api": 200, "redirect": 302}
# The API zip again, with another first event than a GET of a link: a container's first
# request may be any hot route (decision 0405). {variant: (event, expected status)}.
FIRST_EVENTS = {
    "first page": ("apigw_v2_links_list.json", 200),
    "first health": ("apigw_v2_health.json", 200),
    "first create": ("apigw_v2_links_create.json", 201),
}
FLOOR = "floor_api_boto3_handler"
# The plain call answered through one Pydantic model: what Pydantic alone costs.
PYDANTIC_FLOOR = "floor_api_pydantic_handler"


def package_script() -> ModuleType:
    """scripts/package_lambda.py, the builder of the zip that ships."""
    spec = importlib.util.spec_from_file_location(
        "package_lambda", REPO / "scripts" / "package_lambda.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def host_platform() -> str:
    return {"x86_64": "x86_64-manylinux2014", "aarch64": "aarch64-manylinux2014"}[
        platform.machine()
    ]


def _writable(tree: Path) -> None:
    for path in [tree, *tree.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _read_only(tree: Path) -> None:
    """No write permission anywhere under `tree` (root ignores it: see _run_env)."""
    for path in [*tree.rglob("*"), tree]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def fresh(tree: Path) -> Path:
    if tree.exists():
        _writable(tree)
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    return tree


def unpack(archive: Path, target: Path, bytecode: bool) -> None:
    """Unpack the zip as Lambda does; without its bytecode when `bytecode` is False."""
    with zipfile.ZipFile(archive) as zipped:
        names = [n for n in zipped.namelist() if bytecode or "/__pycache__/" not in f"/{n}"]
        zipped.extractall(target, members=names)


def pyc_files(tree: Path) -> int:
    return sum(1 for _ in tree.rglob("*.pyc"))


@dataclass(frozen=True)
class Twin:
    """The unpacked, read-only trees a sample puts on its path."""

    python: str
    platform: str
    zip_mib: float
    trees: dict[str, Path]  # "bytecode", "sources", "plain", "runtime"

    def path_for(self, variant: str) -> str:
        if variant in ("fastapi floor", "pydantic floor"):  # beside the plain ones, the zip's deps
            trees = [self.trees["plain"], self.trees["bytecode"], self.trees["runtime"]]
        elif variant == "before":  # its shortstack package first, the zip's dependencies after
            trees = [self.trees["before"], self.trees["bytecode"], self.trees["runtime"]]
        else:  # the zip's: as shipped, without bytecode, or with another first event
            tree = "bytecode" if variant in FIRST_EVENTS else variant
            trees = [self.trees[tree], self.trees["runtime"]]
        return os.pathsep.join(str(tree) for tree in trees)


def build_twin(python: str, out: Path = TWIN) -> Twin:
    """Build, zip and unpack the host twin of `make package` under `out`."""
    package = package_script()
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    fresh(out)
    zip_path = package.build(out, uv, python, host_platform(), with_runtime=True)
    package.write_zip(out / "lambda", zip_path)
    trees = {"runtime": out / "runtime"}
    for variant in ("bytecode", "sources"):
        trees[variant] = fresh(out / "unpacked" / variant)
        unpack(zip_path, trees[variant], bytecode=variant == "bytecode")
    trees["plain"] = fresh(out / "unpacked" / "plain")
    for plain in [FLOOR, PYDANTIC_FLOOR, *(plain for _, plain, _ in ENTRIES.values())]:
        shutil.copy(REPO / "bench" / f"{plain}.py", trees["plain"])
    for tree in trees.values():
        _read_only(tree)
    return Twin(python, host_platform(), zip_path.stat().st_size / 2**20, trees)


def add_before(twin: Twin, revision: str) -> None:
    """Put the `shortstack` package of `revision`, compiled like the zip's, into the twin."""
    from bench.redirect_ab import checkout

    target = fresh(twin.trees["bytecode"].parent / "before")
    with checkout(revision) as tree:
        shutil.copytree(
            tree / "src" / "shortstack",
            target / "shortstack",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    failed = package_script().compile_bytecode(target, twin.python)
    if failed:
        raise RuntimeError(f"{revision}: these sources do not compile: {failed}")
    _read_only(target)
    twin.trees["before"] = target


def _run_env(endpoint: str, path: str) -> dict[str, str]:
    env = cold_start.environment(endpoint)
    # Root may write into read-only directories; Lambda's Python cannot write there at all.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = path
    return env


def variants(name: str, with_before: bool = False) -> dict[str, str]:
    """{variant: handler module} of an entry."""
    module, plain, _ = ENTRIES[name]
    found = {"bytecode": module, "sources": module, "plain": plain}
    if with_before:
        found = {"before": module, **found}
    if name == "api":
        found["fastapi floor"] = FLOOR
        found["pydantic floor"] = PYDANTIC_FLOOR
        found.update(dict.fromkeys(FIRST_EVENTS, module))
    return found


def first_event(name: str, variant: str) -> tuple[str, int]:
    """The event a variant's first request is, and the status it must answer."""
    return FIRST_EVENTS.get(variant, (ENTRIES[name][2], EXPECTED[name]))


def measure(
    twin: Twin, samples: int, entries: tuple[str, ...] = tuple(ENTRIES)
) -> dict[str, dict[str, cold_start.ColdStart]]:
    """{entry: {variant: medians}} (see variants()), every variant round-robin."""
    server, endpoint = stub_dynamodb.start()
    before = {name: pyc_files(tree) for name, tree in twin.trees.items()}
    rows: dict[tuple[str, str], list[list[float]]] = {}
    python = (twin.python, "-s")
    try:
        for _ in range(samples):
            for name in entries:
                for variant, module in variants(name, "before" in twin.trees).items():
                    entry = cold_start.Entry(module, *first_event(name, variant))
                    env = _run_env(endpoint, twin.path_for(variant))
                    rows.setdefault((name, variant), []).append(
                        cold_start.sample(entry, env, python)
                    )
    finally:
        server.shutdown()
    after = {name: pyc_files(tree) for name, tree in twin.trees.items()}
    if after != before:
        raise RuntimeError(f"bytecode was written into the read-only trees: {before} -> {after}")
    results: dict[str, dict[str, cold_start.ColdStart]] = {}
    for (name, variant), values in rows.items():
        results.setdefault(name, {})[variant] = cold_start.summarize(values)
    return results


_COUNTED = """
import json
event = json.loads(open({event!r}).read().replace("{{id}}", "abc1234"))
import {module} as entry
if {with_event}:
    answer = entry.handler(event, None)
    assert answer["statusCode"] == {expected}, answer
"""


def instructions(twin: Twin, entries: tuple[str, ...]) -> dict[str, dict[str, tuple[int, int]]]:
    """{entry: {variant: (import, import + first event)}} in instructions (cachegrind)."""
    from bench.redirect_ab import counted

    server, endpoint = stub_dynamodb.start()
    found: dict[str, dict[str, tuple[int, int]]] = {}
    try:
        for name in entries:
            for variant, module in variants(name, "before" in twin.trees).items():
                if variant == "sources":
                    continue
                event, expected = first_event(name, variant)
                env = {**_run_env(endpoint, twin.path_for(variant)), "PYTHONHASHSEED": "0"}
                counts = [
                    counted(
                        [twin.python, "-s", "-c", _COUNTED.format(
                            event=str(cold_start.EVENTS / event), module=module,
                            with_event=with_event, expected=expected,
                        )],
                        env,
                    )
                    for with_event in (False, True)
                ]  # fmt: skip
                found.setdefault(name, {})[variant] = (counts[0], counts[1])
    finally:
        server.shutdown()
    return found


def print_instructions(found: dict[str, dict[str, tuple[int, int]]]) -> None:
    print(
        "| entry | variant | import | first event | import + first event | ratio |\n"
        "|---|---|---|---|---|---|"
    )
    for name, variants_found in found.items():
        plain = variants_found["plain"][1]
        for variant, (imported, total) in variants_found.items():
            first = total - imported
            print(
                f"| {name} | {variant} | {imported / 1e6:,.1f} M | {first / 1e6:,.1f} M "
                f"| {total / 1e6:,.1f} M | {total / plain:.3f}x |"
            )


def report(twin: Twin, results: dict[str, dict[str, cold_start.ColdStart]]) -> dict[str, Any]:
    """What bench/results.json keeps under `packaged_cold_start`."""
    return {
        "python": twin.python,
        "platform": twin.platform,
        "zip_mib": round(twin.zip_mib, 2),
        "entries": {
            name: {
                **{variant: asdict(result) for variant, result in found.items()},
                **{
                    f"ratio_{variant.replace(' ', '_')}": result.total_ms / found["plain"].total_ms
                    for variant, result in found.items()
                    if variant != "plain"
                },
                **{
                    f"cpu_ratio_{variant.replace(' ', '_')}": result.cpu_ms / found["plain"].cpu_ms
                    for variant, result in found.items()
                    if variant != "plain"
                },
            }
            for name, found in results.items()
        },
    }


def lambda_python() -> str | None:
    found: str | None = package_script().find_lambda_python()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=9)
    parser.add_argument("--before", help="also the shortstack package of this git revision")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions (valgrind) instead"
    )
    parser.add_argument(
        "--entries", default=",".join(ENTRIES), help="which entries (default: api,redirect)"
    )
    args = parser.parse_args()
    entries = tuple(name for name in args.entries.split(",") if name)
    unknown = set(entries) - set(ENTRIES)
    if unknown:
        parser.error(f"no entry {', '.join(sorted(unknown))}; choose among {', '.join(ENTRIES)}")
    python = lambda_python()
    if python is None:
        print("no CPython 3.12 on this machine: the packaged cold start cannot be measured")
        return 1
    twin = build_twin(python)
    if args.before:
        add_before(twin, args.before)
    before = f"; before = the shortstack package of {args.before}" if args.before else ""
    if args.instructions:
        print(f"{twin.platform} twin, {python}, machine instructions (cachegrind){before}\n")
        print_instructions(instructions(twin, entries))
        return 0
    print(
        f"{twin.platform} twin of the package ({twin.zip_mib:.1f} MiB zipped), {python}, "
        f"median of {args.samples} fresh processes each (ms){before}\n\n"
        "| entry | variant | import | first event | import + first event | ratio "
        "| CPU | CPU ratio |\n|---|---|---|---|---|---|---|---|"
    )
    for name, found in measure(twin, args.samples, entries).items():
        plain, plain_cpu = found["plain"].total_ms, found["plain"].cpu_ms
        for variant, result in found.items():
            print(
                f"| {name} | {variant} | {result.import_ms:.1f} | {result.first_event_ms:.1f} "
                f"| {result.total_ms:.1f} | {result.total_ms / plain:.2f}x "
                f"| {result.cpu_ms:.1f} | {result.cpu_ms / plain_cpu:.2f}x |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
