"""The monthly AWS bill from what each request really does: pure arithmetic, no AWS calls.

A `Usage` is what one request of a type consumes on AWS: API Gateway requests,
Lambda invocations (memory, billed duration), DynamoDB read and write request
units, EventBridge events and SQS requests, fractions included (an events-Lambda
invocation serves a batch of clicks). `make bench` measures these per request
type and writes them to a profile; `Prices` come from one dated data file. The
request lines are pay-per-request; a few resources cost a fixed amount a month
whatever the traffic (`Standing`: alarms past CloudWatch's free ones, dashboards past
the free ones, customer-managed KMS keys), so idle costs exactly those fixed lines.

It sits beside config.py, not in domain/: it prices this deployment on AWS, it is
no rule of the product, and only `shortstack cost` and bench/ use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MILLION = 1_000_000
# Lambda bills duration in 1 ms steps, rounded up, per invocation.
LAMBDA_BILLING_STEP_MS = 1


class CostInputError(ValueError):
    """A prices file, profile or mix that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Prices:
    """On-demand list prices in USD, for one region, as of one date."""

    region: str
    as_of: str
    api_gateway_http_per_million: float
    lambda_requests_per_million: float
    lambda_gb_second: float
    dynamodb_rru_per_million: float
    dynamodb_wru_per_million: float
    eventbridge_events_per_million: float
    sqs_requests_per_million: float

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Prices:
        usd = data.get("usd")
        if not isinstance(usd, Mapping):
            raise CostInputError("the prices file needs a 'usd' object of prices")
        try:
            return cls(
                region=str(data["region"]),
                as_of=str(data["as_of"]),
                **{name: _non_negative(usd, name) for name in _PRICE_NAMES},
            )
        except KeyError as exc:
            raise CostInputError(f"the prices file lacks {exc.args[0]!r}") from exc


_PRICE_NAMES = (
    "api_gateway_http_per_million",
    "lambda_requests_per_million",
    "lambda_gb_second",
    "dynamodb_rru_per_million",
    "dynamodb_wru_per_million",
    "eventbridge_events_per_million",
    "sqs_requests_per_million",
)


def _non_negative(data: Mapping[str, Any], name: str) -> float:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise CostInputError(f"{name} must be a number >= 0, not {value!r}")
    return float(value)


@dataclass(frozen=True)
class Invocations:
    """Invocations of one function per request, each billed `billed_ms` at `memory_mb`."""

    function: str
    memory_mb: int
    per_request: float
    duration_ms: float

    @property
    def billed_ms(self) -> int:
        steps = math.ceil(self.duration_ms / LAMBDA_BILLING_STEP_MS)
        return max(1, steps) * LAMBDA_BILLING_STEP_MS

    @property
    def gb_seconds(self) -> float:
        return self.per_request * self.memory_mb / 1024 * self.billed_ms / 1000


@dataclass(frozen=True)
class Usage:
    """What one request of a type consumes."""

    api_gateway_requests: float
    lambdas: tuple[Invocations, ...]
    dynamodb_rru: float
    dynamodb_wru: float
    eventbridge_events: float
    sqs_requests: float

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Usage:
        try:
            lambdas = tuple(
                Invocations(
                    function=str(entry["function"]),
                    memory_mb=int(_non_negative(entry, "memory_mb")),
                    per_request=_non_negative(entry, "per_request"),
                    duration_ms=_non_negative(entry, "duration_ms"),
                )
                for entry in data["lambdas"]
            )
            return cls(
                api_gateway_requests=_non_negative(data, "api_gateway_requests"),
                lambdas=lambdas,
                dynamodb_rru=_non_negative(data, "dynamodb_rru"),
                dynamodb_wru=_non_negative(data, "dynamodb_wru"),
                eventbridge_events=_non_negative(data, "eventbridge_events"),
                sqs_requests=_non_negative(data, "sqs_requests"),
            )
        except KeyError as exc:
            raise CostInputError(f"a request profile lacks {exc.args[0]!r}") from exc


# The lines of a bill, in the order they are shown.
LINES = (
    "API Gateway HTTP API",
    "Lambda requests",
    "Lambda duration (GB-s)",
    "DynamoDB reads (RRU)",
    "DynamoDB writes (WRU)",
    "EventBridge events",
    "SQS requests",
)


def cost_per_request(usage: Usage, prices: Prices) -> dict[str, float]:
    """USD of one request, by bill line."""
    invocations = sum(entry.per_request for entry in usage.lambdas)
    gb_seconds = sum(entry.gb_seconds for entry in usage.lambdas)
    per_million = {
        "API Gateway HTTP API": usage.api_gateway_requests * prices.api_gateway_http_per_million,
        "Lambda requests": invocations * prices.lambda_requests_per_million,
        "DynamoDB reads (RRU)": usage.dynamodb_rru * prices.dynamodb_rru_per_million,
        "DynamoDB writes (WRU)": usage.dynamodb_wru * prices.dynamodb_wru_per_million,
        "EventBridge events": usage.eventbridge_events * prices.eventbridge_events_per_million,
        "SQS requests": usage.sqs_requests * prices.sqs_requests_per_million,
    }
    lines = {name: value / MILLION for name, value in per_million.items()}
    lines["Lambda duration (GB-s)"] = gb_seconds * prices.lambda_gb_second
    return {name: lines[name] for name in LINES}


