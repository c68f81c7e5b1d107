"""Bulk import throughput: a 100,000-row CSV through the local workflow on SQLite.

The same path `shortstack import FILE.csv` and `POST /api/v1/imports` take: the
ASL definition walked by the local runner, validate -> transform -> load in
chunks of 2,000 rows, links written with conditional creates. A few rows are
bad on purpose (unsafe URL, taken alias, bad ttl) and must be reported.

    python -m bench.bulk_import [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from shortstack.bootstrap import bootstrap
from shortstack.config import Settings


def make_csv(rows: int) -> bytes:
    lines = ["url,alias,ttl_days"]
    lines += [f"https://example.com/articles/{n}?utm_source=import" for n in range(rows)]
    lines[1] = "javascript:alert(1)"
    lines[2] = "https://example.com/x,bench-alias,7"
    lines[3] = "https://example.com/y,bench-alias,7"
    lines[4] = "https://example.com/z,,0"
    return ("\n".join(lines) + "\n").encode()


def measure(rows: int) -> dict[str, float | int | str]:
    """Import `rows` rows into a fresh DATA_DIR; time, rows/s and the final counts."""
    data = make_csv(rows)
    with tempfile.TemporaryDirectory() as data_dir:
        container = bootstrap(Settings(storage="sqlite", data_dir=Path(data_dir)))
        try:
            started = time.perf_counter()
            job = container.imports.submit("bench", data, "bench.csv")
            seconds = time.perf_counter() - started
            final = container.imports.get("bench", job.import_id)
        finally:
            container.close()
    counts = final.counts
    # Row 4 asks for row 3's alias: invalid (validate knows it from the file alone).
    if counts.invalid != 3 or counts.failed != 0 or counts.loaded != rows - 3:
        raise SystemExit(f"wrong outcome: {counts}")
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "status": str(final.status),
        "loaded": counts.loaded,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(measure(args.rows)))


if __name__ == "__main__":
    main()
