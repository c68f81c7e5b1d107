"""The monthly AWS bill from what each request really does: pure arithmetic, no AWS calls.

A `Usage` is what one request of a type consumes on AWS: CloudFront requests and
bytes out, API Gateway requests and bytes out, Lambda invocations (memory, billed
duration), DynamoDB read and write request units, stream reads, EventBridge events
and SQS requests, fractions included (a stream-consumer invocation serves a batch of
clicks). `make bench` measures these per request type and writes them to a profile;
`Prices` come from one data file in which every price carries its date and source.

A month is priced from its total quantities, so the free allowances that never expire
(CloudFront's requests and bytes out, Lambda's requests and GB-seconds) can be deducted
once, from the month, for every design alike (`FreeTier`). The request lines are
pay-per-request; a few resources cost a fixed amount a month whatever the traffic
(`Standing`: alarms past CloudWatch's free ones, dashboards past the free ones,
customer-managed KMS keys), so idle costs exactly those fixed lines. The alarms depend on
the templates' alarm set: the default, essential one fits in the free ten.

It sits beside config.py, not in domain/: it prices this deployment on AWS, it is
no rule of the product, and only `shortstack cost` and bench/ use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

MILLION = 1_000_000
GB = 1024**3  # bytes in the GB that data transfer is billed by
# Lambda bills duration in 1 ms steps, rounded up, per invocation.
LAMBDA_BILLING_STEP_MS = 1


class CostInputError(ValueError):
    """A prices file, profile or mix that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Prices:
    """On-demand list prices in USD, for one region; each one's date and page in `sources`."""

    region: str
    as_of: str
    cloudfront_https_per_million: float
    cloudfront_data_out_per_gb: float
    api_gateway_http_per_million: float
    api_gateway_data_out_per_gb: float
    lambda_requests_per_million: float
    lambda_gb_second: float
    dynamodb_rru_per_million: float
    dynamodb_wru_per_million: float
    dynamodb_stream_reads_by_lambda_per_million: float
    eventbridge_events_per_million: float
    sqs_requests_per_million: float
    sources: dict[str, str] = field(default_factory=dict, compare=False)

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
                sources={name: dated_source(usd, name) for name in _PRICE_NAMES},
            )
        except KeyError as exc:
            raise CostInputError(f"the prices file lacks {exc.args[0]!r}") from exc


_PRICE_NAMES = tuple(f.name for f in fields(Prices) if f.name not in ("region", "as_of", "sources"))


