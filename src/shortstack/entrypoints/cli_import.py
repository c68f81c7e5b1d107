"""`shortstack import FILE.csv`: bulk-import links, with a progress bar on the terminal.

Without `--url` the import runs in this process against the local DATA_DIR
(the same workflow the server runs); with `--url` the file is uploaded to a
running server (`POST /api/v1/imports`) and its status is polled.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shortstack.config import Settings

BAR_WIDTH = 30
POLL_S = 0.25
FINAL = {"succeeded", "partially_succeeded", "failed"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV of url[,alias][,ttl_days] rows")
    parser.add_argument("--url", help="a running server's base URL (default: run it here)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def progress_line(status: dict[str, Any]) -> str:
    """`[#####-----]  50%  1,000/2,000 rows loaded, 3 errors  running`."""
    counts = status.get("counts", {})
    valid, loaded = counts.get("valid", 0), counts.get("loaded", 0)
    errors = counts.get("invalid", 0) + counts.get("failed", 0)
    done = loaded + counts.get("failed", 0)
    share = done / valid if valid else (1.0 if status.get("status") in FINAL else 0.0)
    filled = int(share * BAR_WIDTH)
    return (
        f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {share:4.0%}  "
        f"{loaded:,}/{valid:,} rows loaded, {errors:,} errors  {status.get('status', '')}"
    )


def follow(poll: Callable[[], dict[str, Any]], quiet: bool) -> dict[str, Any]:
    """Poll until the import is final, redrawing the progress bar; the final status."""
    while True:
        status = poll()
        if not quiet:
            print("\r" + progress_line(status), end="", file=sys.stderr, flush=True)
        if status.get("status") in FINAL:
            if not quiet:
                print(file=sys.stderr)
            return status
        time.sleep(POLL_S)


def _local(data: bytes, filename: str, quiet: bool) -> dict[str, Any]:
    from shortstack.bootstrap import bootstrap
    from shortstack.entrypoints.http.schemas.imports import ImportPublic

    container = bootstrap(Settings())
    try:
        submitted: dict[str, str] = {}
        failure: list[BaseException] = []

        def run() -> None:
            try:
                job = container.imports.submit("local", data, filename)
                submitted["id"] = job.import_id
            except BaseException as exc:  # reported by the main thread
                failure.append(exc)

        # submit() runs the whole workflow when no server thread does: poll it from here.
        worker = threading.Thread(target=run, daemon=True)
        worker.start()

        def poll() -> dict[str, Any]:
            if failure:
                raise failure[0]
            jobs = container.imports.imports.list_unfinished(1)
            job_id = submitted.get("id") or (jobs[0].import_id if jobs else None)
            if job_id is None:
                return {"status": "pending", "counts": {}}
            job = container.imports.get("local", job_id)
            page = container.imports.errors("local", job_id, limit=20, cursor=None)
            return ImportPublic.of(job, list(page.items), page.next_cursor).model_dump(mode="json")

        status = follow(poll, quiet)
        worker.join()
        return status
    finally:
        container.close()


def _remote(base_url: str, data: bytes, quiet: bool) -> dict[str, Any]:
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError("--url must be an http:// or https:// address")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        f"{base}/api/v1/imports", data=data, headers={"content-type": "text/csv"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (user's URL)
        location = response.headers["location"]

    def poll() -> dict[str, Any]:
        with urllib.request.urlopen(f"{base}{location}", timeout=30) as answer:  # noqa: S310
            status: dict[str, Any] = json.load(answer)
            return status

    return follow(poll, quiet)


def run(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        if args.url:
            status = _remote(args.url, data, args.quiet)
        else:
            status = _local(data, args.file.name, args.quiet)
    except urllib.error.HTTPError as exc:
        print(f"refused ({exc.code}): {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 2
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc)
        print(f"import refused: {message}", file=sys.stderr)
        return 2
    print(json.dumps({k: status[k] for k in ("import_id", "status", "counts", "errors")}))
    return 0 if status["status"] != "failed" else 1
