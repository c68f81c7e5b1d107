"""`make bench`: every benchmark in one bounded run, a table of figures against targets.

Runs, in order: cold starts (fresh processes), warm per-invoke overhead
(STORAGE=memory), local redirect throughput under wrk, the 100k-row bulk import,
a 50 MB file through the local upload flow, 1,000 links as one batch against 1,000 single
POSTs, the server's peak memory while it streams a CSV of 100,000 links, and the per-request
cost profile
(bench/cost_profile.py, which a full run writes to
src/shortstack/data/request_profile.json for `shortstack cost`). Prints one table and
writes every figure, with a description of the machine and the date, to
bench/results.json. A `--quick` or `--skip` run writes bench/.work/results-quick.json
instead (untracked): smoke figures never replace the published ones. Not part of
`make test`: the figures are measured, never asserted.

    python -m bench.run [--quick] [--skip throughput,bulk,...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench import (
    batch_create,
    bulk_import,
    cold_start,
    cost_profile,
    link_export,
    packaged_cold_start,
    redirect_throughput,
    upload_import,
    warm_overhead,
)
from bench.common import REPO, machine

RESULTS = REPO / "bench" / "results.json"
# Where smoke and partial runs write: untracked (.gitignore), so results.json keeps full runs.
SMOKE_RESULTS = REPO / "bench" / ".work" / "results-quick.json"
STEPS = ("cold", "packaged", "warm", "throughput", "bulk", "upload", "batch", "export", "cost")
# Where a step's figures go in bench/results.json, when not under the step's own name.
RESULT_KEYS = {"packaged": "packaged_cold_start"}
COLD_START_LIMITS = {"api": 1.3, "redirect": 1.1}
# The API's warm list and create, as a share of the one-route FastAPI app's GET.
API_WARM_RATIO = 0.7


@dataclass(frozen=True)
class Figure:
    """One line of the table: a measured value next to its target."""

    name: str
    value: float
    unit: str
    target: str
    met: bool | None  # None: no target, shown for context
    step: str = ""  # the step that measured it (`--update` replaces a step's figures)

    def row(self) -> str:
        verdict = {True: "met", False: "MISSED", None: ""}[self.met]
        value = f"{self.value:,.0f}" if abs(self.value) >= 100 else f"{self.value:,.2f}"
        return f"| {self.name} | {value} {self.unit} | {self.target} | {verdict} |"


def ensure_wrk() -> bool:
    """wrk from Debian when missing and we may install it; False (and why) when we cannot."""
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, timeout=300)
    if shutil.which("wrk"):
        return True
    print("SKIPPED throughput: no wrk (install it: apt-get install -y wrk)", flush=True)
    return False


@dataclass
class Run:
    """What one step hands to a later one (the cost profile reuses the cold-start run, the
    upload step compares itself with the bulk step)."""

    quick: bool
    machine: dict[str, Any]
    cold: dict[str, dict[str, cold_start.ColdStart]] | None = None
    bulk_seconds: float | None = None


def cold(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    results = cold_start.measure(samples=5 if run.quick else 15)
    run.cold = results
    figures = []
    for name, variants in results.items():
        ratio = variants["shortstack"].total_ms / variants["plain"].total_ms
        limit = COLD_START_LIMITS.get(name)
        figures.append(
            Figure(
                f"{name} cold start, import + first event (plain: "
                f"{variants['plain'].total_ms:.0f} ms)",
                variants["shortstack"].total_ms,
                "ms",
                f"<= {limit}x plain: {ratio:.2f}x" if limit else f"{ratio:.2f}x plain",
                ratio <= limit if limit else None,
            )
        )
    raw = {name: {v: asdict(r) for v, r in variants.items()} for name, variants in results.items()}
    return raw, figures


def packaged(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    """The shipped zip's host twin, unpacked read-only, with and without its bytecode."""
    python = packaged_cold_start.lambda_python()
    if python is None:
        print("SKIPPED packaged: no CPython 3.12 on this machine to build the package's twin")
        return {"skipped": "no CPython 3.12"}, []
    twin = packaged_cold_start.build_twin(python)
    results = packaged_cold_start.measure(twin, samples=3 if run.quick else 7)
    figures = []
    for name, variants in results.items():
        plain = variants["plain"].total_ms
        limit = COLD_START_LIMITS[name]
        shipped = variants["bytecode"].total_ms / plain
        sources = variants["sources"].total_ms / plain
        cpu = {v: r.cpu_ms / variants["plain"].cpu_ms for v, r in variants.items()}
        figures += [
            Figure(
                f"{name} cold start, the zip as shipped, read-only, Python 3.12 "
                f"(plain: {plain:.0f} ms)",
                variants["bytecode"].total_ms,
                "ms",
                f"<= {limit}x plain: {shipped:.2f}x (CPU {cpu['bytecode']:.2f}x)",
                shipped <= limit,
            ),
            Figure(
                f"{name} cold start, the same zip without bytecode",
                variants["sources"].total_ms,
                "ms",
                f"{sources:.2f}x plain (CPU {cpu['sources']:.2f}x)",
                None,
            ),
        ]
        for variant, what in (
            ("fastapi floor", "one FastAPI route + Mangum"),
            ("pydantic floor", "one Pydantic model, no framework"),
        ):
            floor = variants.get(variant)
            if floor is not None:
                figures.append(
                    Figure(
                        f"{name} cold start floor: {what}, the same call",
                        floor.total_ms,
                        "ms",
                        f"{floor.total_ms / plain:.2f}x plain (CPU {cpu[variant]:.2f}x)",
                        None,
                    )
                )
        # Another first request than a GET of a link; a create validates its body with
        # Pydantic (LinkCreate), which no other hot route loads: reported, not held to the target.
        for variant, held in (
            ("first page", True),
            ("first health", True),
            ("first create", False),
        ):
            other = variants.get(variant)
            if other is not None:
                ratio = other.total_ms / plain
                figures.append(
                    Figure(
                        f"{name} cold start, the zip as shipped, {variant} instead of a GET",
                        other.total_ms,
                        "ms",
                        f"<= {limit}x plain: {ratio:.2f}x (CPU {cpu[variant]:.2f}x)"
                        if held
                        else f"{ratio:.2f}x plain (CPU {cpu[variant]:.2f}x): its body is "
                        "validated by Pydantic (LinkCreate)",
                        ratio <= limit if held else None,
                    )
                )
    return packaged_cold_start.report(twin, results), figures


