"""The redirect Lambda before and after a change, measured alternately in the same minutes.

The machine is shared and noisy, so a before/after comparison only means something when
both sides run interleaved: this checks the `--before` git revision out into a temporary
worktree and runs its `shortstack` package (PYTHONPATH first) against this tree's, with
this tree's benchmark code and dependencies for both:

- cold: a fresh process imports `lambda_redirect` and answers its first
  `GET /{short_id}` against the stub DynamoDB endpoint (bench/cold_start.py), rounds of
  before / after / the plain boto3 handler;
- warm: per-invoke microseconds on the in-memory store (bench/warm_overhead.py), the
  median of `--runs` runs of `--invokes`, before and after alternately; after also for a
  link with 3 rules and 2 variants, followed as an iPhone, and for a plain link through
  a unit of work that keeps no events, as on DynamoDB (the in-memory store keeps them,
  like SQLite).

Where other processes make every timing move by tens of percent, `--instructions` counts
the machine instructions instead (valgrind's cachegrind, about 50 times slower): of a
cold start (import and first event) and, per warm redirect, the difference between
runs of 3,000 and 1,000 invokes. Counts do not depend on the neighbours.

    python -m bench.redirect_ab --before origin/main [--samples 15] [--rounds 3]
    python -m bench.redirect_ab --before origin/main --instructions
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import cold_start, stub_dynamodb, warm_overhead
from bench.common import REPO, median

REDIRECT = cold_start.PAIRS["redirect"]
EVENTS = REPO / "tests" / "events"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """A detached worktree of `revision`, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="redirect-ab-") as parent:
        tree = Path(parent) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), revision],
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )


def _with_source(env: dict[str, str], source: Path) -> dict[str, str]:
    return {**env, "PYTHONPATH": f"{REPO}:{source}"}


# One fresh process: wall and CPU seconds of the import and of the first event.
_COLD = """
import json, time
event = json.loads(open({event!r}).read().replace("{{id}}", "abc1234"))
t0, c0 = time.perf_counter(), time.process_time()
import {module} as entry
t1, c1 = time.perf_counter(), time.process_time()
answer = entry.handler(event, None)
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps([t1 - t0, t2 - t1, c1 - c0, c2 - c1, answer["statusCode"]]))
"""


@dataclass(frozen=True)
class Cold:
    """Medians over fresh processes, in milliseconds: wall and CPU time."""

    import_ms: float
    first_event_ms: float
    import_cpu_ms: float
    first_event_cpu_ms: float

    @property
    def total_ms(self) -> float:
        return self.import_ms + self.first_event_ms

    @property
    def total_cpu_ms(self) -> float:
        return self.import_cpu_ms + self.first_event_cpu_ms


def cold(before: Path, samples: int) -> dict[str, Cold]:
    server, endpoint = stub_dynamodb.start()
    env = cold_start.environment(endpoint)
    mine, plain = REDIRECT
    sides = {
        "before": (mine, _with_source(env, before / "src")),
        "after": (mine, _with_source(env, REPO / "src")),
        "plain": (plain, env),
    }
    rows: dict[str, list[list[float]]] = {name: [] for name in sides}
    try:
        for _ in range(samples):
            for name, (entry, side_env) in sides.items():
                code = _COLD.format(event=str(EVENTS / entry.event), module=entry.module)
                line, _ = cold_start.run_python(code, side_env)
                *times, status = json.loads(line)
                if status != entry.expected:
                    raise RuntimeError(f"{name} answered {status}, not {entry.expected}")
                rows[name].append(times)
    finally:
        server.shutdown()
    return {
        name: Cold(*[median([row[i] for row in values]) * 1000 for i in range(4)])
        for name, values in rows.items()
    }


