"""Every boto3 client the code builds has short timeouts and bounded, adaptive retries.

Each adapter that talks to AWS gets its client from `adapters/aws.py`; these tests
walk what the composition root and the Lambda entrypoints built and check the
configuration of every client found, so a client made some other way fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shortstack.adapters.aws import (
    DEFAULT_BUDGET,
    ORPHAN_VISIT_BUDGET,
    REDIRECT_BUDGET,
    LazyClient,
    RetryBudget,
)
from shortstack.bootstrap import bootstrap
from tests.conftest import settings_for
from tests.lambda_support import fresh_import

SRC = Path(__file__).resolve().parents[2] / "src" / "shortstack"


def clients_in(root: object, depth: int = 6) -> dict[str, Any]:
    """The boto3 clients reachable from `root` through attributes and containers, by service."""
    from botocore.client import BaseClient

    found: dict[str, Any] = {}
    seen: set[int] = set()

    def visit(value: object, level: int) -> None:
        if id(value) in seen or level > depth:
            return
        seen.add(id(value))
        if isinstance(value, LazyClient):
            value = _resolve(value)
        if isinstance(value, BaseClient):
            found.setdefault(value.meta.service_model.service_name, []).append(value)
            return
        if isinstance(value, dict):
            children: list[object] = list(value.values())
        elif isinstance(value, list | tuple | set):
            children = list(value)
        elif hasattr(value, "__dict__") and type(value).__module__.startswith("shortstack"):
            children = list(vars(value).values())
        elif hasattr(value, "__slots__") and type(value).__module__.startswith("shortstack"):
            children = [getattr(value, slot, None) for slot in value.__slots__]
        else:
            return
        for child in children:
            visit(child, level + 1)

    visit(root, 0)
    return found


def _resolve(lazy: LazyClient) -> Any:
    lazy.meta  # noqa: B018 - the first attribute read builds the client
    return lazy._client


def assert_bounded(client: Any, budget: RetryBudget = DEFAULT_BUDGET) -> None:
    config = client.meta.config
    assert config.connect_timeout == budget.connect_timeout_s
    assert config.read_timeout == budget.read_timeout_s
    assert config.retries == {"mode": "adaptive", "total_max_attempts": budget.max_attempts}


def test_the_dynamodb_wiring_builds_only_bounded_clients(
    moto_dynamodb: Any, tmp_path: Path
) -> None:
    settings = settings_for(
        "dynamodb",
        tmp_path,
        import_state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:import",
        events_dlq_url="https://sqs.us-east-1.amazonaws.com/123456789012/shortstack-events-dlq",
    )
    container = bootstrap(settings)
    found = clients_in(container)
    assert set(found) == {"dynamodb", "s3", "events", "stepfunctions", "sqs"}
    for clients in found.values():
        for client in clients:
            assert_bounded(client)


def test_the_redirect_lambda_builds_only_bounded_clients(
    moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORAGE", "dynamodb")
    module = fresh_import("shortstack.entrypoints.lambda_redirect")
    found = clients_in(module.redirects)
    assert set(found) == {"dynamodb"}  # it publishes nothing: the table's stream is the outbox
    # The link's client, and the orphan visits' own with its shorter budget (decision 0112).
    link_client, orphan_client = found["dynamodb"]
    assert_bounded(link_client, REDIRECT_BUDGET)
    assert_bounded(orphan_client, ORPHAN_VISIT_BUDGET)


def test_a_retry_budget_adds_every_attempt_and_every_full_backoff() -> None:
    # 3 attempts of 2 + 5 s, and backoffs of at most 1 s and 2 s between them.
    assert DEFAULT_BUDGET.worst_case_s() == 3 * 7 + 1 + 2
    assert RetryBudget(1, 1, 1).worst_case_s() == 2


def test_no_module_builds_a_client_around_adapters_aws() -> None:
    direct = re.compile(r"boto3\.(client|resource)\(|\bSession\(\)\.(client|resource)\(")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "aws.py" and direct.search(path.read_text())
    ]
    assert offenders == []
