"""The official DynamoDB Local engine as the tests reach it.

`scripts/dynamodb-local.sh run -- pytest ...` (what `make pytest` does) starts the engine
inside a private network namespace and exports its endpoint; where it cannot, it exports
the reason instead, and every case that needs the engine skips with that reason.
The JVM starts while pytest collects, so the first case only waits for what is left.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from shortstack.adapters.aws import make_client
from shortstack.adapters.dynamodb.table import create_table

ENDPOINT_VARIABLE = "DYNAMODB_LOCAL_ENDPOINT"
UNAVAILABLE_VARIABLE = "DYNAMODB_LOCAL_UNAVAILABLE"
LOG_VARIABLE = "DYNAMODB_LOCAL_LOG"
READY_TIMEOUT_S = 60.0
_BATCH = 25  # BatchWriteItem's limit


def endpoint() -> str | None:
    """The engine's URL when the wrapper started one for this run."""
    return os.environ.get(ENDPOINT_VARIABLE) or None


def unavailable_reason() -> str:
    """Why this run has no engine, as the wrapper found it (or that no wrapper ran)."""
    return os.environ.get(UNAVAILABLE_VARIABLE) or (
        "not started for this run; run the suite through `make pytest` "
        "(scripts/dynamodb-local.sh run -- pytest ...)"
    )


def _log_tail(lines: int = 30) -> str:
    path = os.environ.get(LOG_VARIABLE)
    if not path or not Path(path).is_file():
        return "(no engine log)"
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


def wait_until_ready(url: str, timeout_s: float = READY_TIMEOUT_S) -> Any:
    """A boto3 client once the engine answers ListTables; RuntimeError with its log if never."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(address, timeout=1):
                break
        except OSError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"DynamoDB Local at {url} did not answer within {timeout_s:.0f}s: {exc}\n"
                    f"{_log_tail()}"
                ) from exc
            time.sleep(0.05)
    client = make_client("dynamodb", url)
    client.list_tables(Limit=1)
    return client


def reset_table(client: Any, table_name: str) -> None:
    """Make `table_name` exist and hold nothing: create it once, then empty it between tests."""
    try:
        client.describe_table(TableName=table_name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        create_table(client, table_name)
        return
    # Emptying costs a Scan and a few batch writes, less than recreating the table per test
    # (bench/README.md has both figures).
    paginator = client.get_paginator("scan")
    keys = [
        {"PK": raw["PK"], "SK": raw["SK"]}
        for page in paginator.paginate(TableName=table_name, ProjectionExpression="PK, SK")
        for raw in page.get("Items", [])
    ]
    for start in range(0, len(keys), _BATCH):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH]]
        pending: dict[str, Any] = {table_name: requests}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