def warm_child(scenario: str, invokes: int, runs: int) -> dict[str, float]:
    """In this process: seed the in-memory store, then time `runs` x `invokes` redirects."""
    import importlib

    from shortstack.domain.clock import utc_now
    from shortstack.domain.links import create_link

    module = importlib.import_module("shortstack.entrypoints.lambda_redirect")
    if scenario == "no event":
        # What a redirect on DynamoDB runs: its unit of work keeps no events, so none is built.
        module.redirects.uow.keeps_events = False
    now = utc_now()
    options: dict[str, Any] = {}
    text = (REPO / "tests" / "events" / "apigw_v2_redirect_get.json").read_text()
    event: dict[str, Any] = json.loads(text.replace("{id}", warm_overhead.SHORT_ID))
    if scenario == "rules":
        from shortstack.domain.link_options import rule_from
        from shortstack.domain.link_routing import Variant

        options = {
            "rules": (
                rule_from("https://android.example/", device="android"),
                rule_from("https://fr.example/", language="fr", country="BE"),
                rule_from("https://ios.example/", device="ios"),
            ),
            "variants": (Variant("https://a.example/", 50), Variant("https://b.example/", 50)),
        }
        event["headers"] = {**event["headers"], "user-agent": IPHONE}
    module.redirects.links.add(
        create_link(
            short_id=warm_overhead.SHORT_ID,
            owner="local",
            url="https://example.com/landing",
            now=now,
            expires_at=now + timedelta(days=30),
            **options,
        )
    )
    expected = "https://ios.example/" if scenario == "rules" else "https://example.com/landing"
    handler = module.handler
    for _ in range(warm_overhead.WARM_UP):
        answer = handler(event, None)
        if answer["headers"].get("location") != expected:
            raise RuntimeError(f"{scenario}: answered {answer!r}")
    wall, cpu = [], []
    for _ in range(runs):
        events = [event] * invokes
        started, started_cpu = time.perf_counter(), time.process_time()
        for one in events:
            handler(one, None)
        cpu.append((time.process_time() - started_cpu) / invokes * 1e6)
        wall.append((time.perf_counter() - started) / invokes * 1e6)
    return {"median_us": statistics.median(wall), "cpu_us": min(cpu)}