def per_million(usage: Usage, prices: Prices) -> float:
    """USD per million requests of one type."""
    return sum(cost_per_request(usage, prices).values()) * MILLION


@dataclass(frozen=True)
class FixedPrices:
    """Monthly prices of what a deployment keeps whatever its traffic, and what is free."""

    cloudwatch_alarm_month: float
    cloudwatch_dashboard_month: float
    kms_key_month: float
    free_cloudwatch_alarms: int
    free_cloudwatch_dashboards: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FixedPrices:
        usd, free = data.get("usd"), data.get("free_per_account")
        if not isinstance(usd, Mapping) or not isinstance(free, Mapping):
            raise CostInputError("the prices file needs 'usd' and 'free_per_account' objects")
        try:
            return cls(
                cloudwatch_alarm_month=_non_negative(usd, "cloudwatch_alarm_month"),
                cloudwatch_dashboard_month=_non_negative(usd, "cloudwatch_dashboard_month"),
                kms_key_month=_non_negative(usd, "kms_key_month"),
                free_cloudwatch_alarms=int(_non_negative(free, "cloudwatch_alarms")),
                free_cloudwatch_dashboards=int(_non_negative(free, "cloudwatch_dashboards")),
            )
        except KeyError as exc:
            raise CostInputError(f"the prices file lacks {exc.args[0]!r}") from exc


@dataclass(frozen=True)
class Standing:
    """What a deployment keeps whatever its traffic, counted from its template."""

    cloudwatch_alarms: int
    cloudwatch_dashboards: int
    kms_keys: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Standing:
        try:
            return cls(**{name: int(_non_negative(data, name)) for name in _STANDING_NAMES})
        except KeyError as exc:
            raise CostInputError(f"the deployment file lacks {exc.args[0]!r}") from exc


_STANDING_NAMES = ("cloudwatch_alarms", "cloudwatch_dashboards", "kms_keys")
# The fixed lines of a bill, in the order they are shown.
FIXED_LINES = ("CloudWatch alarms", "CloudWatch dashboards", "KMS keys")


def fixed_monthly(standing: Standing, prices: FixedPrices) -> dict[str, float]:
    """USD a month that do not depend on traffic, by bill line.

    The free alarms and dashboards are per account: this assumes the deployment is
    alone in its account, so a shared account pays from its first one.
    """
    alarms = max(0, standing.cloudwatch_alarms - prices.free_cloudwatch_alarms)
    dashboards = max(0, standing.cloudwatch_dashboards - prices.free_cloudwatch_dashboards)
    return {
        "CloudWatch alarms": alarms * prices.cloudwatch_alarm_month,
        "CloudWatch dashboards": dashboards * prices.cloudwatch_dashboard_month,
        "KMS keys": standing.kms_keys * prices.kms_key_month,
    }


@dataclass(frozen=True)
class Bill:
    requests_per_month: int
    mix: dict[str, float]
    lines: dict[str, float]
    fixed: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.lines.values()) + sum(self.fixed.values())


def monthly_bill(
    requests_per_month: int,
    mix: Mapping[str, float],
    usage: Mapping[str, Usage],
    prices: Prices,
    fixed: Mapping[str, float] | None = None,
) -> Bill:
    """The month's bill for `requests_per_month` requests split by `mix` (shares summing to 1),
    plus the `fixed` lines (fixed_monthly), which do not depend on the requests."""
    if requests_per_month < 0:
        raise CostInputError("requests per month must be >= 0")
    lines = dict.fromkeys(LINES, 0.0)
    for kind, share in mix.items():
        if kind not in usage:
            raise CostInputError(f"no measured profile for request type {kind!r}")
        for name, usd in cost_per_request(usage[kind], prices).items():
            lines[name] += usd * share * requests_per_month
    return Bill(requests_per_month, dict(mix), lines, dict(fixed or {}))


def parse_mix(text: str, known: Iterable[str]) -> dict[str, float]:
    """`redirect=0.9,api=0.1` (any non-negative weights) as shares summing to 1.

    Raises CostInputError naming the bad part: a malformed pair, an unknown type,
    a repeated type, a weight that is not a number >= 0, or weights that are all 0.
    """
    allowed = sorted(known)
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, sep, raw = part.strip().partition("=")
        name = name.strip()
        if not sep or not name:
            raise CostInputError(f"mix part {part.strip()!r} is not TYPE=WEIGHT")
        if name not in allowed:
            raise CostInputError(f"unknown request type {name!r}; known: {', '.join(allowed)}")
        if name in weights:
            raise CostInputError(f"request type {name!r} appears twice in the mix")
        try:
            weight = float(raw)
        except ValueError:
            raise CostInputError(f"weight of {name!r} is not a number: {raw.strip()!r}") from None
        if not math.isfinite(weight) or weight < 0:
            raise CostInputError(f"weight of {name!r} must be a finite number >= 0")
        weights[name] = weight
    total = sum(weights.values())
    if total <= 0:
        raise CostInputError("the mix needs at least one weight above 0")
    return {name: weight / total for name, weight in weights.items()}
