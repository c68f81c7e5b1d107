"""Cold start of each Lambda entry next to a hand-written boto3 handler making the same call.

Each sample is a fresh Python process that imports a handler module and answers
its first event (redirect: `GET /{short_id}`; API: `GET /api/v1/links/{id}`;
events: an SQS batch of two LinkClicked events; stream: the six records of a link's
life captured from DynamoDB Local, in a tumbling window), then a second (warm) one, against
a local stub DynamoDB endpoint (bench/stub_dynamodb.py). The variants run
round-robin so that machine noise spreads evenly; medians are reported.

`--imports` adds a table of single imports, each timed in a fresh process: is
Powertools' Logger or boto3 worth worrying about here?

    python -m bench.cold_start [--samples 15] [--imports]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench import stub_dynamodb
from bench.common import REPO, median

EVENTS = REPO / "tests" / "events"
STREAM_EVENT = "ddb_stream_link_lifecycle.json"
WINDOW: tuple[tuple[str, object], ...] = (
    ("window", {"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T10:15:00Z"}),
    ("state", {}),
    ("shardId", "shardId-00000001796167000000-bench001"),
    ("isFinalInvokeForWindow", False),
)


@dataclass(frozen=True)
class Entry:
    """A Lambda handler module, the event file it answers and what a right answer is."""

    module: str
    event: str
    expected: object
    # SQS batches keep their first records only: the file's later ones are deliberately bad.
    records: int = 2
    # Fields added to the event (a stream's tumbling-window fields).
    extra: tuple[tuple[str, object], ...] = ()


# Each shortstack entry next to the hand-written boto3 handler making the same storage call.
PAIRS = {
    "redirect": (
        Entry("shortstack.entrypoints.lambda_redirect", "apigw_v2_redirect_get.json", 302),
        Entry("bench.plain_redirect_handler", "apigw_v2_redirect_get.json", 302),
    ),
    "api": (
        Entry("shortstack.entrypoints.lambda_api", "apigw_v2_links_get.json", 200),
        Entry("bench.plain_api_handler", "apigw_v2_links_get.json", 200),
    ),
    "events": (
        Entry("shortstack.entrypoints.lambda_events", "sqs_eventbridge_link_clicked.json", []),
        Entry("bench.plain_events_handler", "sqs_eventbridge_link_clicked.json", []),
    ),
    "stream": (
        Entry("shortstack.entrypoints.lambda_stream", STREAM_EVENT, [], 6, WINDOW),
        Entry("bench.plain_stream_handler", STREAM_EVENT, [], 6, WINDOW),
    ),
}
# Statements timed alone in a fresh interpreter; "prelude" runs first, untimed.
IMPORTS = {
    "import boto3": ("", "import boto3"),
    "boto3 + one DynamoDB client": ("", "import boto3; boto3.client('dynamodb')"),
    "Powertools Logger (boto3 already loaded)": (
        "import boto3",
        "from aws_lambda_powertools import Logger; Logger(service='s')",
    ),
    "pydantic": ("", "import pydantic"),
    "fastapi": ("", "import fastapi"),
    "mangum": ("", "import mangum"),
}

# Loads an entry's event (a format string: event, records, extra); what samples share.
EVENT_PRELUDE = """
import json, time
text = open({event!r}).read()
event = json.loads(text.replace("{{id}}", "abc1234").replace("{{short_id}}", "abc1234"))
if "Records" in event:
    event["Records"] = event["Records"][:{records}]
event.update({extra})
"""
_SAMPLE = (
    EVENT_PRELUDE
    + """c0 = time.process_time()