def warm(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    results = warm_overhead.measure(invokes=2000 if run.quick else 10_000, runs=5)
    limits = {"api": 60.0, "redirect": 10.0, "events": None}
    figures = []
    floor_us = results["api"]["fastapi floor"]["median_us"]
    for name, variants in results.items():
        mine = variants["shortstack"]["median_us"]
        if "plain" not in variants:  # the API's other hot routes: against one FastAPI route
            limit = API_WARM_RATIO * floor_us
            figures.append(
                Figure(
                    f"{name} warm, per invoke (one-route FastAPI: {floor_us:.0f} us)",
                    mine,
                    "us",
                    f"<= {API_WARM_RATIO}x one-route FastAPI: {mine / floor_us:.2f}x",
                    mine <= limit,
                )
            )
            continue
        plain = variants["plain"]["median_us"]
        limit = limits[name]
        floor = variants.get("fastapi floor")
        also = f"; one-route FastAPI: {floor['median_us']:.0f} us" if floor else ""
        figures.append(
            Figure(
                f"{name} warm, per invoke (plain: {plain:.1f} us{also})",
                mine,
                "us",
                f"<= {limit:g} us" if limit else "",
                mine <= limit if limit else None,
            )
        )
        if "with LinkClicked" in variants:  # the fakes' outbox: an event no DynamoDB run builds
            figures.append(
                Figure(
                    f"{name} warm, per invoke, building a LinkClicked each (the fakes' outbox)",
                    variants["with LinkClicked"]["median_us"],
                    "us",
                    "",
                    None,
                )
            )
    return results, figures


THROUGHPUT_RATIO = 0.5  # of the raw dict app's requests/s on granian, in the same run
P99_RATIO = 3.0


def throughput(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    if not ensure_wrk():
        return {"skipped": "no wrk"}, []
    result = redirect_throughput.measure(
        links=10_000, seconds=3 if run.quick else 10, connections=32
    )
    raw = {
        "bare": asdict(result.bare),
        "bare_server": redirect_throughput.BASELINE_SERVER,
        "shortstack": asdict(result.shortstack),
        "clicks_stored": result.clicks_stored,
        "every_click_recorded": result.every_click_recorded,
        "stats": asdict(result.stats) if result.stats else None,
        "ratio": round(result.ratio, 3),
        "p99_ratio": round(result.p99_ratio, 3),
        "sqlite_synchronous": "full",
        "normal": asdict(result.normal) if result.normal else None,
        "full_vs_normal": round(result.full_cost, 3) if result.full_cost else None,
        "floor": asdict(result.floor) if result.floor else None,
        "floor_ratio": round(result.floor_ratio, 3) if result.floor_ratio else None,
        "shortstack_of_floor": round(result.of_floor, 3) if result.of_floor else None,
    }
    base = f"raw dict app on {redirect_throughput.BASELINE_SERVER}"
    return raw, [
        Figure(
            f"local redirects/s ({base}: {result.bare.requests_per_s:,.0f})",
            result.shortstack.requests_per_s,
            "req/s",
            f">= {THROUGHPUT_RATIO}x: {result.ratio:.2f}x",
            result.ratio >= THROUGHPUT_RATIO,
        ),
        Figure(
            f"local redirect p99 ({base}: {result.bare.p99_ms:.2f} ms)",
            result.shortstack.p99_ms,
            "ms",
            f"<= {P99_RATIO:.0f}x: {result.p99_ratio:.2f}x",
            result.p99_ratio <= P99_RATIO,
        ),
        *(
            [
                Figure(
                    f"synchronous=FULL's redirects/s against NORMAL's "
                    f"({result.normal.requests_per_s:,.0f} req/s)",
                    result.full_cost,
                    "x",
                    "the cost of surviving a power cut",
                    None,
                )
            ]
            if result.normal and result.full_cost
            else []
        ),
        *(
            [
                Figure(
                    "the floor: one UPDATE a click through the same group commit and fsync, "
                    f"nothing else (p99 {result.floor.p99_ms:.2f} ms, "
                    f"{result.floor.p99_ms / result.bare.p99_ms:.2f}x)",
                    result.floor.requests_per_s,
                    "req/s",
                    f"{result.floor_ratio:.2f}x the dict app; shortstack {result.of_floor:.2f}x "
                    "of it",
                    None,
                )
            ]
            if result.floor and result.floor_ratio and result.of_floor
            else []
        ),
        Figure(
            f"clicks stored for {result.shortstack.requests:,} answered redirects",
            result.clicks_stored,
            "clicks",
            "every click recorded",
            result.every_click_recorded,
        ),
        *(
            [
                Figure(
                    f"clicks in the links' daily stats ({result.stats.stored:,} stored)",
                    result.stats.folded,
                    "clicks",
                    "exact at once: each click folded in its own transaction",
                    result.stats.exact,
                )
            ]
            if result.stats
            else []
        ),
    ]


def bulk(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    rows = 10_000 if run.quick else 100_000
    result = bulk_import.measure(rows)
    seconds = float(result["seconds"])
    run.bulk_seconds = seconds
    return result, [
        Figure(f"bulk import of {rows:,} rows (SQLite)", seconds, "s", "< 30 s", seconds < 30)
    ]


def upload(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    rows = 10_000 if run.quick else 100_000
    result = upload_import.measure(rows, row_bytes=500)
    seconds = float(result["seconds"])
    bulk_seconds = run.bulk_seconds
    ratio = seconds / bulk_seconds if bulk_seconds else None
    target = f"<= 1.5x the bulk step: {ratio:.2f}x" if ratio else "<= 1.5x the bulk step"
    name = f"{result['megabytes']} MB, {rows:,} rows through the local upload URL"
    return result, [Figure(name, seconds, "s", target, ratio <= 1.5 if ratio else None)]


def batch(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    """1,000 links as single POSTs, then as one batch, through `shortstack serve`."""
    result = batch_create.measure(links=1000)
    return result, [
        Figure(
            f"1,000 links as one batch (1,000 single POSTs: {result['single_posts_s']:.2f} s)",
            result["batch_s"],
            "s",
            f"{result['speedup']:.1f}x faster than single POSTs",
            None,
        )
    ]


def export(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    """The server's peak RSS while it streams a CSV of 10,000 and of 100,000 links."""
    sizes = (1_000, 10_000) if run.quick else (10_000, 100_000)
    result = link_export.measure(sizes)
    small, large = result["runs"][0], result["runs"][-1]
    ratio = result["growth_ratio"]
    return result, [
        Figure(
            f"CSV export of {large['links']:,} links, server peak RSS growth "
            f"({small['links']:,} links: {small['peak_growth_mib']:.1f} MiB)",
            large["peak_growth_mib"],
            "MiB",
            f"bounded: <= 2x the smaller export's: {ratio:.2f}x",
            ratio <= 2,
        )
    ]


def cost(run: Run) -> tuple[dict[str, Any], list[Figure]]:
    """Measure the request profile, write it where `shortstack cost` reads it, and price it."""
    from shortstack.pricing import (
        ALARM_SETS,
        FixedPrices,
        FreeTier,
        Prices,
        Standing,
        Usage,
        fixed_monthly,
        monthly_usd,
        per_million,
    )

    profile = cost_profile.build_profile(run.machine)
    if not run.quick:  # the shipped profile comes from full runs only
        cost_profile.write_profile(profile)
    price_data = json.loads((REPO / "src" / "shortstack" / "data" / "aws_prices.json").read_text())
    prices, free = Prices.from_mapping(price_data), FreeTier.from_mapping(price_data)
    redirect_usage = Usage.from_mapping(profile["usage"]["redirect"])
    classic_usage = Usage.from_mapping(profile["reference"]["classic_redirect"])
    redirect = per_million(redirect_usage, prices)
    api = per_million(Usage.from_mapping(profile["usage"]["api"]), prices)
    classic = per_million(classic_usage, prices)

    def versus(redirects: int, allowances: FreeTier | None) -> float:
        ours = monthly_usd(redirects, redirect_usage, prices, allowances)
        return ours / monthly_usd(redirects, classic_usage, prices, allowances)

    small, large = versus(5_000_000, free), versus(100_000_000, None)
    # An idle month is the fixed lines alone, for each of the templates' alarm sets.
    deployment = json.loads((REPO / "src" / "shortstack" / "data" / "deployment.json").read_text())
    idle = {
        alarm_set: round(  # to the cent, as `shortstack cost` gives a month
            sum(
                fixed_monthly(
                    Standing.from_mapping(deployment, alarm_set),
                    FixedPrices.from_mapping(price_data),
                ).values()
            ),
            2,
        )
        for alarm_set in ALARM_SETS
    }
    raw = {
        "usd_per_million": {"redirect": redirect, "api": api, "classic_redirect": classic},
        "redirect_vs_classic": {"5M_free_tier": small, "100M_list": large},
        "idle_month_usd": idle,
        "profile": profile,
    }
    return raw, [
        Figure(
            f"$ per million redirects, list prices (classic design: ${classic:.2f})",
            redirect,
            "USD",
            f"<= 1.0x classic at 100M/month: {large:.2f}x",
            large <= 1.0,
        ),
        Figure(
            "redirect_vs_classic, 5M redirects/month, free tiers deducted",
            small,
            "x",
            "<= 0.5",
            small <= 0.5,
        ),
        Figure("$ per million API requests (POST /api/v1/links)", api, "USD", "", None),
        Figure(
            f"$ an idle month, default alarms (AlarmSet=all: ${idle['all']:.2f})",
            idle[ALARM_SETS[0]],
            "USD",
            "$0.00",
            idle[ALARM_SETS[0]] == 0,
        ),
    ]


MEASURES: dict[str, Callable[[Run], tuple[dict[str, Any], list[Figure]]]] = {
    "cold": cold,
    "packaged": packaged,
    "warm": warm,
    "throughput": throughput,
    "bulk": bulk,
    "upload": upload,
    "batch": batch,
    "export": export,
    "cost": cost,
}


def results_path(*, quick: bool, skipped: bool) -> Path:
    """bench/results.json for a full run; an untracked file for a smoke or partial one."""
    return SMOKE_RESULTS if quick or skipped else RESULTS


def update(steps: list[str]) -> int:
    """Measure `steps` again and replace their results and figures in bench/results.json.

    The file keeps the other steps' figures from the run that wrote them, and says which
    steps were measured again, when and on what (`updated`). A step that fails leaves the
    file as it was.
    """
    unknown = set(steps) - set(STEPS)
    if unknown or not steps:
        print(f"unknown steps {sorted(unknown)}; choose among {', '.join(STEPS)}")
        return 2
    report = json.loads(RESULTS.read_text())
    run = Run(False, machine())
    for step in steps:
        print(f"{step} ...", flush=True)
        raw, found = MEASURES[step](run)
        report["results"][RESULT_KEYS.get(step, step)] = raw
        kept = [figure for figure in report["figures"] if figure.get("step") != step]
        report["figures"] = kept + [asdict(replace(figure, step=step)) for figure in found]
        report.setdefault("updated", {})[step] = run.machine
        for figure in found:
            print(figure.row())
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples: a smoke run")
    parser.add_argument("--skip", default="", help=f"comma-separated steps of {', '.join(STEPS)}")
    parser.add_argument(
        "--update",
        default="",
        help="comma-separated steps: measure only these and replace their figures in "
        "bench/results.json, keeping the other steps' (each step's ratios are taken "
        "within the step)",
    )
    args = parser.parse_args()
    if args.update:
        return update([step.strip() for step in args.update.split(",") if step.strip()])
    skipped = {step.strip() for step in args.skip.split(",") if step.strip()}
    unknown = skipped - set(STEPS)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}; choose among {', '.join(STEPS)}")
    run = Run(args.quick, machine())
    report: dict[str, Any] = {"machine": run.machine, "quick": args.quick, "results": {}}
    figures: list[Figure] = []
    failed: list[str] = []
    started = time.monotonic()
    for step in STEPS:
        if step in skipped:
            continue
        print(f"[{time.monotonic() - started:5.0f} s] {step} ...", flush=True)
        try:
            raw, found = MEASURES[step](run)
        except (subprocess.SubprocessError, RuntimeError, OSError) as error:
            # A step that fails (a child timing out on a loaded machine) costs its own
            # figures, not the other steps' minutes; the run then counts as partial.
            print(f"FAILED {step}: {error!r}", flush=True)
            failed.append(step)
            raw, found = {"failed": repr(error)}, []
        report["results"][RESULT_KEYS.get(step, step)] = raw
        figures.extend(replace(figure, step=step) for figure in found)
    report["figures"] = [asdict(figure) for figure in figures]
    report["seconds"] = round(time.monotonic() - started, 1)
    written = results_path(quick=args.quick, skipped=bool(skipped) or bool(failed))
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(json.dumps(report, indent=2) + "\n")
    described = report["machine"]
    print(
        f"\n{described['cpu_model']}, {described['cores']} cores, Python {described['python']}, "
        f"{described['os']}, {described['date']} ({report['seconds']} s)\n\n"
        "| figure | measured | target | |\n|---|---|---|---|"
    )
    for figure in figures:
        print(figure.row())
    print(f"\nwritten to {written.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
