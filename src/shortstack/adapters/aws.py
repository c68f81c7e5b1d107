"""boto3 clients with explicit timeouts and bounded, adaptive retries.

A slow dependency then fails a request in seconds instead of holding a
Lambda until its own timeout. boto3 is imported lazily: entrypoints that
never talk to AWS (the local server) do not pay its import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

# botocore's standard and adaptive modes sleep up to base * 2**(attempt - 1) seconds
# (base random in [0, 1)) between attempts, at most this long.
_MAX_BACKOFF_S = 20.0


@dataclass(frozen=True, slots=True)
class RetryBudget:
    """How long one SDK call may take at worst: every attempt times out, every backoff is full."""

    connect_timeout_s: float
    read_timeout_s: float
    max_attempts: int  # in all, the first call included

    def worst_case_s(self) -> float:
        attempts = self.max_attempts * (self.connect_timeout_s + self.read_timeout_s)
        backoffs = sum(min(2.0**retry, _MAX_BACKOFF_S) for retry in range(self.max_attempts - 1))
        return attempts + backoffs


DEFAULT_BUDGET = RetryBudget(connect_timeout_s=2, read_timeout_s=5, max_attempts=3)
# A redirect has a visitor waiting and makes one call (count the click); a single-item
# call to DynamoDB answers in milliseconds, so two short attempts fail over quickly and
# keep the function's timeout near one redirect's worth.
REDIRECT_BUDGET = RetryBudget(connect_timeout_s=1, read_timeout_s=2, max_attempts=2)
# Counting an orphan visit is worth less than the 404 it follows: one short attempt, and a
# slow table drops the count instead of holding the visitor (decision 0112).
ORPHAN_VISIT_BUDGET = RetryBudget(connect_timeout_s=0.5, read_timeout_s=0.5, max_attempts=1)

CONNECT_TIMEOUT_S = DEFAULT_BUDGET.connect_timeout_s
READ_TIMEOUT_S = DEFAULT_BUDGET.read_timeout_s
MAX_ATTEMPTS = DEFAULT_BUDGET.max_attempts
Client = TypeVar("Client")


# One overload per service we call: callers get mypy-boto3's typed clients, which mypy checks
# and nothing imports at run time.
@overload
def make_client(
    service: Literal["dynamodb"], endpoint_url: str | None = None, budget: RetryBudget = ...
) -> DynamoDBClient: ...
@overload
def make_client(
    service: Literal["dynamodbstreams"], endpoint_url: str | None = None, budget: RetryBudget = ...
) -> DynamoDBStreamsClient: ...
@overload
def make_client(
    service: Literal["events"], endpoint_url: str | None = None, budget: RetryBudget = ...
) -> EventBridgeClient: ...
@overload
def make_client(
    service: Literal["s3"], endpoint_url: str | None = None, budget: RetryBudget = ...
) -> S3Client: ...
@overload
def make_client(
    service: Literal["sqs"], endpoint_url: str | None = None, budget: RetryBudget = ...
) -> SQSClient: ...
@overload
def make_client(
    service: Literal["stepfunctions"], endpoint_url: str | None = None, budget: RetryBudget = ...
) -> SFNClient: ...


def make_client(
    service: str, endpoint_url: str | None = None, budget: RetryBudget = DEFAULT_BUDGET
) -> Any:
    """A boto3 client for `service`, configured for short, bounded waits."""
    import boto3

    config = _bounded(budget)
    return boto3.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]


def make_presigning_client(endpoint_url: str | None = None) -> S3Client:
    """An S3 client for presigned URLs: SigV4, virtual-hosted on the regional endpoint.

    boto3's default for presigning can still be the older query signature, which signs
    no header, and a path-style URL on the global endpoint is redirected outside
    us-east-1, which a PUT does not survive (docs/decisions/0302).
    """
    import boto3
    from botocore.config import Config

    signing = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    config = _bounded(DEFAULT_BUDGET).merge(signing)
    return boto3.client("s3", endpoint_url=endpoint_url, config=config)


def _bounded(budget: RetryBudget) -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=budget.connect_timeout_s,
        read_timeout=budget.read_timeout_s,
        # botocore's `max_attempts` counts retries only (3 would mean 4 calls);
        # `total_max_attempts` counts every call, which is what RetryBudget.max_attempts says.
        retries={"mode": "adaptive", "total_max_attempts": budget.max_attempts},
        tcp_keepalive=True,
    )


def lazy_client(build: Callable[[], Client]) -> Client:
    """The client `build` makes, made on first use: a LazyClient, typed as that client."""
    return cast("Client", LazyClient(build))


class LazyClient:
    """A boto3 client built on first use: a Lambda that never needs a service (the API
    serving a GET, which never starts an import) does not pay its set-up, tens of
    milliseconds of a cold start (bench/README.md, "Costs the code is shaped around")."""

    def __init__(self, build: Callable[[], object]) -> None:
        self._build = build
        self._client: object = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
        return getattr(self._client, name)