def _non_negative(data: Mapping[str, Any], name: str) -> float:
    """A number >= 0 under `name`: plain, or the `usd`/`amount` of a dated entry."""
    value = data[name]
    if isinstance(value, Mapping):
        value = value["usd"] if "usd" in value else value["amount"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise CostInputError(f"{name} must be a number >= 0, not {value!r}")
    return float(value)


def dated_source(data: Mapping[str, Any], name: str) -> str:
    """`<date>, <page>` of a dated entry; CostInputError when either is missing."""
    entry = data[name]
    if not isinstance(entry, Mapping) or not entry.get("as_of") or not entry.get("source"):
        raise CostInputError(f"{name} needs its as_of date and its source page")
    return f"{entry['as_of']}, {entry['source']}"


@dataclass(frozen=True)
class FreeTier:
    """Monthly allowances that never expire, deducted from a month's quantities."""

    cloudfront_requests: float = 0
    cloudfront_gb_out: float = 0
    lambda_requests: float = 0
    lambda_gb_seconds: float = 0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FreeTier:
        free = data.get("free_tier")
        if not isinstance(free, Mapping):
            raise CostInputError("the prices file needs a 'free_tier' object of allowances")
        try:
            for name in _FREE_NAMES:
                dated_source(free, name)
            return cls(**{name: _non_negative(free, name) for name in _FREE_NAMES})
        except KeyError as exc:
            raise CostInputError(f"the prices file's free tier lacks {exc.args[0]!r}") from exc


_FREE_NAMES = tuple(f.name for f in fields(FreeTier))


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

    lambdas: tuple[Invocations, ...]
    dynamodb_rru: float
    dynamodb_wru: float
    eventbridge_events: float
    sqs_requests: float
    api_gateway_requests: float = 0
    api_gateway_bytes_out: float = 0
    cloudfront_requests: float = 0
    cloudfront_bytes_out: float = 0
    stream_read_requests: float = 0

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
            optional = {name: _non_negative(data, name) for name in _OPTIONAL_USAGE if name in data}
            return cls(
                lambdas=lambdas,
                dynamodb_rru=_non_negative(data, "dynamodb_rru"),
                dynamodb_wru=_non_negative(data, "dynamodb_wru"),
                eventbridge_events=_non_negative(data, "eventbridge_events"),
                sqs_requests=_non_negative(data, "sqs_requests"),
                **optional,
            )
        except KeyError as exc:
            raise CostInputError(f"a request profile lacks {exc.args[0]!r}") from exc


_OPTIONAL_USAGE = (
    "api_gateway_requests",
    "api_gateway_bytes_out",
    "cloudfront_requests",
    "cloudfront_bytes_out",
    "stream_read_requests",
)


@dataclass(frozen=True)
class Quantities:
    """What a month (or any number of requests) consumes, in the units AWS bills."""

    cloudfront_requests: float = 0
    cloudfront_gb_out: float = 0
    api_gateway_requests: float = 0
    api_gateway_gb_out: float = 0
    lambda_requests: float = 0
    lambda_gb_seconds: float = 0
    dynamodb_rru: float = 0
    dynamodb_wru: float = 0
    stream_read_requests: float = 0
    eventbridge_events: float = 0
    sqs_requests: float = 0

    @classmethod
    def of(cls, usage: Usage, requests: float) -> Quantities:
        """What `requests` requests of one type consume."""
        return cls(
            cloudfront_requests=usage.cloudfront_requests * requests,
            cloudfront_gb_out=usage.cloudfront_bytes_out * requests / GB,
            api_gateway_requests=usage.api_gateway_requests * requests,
            api_gateway_gb_out=usage.api_gateway_bytes_out * requests / GB,
            lambda_requests=sum(entry.per_request for entry in usage.lambdas) * requests,
            lambda_gb_seconds=sum(entry.gb_seconds for entry in usage.lambdas) * requests,
            dynamodb_rru=usage.dynamodb_rru * requests,
            dynamodb_wru=usage.dynamodb_wru * requests,
            stream_read_requests=usage.stream_read_requests * requests,
            eventbridge_events=usage.eventbridge_events * requests,
            sqs_requests=usage.sqs_requests * requests,
        )

    def __add__(self, other: Quantities) -> Quantities:
        return Quantities(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def less(self, free: FreeTier) -> Quantities:
        """What is billed once the free allowances are used up (never below zero)."""
        return Quantities(
            **{
                **{f.name: getattr(self, f.name) for f in fields(self)},
                "cloudfront_requests": max(
                    0.0, self.cloudfront_requests - free.cloudfront_requests
                ),
                "cloudfront_gb_out": max(0.0, self.cloudfront_gb_out - free.cloudfront_gb_out),
                "lambda_requests": max(0.0, self.lambda_requests - free.lambda_requests),
                "lambda_gb_seconds": max(0.0, self.lambda_gb_seconds - free.lambda_gb_seconds),
            }
        )


# The lines of a bill, in the order they are shown.
LINES = (
    "CloudFront requests",
    "CloudFront data out",
    "API Gateway HTTP API",
    "API Gateway data out",
    "Lambda requests",
    "Lambda duration (GB-s)",
    "DynamoDB reads (RRU)",
    "DynamoDB writes (WRU)",
    "DynamoDB Streams reads (by Lambda)",
    "EventBridge events",
    "SQS requests",
)


def price(quantities: Quantities, prices: Prices, free: FreeTier | None = None) -> dict[str, float]:
    """USD by bill line for `quantities`, the free allowances deducted first if given."""
    q = quantities.less(free) if free is not None else quantities
    return {
        "CloudFront requests": q.cloudfront_requests
        / MILLION
        * prices.cloudfront_https_per_million,
        "CloudFront data out": q.cloudfront_gb_out * prices.cloudfront_data_out_per_gb,
        "API Gateway HTTP API": q.api_gateway_requests
        / MILLION
        * prices.api_gateway_http_per_million,
        "API Gateway data out": q.api_gateway_gb_out * prices.api_gateway_data_out_per_gb,
        "Lambda requests": q.lambda_requests / MILLION * prices.lambda_requests_per_million,
        "Lambda duration (GB-s)": q.lambda_gb_seconds * prices.lambda_gb_second,
        "DynamoDB reads (RRU)": q.dynamodb_rru / MILLION * prices.dynamodb_rru_per_million,
        "DynamoDB writes (WRU)": q.dynamodb_wru / MILLION * prices.dynamodb_wru_per_million,
        "DynamoDB Streams reads (by Lambda)": q.stream_read_requests
        / MILLION
        * prices.dynamodb_stream_reads_by_lambda_per_million,
        "EventBridge events": q.eventbridge_events
        / MILLION
        * prices.eventbridge_events_per_million,
        "SQS requests": q.sqs_requests / MILLION * prices.sqs_requests_per_million,
    }


def cost_per_request(usage: Usage, prices: Prices) -> dict[str, float]:
    """USD of one request at list prices, by bill line."""
    return price(Quantities.of(usage, 1), prices)


def lines_per_million(usage: Usage, prices: Prices) -> dict[str, float]:
    """USD per million requests of one type, at list prices, by bill line."""
    return price(Quantities.of(usage, MILLION), prices)


def per_million(usage: Usage, prices: Prices) -> float:
    """USD per million requests of one type, at list prices."""
    return sum(lines_per_million(usage, prices).values())


def monthly_usd(
    requests: float, usage: Usage, prices: Prices, free: FreeTier | None = None
) -> float:
    """USD of a month of `requests` requests of one type, alone on the account."""
    return sum(price(Quantities.of(usage, requests), prices, free).values())


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


# The templates' alarm sets (SAM `AlarmSet`, Terraform `alarm_set`), the default first.
ALARM_SETS = ("essential", "all")


@dataclass(frozen=True)
class Standing:
    """What a deployment keeps whatever its traffic, counted from its template."""

    cloudwatch_alarms: int
    cloudwatch_dashboards: int
    kms_keys: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], alarm_set: str = ALARM_SETS[0]) -> Standing:
        """The deployment with `alarm_set`; the file counts the alarms of each set."""
        try:
            alarms = alarm_counts(data)[alarm_set]
            return cls(alarms, *(int(_non_negative(data, name)) for name in _STANDING_NAMES))
        except KeyError as exc:
            raise CostInputError(f"the deployment file lacks {exc.args[0]!r}") from exc


def alarm_counts(data: Mapping[str, Any]) -> dict[str, int]:
    """Alarms of the deployment by alarm set, from the deployment file."""
    by_set = data["cloudwatch_alarms"]
    if not isinstance(by_set, Mapping) or set(by_set) != set(ALARM_SETS):
        raise CostInputError(f"cloudwatch_alarms must count the alarm sets {ALARM_SETS}")
    return {name: int(_non_negative(by_set, name)) for name in ALARM_SETS}


_STANDING_NAMES = ("cloudwatch_dashboards", "kms_keys")
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
    free: FreeTier | None = None,
) -> Bill:
    """The month's bill for `requests_per_month` requests split by `mix` (shares summing to 1),
    plus the `fixed` lines (fixed_monthly), which do not depend on the requests; with
    `free`, the free allowances are deducted from the month's total quantities."""
    if requests_per_month < 0:
        raise CostInputError("requests per month must be >= 0")
    total = Quantities()
    for kind, share in mix.items():
        if kind not in usage:
            raise CostInputError(f"no measured profile for request type {kind!r}")
        total = total + Quantities.of(usage[kind], share * requests_per_month)
    lines = price(total, prices, free)
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
