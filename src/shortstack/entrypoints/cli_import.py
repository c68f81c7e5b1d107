"""`shortstack import FILE.csv`: bulk-import links, with a progress bar on the terminal.

Without `--url` the import runs in this process against the local DATA_DIR
(the same workflow the server runs). With `--url` the file always goes through
the upload flow (docs/decisions/0302): `POST /api/v1/imports/uploads` for a URL,
the file sent there (a presigned S3 URL on AWS, the server itself locally), then
the import's status is polled. One path for every size: a direct POST would stop
at the Lambda event's limit on AWS.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shortstack.config import Settings
from shortstack.entrypoints.cli_data import command_settings

BAR_WIDTH = 30
POLL_S = 0.25
FINAL = {"succeeded", "partially_succeeded", "failed"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        type=Path,
        help="CSV of url[,alias][,ttl_days] rows, or a YOURLS, Bitly, Shlink or Kutt export",
    )
    parser.add_argument("--url", help="a running server's base URL (default: run it here)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--token", help="with --url: a bearer token or API key (sk_...) for AUTH_MODE=jwt servers"
    )


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


def _local(settings: Settings, data: bytes, filename: str, quiet: bool) -> dict[str, Any]:
    from shortstack.bootstrap import bootstrap
    from shortstack.entrypoints.http.schemas.imports import ImportPublic

    container = bootstrap(settings)
    try:
        service = container.imports
        job = service.accept("local", data, filename)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                service.start(job.import_id)
            except BaseException as exc:  # reported by the main thread
                failure.append(exc)

        # Without a server, start() runs the whole workflow: here in a worker thread, so
        # the main thread can draw the progress bar from the job's counts.
        worker = threading.Thread(target=run, name="import", daemon=True)
        worker.start()

        def poll() -> dict[str, Any]:
            stopped = not worker.is_alive()
            if failure:
                raise failure[0]
            current, page = service.status("local", job.import_id, limit=20, cursor=None)
            if stopped and not current.status.is_final:
                raise RuntimeError(
                    f"import {job.import_id} stopped before its end; `shortstack serve` resumes it"
                )
            public = ImportPublic.of(current, list(page.items), page.next_cursor)
            return public.model_dump(mode="json")

        status = follow(poll, quiet)
        worker.join()
        return status
    finally:
        container.close()


def _remote(
    base_url: str, data: bytes, filename: str, quiet: bool, token: str | None
) -> dict[str, Any]:
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError("--url must be an http:// or https:// address")
    auth = {"authorization": f"Bearer {token}"} if token else {}
    upload = _call(
        f"{base}{UPLOADS_PATH}",
        "POST",
        json.dumps({"filename": filename, "size": len(data), "content_type": "text/csv"}).encode(),
        {"content-type": "application/json", **auth},
    )
    if not str(upload.get("upload_url", "")).startswith(("http://", "https://")):
        raise ValueError(f"the server answered no usable upload URL: {upload}")
    if not quiet:
        print(f"uploading {len(data):,} bytes", file=sys.stderr, flush=True)
    # The upload URL is its own credential (a presigned S3 URL on AWS): no auth header.
    _call(upload["upload_url"], upload["method"], data, dict(upload["headers"]), timeout=600)
    location = f"{base}/api/v1/imports/{upload['import_id']}"
    return follow(lambda: _call(location, "GET", None, auth), quiet)


def _call(
    url: str, method: str, body: bytes | None, headers: dict[str, str], timeout: float = 60
) -> dict[str, Any]:
    """One HTTP exchange; its JSON answer ({} when the answer has no body, as S3's PUT)."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (user's URL)
        raw = response.read()
    try:
        answer = json.loads(raw) if raw.strip() else {}
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise NotOurServer(f"did not answer JSON to {method} {urllib.parse.urlsplit(url).path}")
    return answer


UPLOADS_PATH = "/api/v1/imports/uploads"


class NotOurServer(Exception):
    """An answer no shortstack server gives: --url names something else."""


def _not_ours(base_url: str, what: str) -> str:
    return (
        f"shortstack: the server at {base_url} {what}; is --url the service's base address "
        "(as `make run` prints it, e.g. http://127.0.0.1:8000)?"
    )


def _server_message(exc: urllib.error.HTTPError) -> str:
    """The `message` of the server's JSON error body, or the body as text."""
    body = exc.read().decode(errors="replace")
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.strip() or exc.reason
    if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
        return str(parsed["message"])
    return body.strip()


def _unreachable(url: str, exc: urllib.error.URLError) -> str:
    """What to do when no server answers at `url`."""
    reason = exc.reason
    if isinstance(reason, ConnectionRefusedError):
        why = "nothing is listening there (connection refused)"
    elif isinstance(reason, TimeoutError):
        why = "it did not answer in time"
    else:
        why = str(getattr(reason, "strerror", None) or reason)
    return (
        f"shortstack: cannot reach a server at {url}: {why}.\n"
        "  Is it running? Start it with `make run` (or `shortstack serve`), or import into the\n"
        "  local data directly by leaving out --url."
    )


def run(args: argparse.Namespace) -> int:
    if args.token and not args.url:
        print(
            "shortstack import: error: argument --token: only with --url (a running server); "
            "an import here needs none",
            file=sys.stderr,
        )
        return 2
    settings: Settings | None = None
    if args.url:
        if not args.quiet:
            print(f"shortstack: data on the server at {args.url}", file=sys.stderr)
    else:
        chosen = command_settings(quiet=args.quiet)
        if isinstance(chosen, int):
            return chosen
        settings = chosen
    most = _upload_limit(settings)
    try:
        with args.file.open("rb") as given:
            data = given.read(most + 1)  # a file without end (a pipe, /dev/zero) stops here
    except OSError as exc:
        print(f"shortstack: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    if len(data) > most:
        which = "the upload limit" if settings else "the largest upload limit a server may have"
        print(
            f"shortstack: import refused: {args.file} is larger than {most:,} bytes, "
            f"{which} (IMPORT_UPLOAD_MAX_BYTES)",
            file=sys.stderr,
        )
        return 2
    try:
        if settings is None:
            status = _remote(args.url, data, args.file.name, args.quiet, args.token)
        else:
            status = _local(settings, data, args.file.name, args.quiet)
    except urllib.error.HTTPError as exc:
        path = urllib.parse.urlsplit(exc.url or "").path
        if exc.code in (404, 405) and path.endswith(UPLOADS_PATH):  # the first call: no such route
            print(_not_ours(args.url, f"answered {exc.code} to POST {path}"), file=sys.stderr)
        else:
            print(f"shortstack: refused ({exc.code}): {_server_message(exc)}", file=sys.stderr)
        return 2
    except NotOurServer as exc:
        print(_not_ours(args.url, str(exc)), file=sys.stderr)
        return 2
    except urllib.error.URLError as exc:
        print(_unreachable(args.url, exc), file=sys.stderr)
        return 2
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc)
        print(f"shortstack: import refused: {message}", file=sys.stderr)
        return 2
    fields = ("import_id", "status", "format", "counts", "errors")
    print(json.dumps({k: status[k] for k in fields}))
    return 0 if status["status"] != "failed" else 1


def _upload_limit(settings: Settings | None) -> int:
    """The most a file may hold: this data's upload limit; with --url, the largest any
    server may have (the server refuses a size past its own when asked for the upload)."""
    if settings is not None:
        return settings.import_upload_max_bytes
    field = Settings.model_fields["import_upload_max_bytes"]
    return next(int(bound.le) for bound in field.metadata if hasattr(bound, "le"))  # le=5 GiB