def warm(before: Path, invokes: int, runs: int, rounds: int) -> dict[str, dict[str, float]]:
    """{side: {"median_us", "cpu_us"}}: each side in fresh processes, `rounds` times over.

    CPU time is the steadier figure on a shared machine (waiting for a core is not in
    it); its best run is the side's own cost, the rest of the spread is other processes'.
    """
    base = warm_overhead.environment()
    sides = {
        "before": (before / "src", "plain"),
        "after": (REPO / "src", "plain"),
        "after, rules + variants": (REPO / "src", "rules"),
        "after, no event (as on DynamoDB)": (REPO / "src", "no event"),
    }
    found: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, (source, scenario) in sides.items():
            command = [
                sys.executable, "-m", "bench.redirect_ab", "--child", scenario,
                "--invokes", str(invokes), "--runs", str(runs),
            ]  # fmt: skip
            out = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=_with_source(base, source),
                check=True,
                timeout=600,
            )
            found[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    # The least CPU a side took is its own cost; more is other processes' noise.
    return {
        name: {
            "median_us": median([run["median_us"] for run in runs_of]),
            "cpu_us": min(run["cpu_us"] for run in runs_of),
        }
        for name, runs_of in found.items()
    }


VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
_I_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def counted(command: list[str], env: dict[str, str]) -> int:
    """Machine instructions `command` executed, counted by cachegrind."""
    out = subprocess.run(
        [*VALGRIND, *command], capture_output=True, text=True, env=env, check=True, timeout=1800
    )
    found = _I_REFS.search(out.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind: {out.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def instructions(before: Path, with_cold: bool = True) -> dict[str, dict[str, float]]:
    """{side: {"cold", "warm"}}: instructions of a cold start, and of one warm redirect."""
    server, endpoint = stub_dynamodb.start()
    cold_env = cold_start.environment(endpoint)
    warm_env = {**warm_overhead.environment(), "PYTHONDONTWRITEBYTECODE": "1"}
    mine, plain = REDIRECT
    sides = {
        "before": (before / "src", "plain", mine),
        "after": (REPO / "src", "plain", mine),
        "after, rules + variants": (REPO / "src", "rules", None),
        "after, no event (as on DynamoDB)": (REPO / "src", "no event", None),
        "plain": (None, "", plain),
    }
    found: dict[str, dict[str, float]] = {}
    try:
        for name, (source, scenario, entry) in sides.items():
            found[name] = {}
            if entry is not None and with_cold:
                env = cold_env if source is None else _with_source(cold_env, source)
                code = _COLD.format(event=str(EVENTS / entry.event), module=entry.module)
                found[name]["cold"] = counted([sys.executable, "-c", code], env)
            if source is not None:
                child = [sys.executable, "-m", "bench.redirect_ab", "--child", scenario, "--runs"]
                runs = [
                    counted(
                        [*child, "1", "--invokes", str(invokes)], _with_source(warm_env, source)
                    )
                    for invokes in (1000, 3000)
                ]
                found[name]["warm"] = (runs[1] - runs[0]) / 2000
    finally:
        server.shutdown()
    return found


def print_instructions(found: dict[str, dict[str, float]]) -> None:
    print("machine instructions (cachegrind)\n")
    print("| side | cold start (import + first event) | ratio | per warm redirect | ratio |")
    print("|---|---|---|---|---|")
    base = found["before"]
    for name, counts in found.items():
        cold = counts.get("cold")
        warm = counts.get("warm")
        cold_text = "- | -"
        if cold and "cold" in base:
            cold_text = f"{cold / 1e6:,.1f} M | {cold / base['cold']:.2f}x"
        warm_text = f"{warm:,.0f} | {warm / base['warm']:.2f}x" if warm else "- | -"
        print(f"| {name} | {cold_text} | {warm_text} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="origin/main", help="the git revision to compare")
    parser.add_argument("--samples", type=int, default=15, help="cold processes per side")
    parser.add_argument("--invokes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="warm processes per side")
    parser.add_argument("--skip-cold", action="store_true", help="only the warm figures")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions (valgrind) instead"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(warm_child(args.child, args.invokes, args.runs)))
        return 0
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    with checkout(args.before) as before:
        if args.instructions:
            counts = instructions(before, with_cold=not args.skip_cold)
        else:
            colds = {} if args.skip_cold else cold(before, args.samples)
            warms = warm(before, args.invokes, args.runs, args.rounds)
    revision = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.before],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"\nredirect Lambda, before = {args.before} ({revision}), after = this tree\n")
    if args.instructions:
        print_instructions(counts)
        return 0
    if colds:
        print_cold(colds, args.samples)
    print_warm(warms, args.rounds)
    return 0


def print_cold(colds: dict[str, Cold], samples: int) -> None:
    print(f"cold start, median of {samples} fresh processes each (ms)\n")
    print("| side | import | first event | import + first event | CPU | CPU ratio to before |")
    print("|---|---|---|---|---|---|")
    for name, result in colds.items():
        ratio = result.total_cpu_ms / colds["before"].total_cpu_ms
        print(
            f"| {name} | {result.import_ms:.1f} | {result.first_event_ms:.1f} "
            f"| {result.total_ms:.1f} | {result.total_cpu_ms:.1f} | {ratio:.2f}x |"
        )


def print_warm(warms: dict[str, dict[str, float]], rounds: int) -> None:
    print(f"\nwarm per invoke, in-memory store, {rounds} processes a side (us)\n")
    print("| side | wall (median) | CPU (best) | CPU ratio to before |\n|---|---|---|---|")
    for name, warm_result in warms.items():
        ratio = warm_result["cpu_us"] / warms["before"]["cpu_us"]
        wall, cpu = warm_result["median_us"], warm_result["cpu_us"]
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {ratio:.2f}x |")


if __name__ == "__main__":
    raise SystemExit(main())
