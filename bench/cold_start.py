"""Cold start of the redirect Lambda next to a hand-written boto3 handler and the API Lambda.

Each sample is a fresh Python process that imports a handler module and answers
the first `GET /{short_id}` event (tests/events/apigw_v2_redirect_get.json) against
a local stub DynamoDB endpoint, then a second (warm) one. The variants run
round-robin so that machine noise spreads evenly; medians are reported.

A second table times the imports the redirect Lambda avoids or needs, each in a
fresh process: is Powertools' Logger or boto3 worth worrying about here?

    python -m bench.cold_start [--samples 15]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from bench import stub_dynamodb
from bench.common import REPO, median

EVENT = REPO / "tests" / "events" / "apigw_v2_redirect_get.json"
HANDLERS = {
    "hand-written boto3 handler": "bench.plain_redirect_handler",
    "redirect Lambda (lambda_redirect)": "shortstack.entrypoints.lambda_redirect",
    "API Lambda, FastAPI + Mangum (lambda_api)": "shortstack.entrypoints.lambda_api",
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
    "pydantic-settings": ("", "import pydantic_settings"),
    "fastapi": ("", "import fastapi"),
    "mangum": ("", "import mangum"),
}

_SAMPLE = """
import json, time
event = json.loads(open({event!r}).read().replace("{{id}}", "abc1234"))
t0 = time.perf_counter()
import {module} as entry
t1 = time.perf_counter()
first = entry.handler(event, None)
t2 = time.perf_counter()
entry.handler(event, None)
t3 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, first["statusCode"]]))
"""

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


def run_python(code: str, env: dict[str, str]) -> tuple[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return out.stdout.strip().splitlines()[-1], time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    server, endpoint = stub_dynamodb.start()
    env = environment(endpoint)
    samples: dict[str, list[list[float]]] = {name: [] for name in HANDLERS}
    imports: dict[str, list[float]] = {name: [] for name in IMPORTS}
    try:
        for _ in range(args.samples):
            for name, module in HANDLERS.items():
                line, wall = run_python(_SAMPLE.format(event=str(EVENT), module=module), env)
                import_s, first_s, warm_s, status = json.loads(line)
                assert status == 302, (name, status)
                samples[name].append([import_s, first_s, import_s + first_s, warm_s, wall])
            for name, (prelude, statement) in IMPORTS.items():
                line, _ = run_python(_IMPORT.format(prelude=prelude, statement=statement), env)
                imports[name].append(float(line))
    finally:
        server.shutdown()
    print(
        f"median of {args.samples} fresh processes each (ms)\n\n"
        "| handler | import | first event | import + first event | warm event | process wall |\n"
        "|---|---|---|---|---|---|"
    )
    for name, rows in samples.items():
        columns = [median([row[i] for row in rows]) * 1000 for i in range(5)]
        print(f"| {name} | " + " | ".join(f"{value:.1f}" for value in columns[:3]), end="")
        print(f" | {columns[3]:.2f} | {columns[4]:.0f} |")
    print("\n| import, alone in a fresh process | ms |\n|---|---|")
    for name, values in imports.items():
        print(f"| {name} | {median(values) * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