t0 = time.perf_counter()
import {module} as entry
t1 = time.perf_counter()
first = entry.handler(event, None)
t2 = time.perf_counter()
c2 = time.process_time()
entry.handler(event, None)
t3 = time.perf_counter()
outcome = first.get("statusCode", first.get("batchItemFailures"))
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, c2 - c0, outcome]))
"""
)

_IMPORT = """
import time
{prelude}
t0 = time.perf_counter()
{statement}
print(time.perf_counter() - t0)
"""


def environment(endpoint: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{REPO}:{REPO / 'src'}",
        "STORAGE": "dynamodb",
        "STAGE": "aws",
        "TABLE_NAME": "shortstack-bench",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "FRONTEND_ORIGIN": "https://app.example.com",
        "LOG_LEVEL": "WARNING",
    }


def run_python(
    code: str, env: dict[str, str], python: Sequence[str] = (sys.executable,)
) -> tuple[str, float]:
    """The last line `code` prints in a fresh `python` process, and the process's wall time."""
    started = time.perf_counter()
    out = subprocess.run(
        [*python, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return out.stdout.strip().splitlines()[-1], time.perf_counter() - started


@dataclass(frozen=True)
class ColdStart:
    """Medians over fresh processes, in milliseconds."""

    import_ms: float
    first_event_ms: float
    warm_event_ms: float
    # CPU time of import + first event: what a loaded machine distorts least (its wall
    # clock also counts the time other processes held the cores).
    cpu_ms: float
    process_wall_ms: float

    @property
    def total_ms(self) -> float:
        return self.import_ms + self.first_event_ms


def summarize(values: Sequence[Sequence[float]]) -> ColdStart:
    """The medians, in milliseconds, of samples taken by sample()."""
    return ColdStart(*(median([row[i] for row in values]) * 1000 for i in range(5)))


def sample(
    entry: Entry, env: dict[str, str], python: Sequence[str] = (sys.executable,)
) -> list[float]:
    """One fresh process: [import, first event, second event, CPU, process wall] in seconds."""
    code = _SAMPLE.format(
        event=str(EVENTS / entry.event),
        module=entry.module,
        records=entry.records,
        extra=repr(dict(entry.extra)),
    )
    line, wall = run_python(code, env, python)
    import_s, first_s, warm_s, cpu_s, outcome = json.loads(line)
    if outcome != entry.expected:
        raise RuntimeError(f"{entry.module} answered {outcome!r}, not {entry.expected!r}")
    return [import_s, first_s, warm_s, cpu_s, wall]


def with_bytecode(env: dict[str, str]) -> dict[str, str]:
    """`env` letting Python write `__pycache__`: each variant imports from bytecode.

    The source tree is timed as a developer runs it, with its bytecode written. Where the
    environment says PYTHONDONTWRITEBYTECODE (this machine's shell does), every sample
    compiled every module it imported instead, boto3's as much as ours: ~2.5x the
    milliseconds, and ratios that said more about compiling than about the entries
    (bench/README.md, "Cold starts").
    """
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


def measure(samples: int) -> dict[str, dict[str, ColdStart]]:
    """{entry name: {"shortstack": ..., "plain": ...}}, variants run round-robin."""
    server, endpoint = stub_dynamodb.start()
    env = with_bytecode(environment(endpoint))
    rows: dict[tuple[str, str], list[list[float]]] = {}
    try:
        for mine, plain in PAIRS.values():  # untimed: writes what the samples then read
            sample(mine, env)
            sample(plain, env)
        for _ in range(samples):
            for name, (mine, plain) in PAIRS.items():
                for variant, entry in (("shortstack", mine), ("plain", plain)):
                    rows.setdefault((name, variant), []).append(sample(entry, env))
    finally:
        server.shutdown()
    results: dict[str, dict[str, ColdStart]] = {}
    for (name, variant), values in rows.items():
        results.setdefault(name, {})[variant] = summarize(values)
    return results


def measure_imports(samples: int) -> dict[str, float]:
    """Median milliseconds of each statement of IMPORTS, alone in a fresh process."""
    env = with_bytecode(environment("http://127.0.0.1:9"))
    for prelude, statement in IMPORTS.values():  # untimed: writes the bytecode
        run_python(_IMPORT.format(prelude=prelude, statement=statement), env)
    times: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(samples):
        for name, (prelude, statement) in IMPORTS.items():
            line, _ = run_python(_IMPORT.format(prelude=prelude, statement=statement), env)
            times[name].append(float(line))
    return {name: median(values) * 1000 for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--imports", action="store_true", help="also time single imports")
    args = parser.parse_args()
    print(
        f"median of {args.samples} fresh processes each (ms)\n\n"
        "| entry | handler | import | first event | import + first event | warm event "
        "| process wall | ratio |\n|---|---|---|---|---|---|---|---|"
    )
    for name, variants in measure(args.samples).items():
        plain = variants["plain"]
        for variant, result in variants.items():
            print(
                f"| {name} | {variant} | {result.import_ms:.1f} | {result.first_event_ms:.1f} "
                f"| {result.total_ms:.1f} | {result.warm_event_ms:.2f} "
                f"| {result.process_wall_ms:.0f} | {result.total_ms / plain.total_ms:.2f}x |"
            )
    if args.imports:
        print("\n| import, alone in a fresh process | ms |\n|---|---|")
        for name, ms in measure_imports(args.samples).items():
            print(f"| {name} | {ms:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
