"""`shortstack cost --requests-per-month N [--mix ...] [--free-tier]`: the monthly AWS bill.

Prices one month of traffic from three data files shipped with the package:
`data/aws_prices.json` (list prices, with their date), `data/request_profile.json`
(what one request of each type does on AWS, as `make bench` last measured it) and
`data/deployment.json` (what the deployment keeps whatever its traffic: alarms for
each alarm set, dashboards, keys), whose fixed monthly cost is the whole bill of an idle
month: $0.00 with the default, essential alarms; `--alarm-set all` prices all of them.
`redirect_vs_classic` compares a month of the same redirects served by shortstack and
by the classic tutorial design (API Gateway, a consistent read and a write), free
allowances deducted from both with --free-tier; the report gives the ratio both ways
(`redirect_vs_classic_by_pricing`) and the two designs line by line per million
redirects, so what makes the difference, or does not, is in the output. The arithmetic
is shortstack/pricing.py; this module reads the files and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from shortstack.pricing import (
    ALARM_SETS,
    FIXED_LINES,
    LINES,
    MILLION,
    CostInputError,
    FixedPrices,
    FreeTier,
    Prices,
    Standing,
    Usage,
    alarm_counts,
    fixed_monthly,
    lines_per_million,
    monthly_bill,
    monthly_usd,
    parse_mix,
    per_million,
)

DEFAULT_MIX = "redirect=0.9,api=0.1"
_DATA = resources.files("shortstack") / "data"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--requests-per-month", type=_count, required=True, help="all requests, e.g. 10000000"
    )
    parser.add_argument(
        "--mix", default=DEFAULT_MIX, help=f"shares of each request type (default {DEFAULT_MIX})"
    )
    parser.add_argument("--prices", type=Path, help="another prices file (default: shipped)")
    parser.add_argument("--profile", type=Path, help="another request profile (default: shipped)")
    parser.add_argument(
        "--free-tier",
        action="store_true",
        help="deduct the allowances that never expire (CloudFront, Lambda) from both designs",
    )
    parser.add_argument(
        "--alarm-set",
        choices=ALARM_SETS,
        default=ALARM_SETS[0],
        help=f"the templates' AlarmSet / alarm_set (default {ALARM_SETS[0]}, the free ten)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _read(path: Path | None, shipped: str) -> dict[str, Any]:
    """A JSON object from `path` (or the shipped file); CostInputError saying what is wrong."""
    try:
        text = path.read_text(encoding="utf-8") if path else (_DATA / shipped).read_text()
    except UnicodeDecodeError as exc:
        raise CostInputError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CostInputError(f"{path or shipped} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise CostInputError(f"{path or shipped} must hold a JSON object, not {kind}")
    return data


def report(args: argparse.Namespace) -> dict[str, Any]:
    """The bill and per-million figures as one JSON-ready dict; CostInputError when unusable."""
    price_data = _read(args.prices, "aws_prices.json")
    prices = Prices.from_mapping(price_data)
    free = FreeTier.from_mapping(price_data) if args.free_tier else None
    deployment = _read(None, "deployment.json")
    standing = Standing.from_mapping(deployment, args.alarm_set)
    fixed_prices = FixedPrices.from_mapping(price_data)
    fixed = fixed_monthly(standing, fixed_prices)
    # What each alarm set's alarms cost a month, the one priced here among them.
    alarm_sets = {
        name: {
            "cloudwatch_alarms": count,
            "usd_month": _cents(
                fixed_monthly(
                    Standing(count, standing.cloudwatch_dashboards, standing.kms_keys),
                    fixed_prices,
                )["CloudWatch alarms"]
            ),
        }
        for name, count in alarm_counts(deployment).items()
    }
    profile = _read(args.profile, "request_profile.json")
    usage = {kind: Usage.from_mapping(data) for kind, data in profile["usage"].items()}
    classic = Usage.from_mapping(profile["reference"]["classic_redirect"])
    mix = parse_mix(args.mix, usage)
    bill = monthly_bill(args.requests_per_month, mix, usage, prices, fixed, free)
    # The same month of redirects both ways (a million when the mix holds none).
    redirects = args.requests_per_month * mix.get("redirect", 0.0) or MILLION
    ours = monthly_usd(redirects, usage["redirect"], prices, free)
    theirs = monthly_usd(redirects, classic, prices, free)
    by_pricing = {}
    for name, allowances in (("list", None), ("free_tier", FreeTier.from_mapping(price_data))):
        mine = monthly_usd(redirects, usage["redirect"], prices, allowances)
        tutorial = monthly_usd(redirects, classic, prices, allowances)
        by_pricing[name] = _fine(mine / tutorial if tutorial else 0.0)
    return {
        "requests_per_month": bill.requests_per_month,
        "mix": bill.mix,
        "free_tier": free is not None,
        # `total` includes the fixed lines: with no requests it is exactly their sum.
        "monthly_usd": _each(_cents, {**bill.lines, "total": bill.total}),
        "fixed_monthly_usd": _each(_cents, bill.fixed),
        "alarm_set": args.alarm_set,
        "alarm_sets": alarm_sets,
        "standing": {
            "cloudwatch_alarms": standing.cloudwatch_alarms,
            "cloudwatch_dashboards": standing.cloudwatch_dashboards,
            "kms_keys": standing.kms_keys,
        },
        "usd_per_million": {kind: _fine(per_million(used, prices)) for kind, used in usage.items()},
        "classic_redirect_usd_per_million": _fine(per_million(classic, prices)),
        "redirects_compared": redirects,
        "redirect_monthly_usd": {"shortstack": _cents(ours), "classic": _cents(theirs)},
        "redirect_vs_classic": _fine(ours / theirs if theirs else 0.0),
        "redirect_vs_classic_by_pricing": by_pricing,
        "redirect_usd_per_million_by_line": {
            "shortstack": _each(_fine, lines_per_million(usage["redirect"], prices)),
            "classic": _each(_fine, lines_per_million(classic, prices)),
        },
        "edge_usd_per_million_requests": {
            "cloudfront": prices.cloudfront_https_per_million,
            "api_gateway": prices.api_gateway_http_per_million,
        },
        "prices": {"region": prices.region, "as_of": prices.as_of, "sources": prices.sources},
        "profile_measured_at": profile.get("measured_at"),
    }


def _cents(usd: float) -> float:
    """A month's dollars as a bill gives them (and no float noise: 0.6, not 0.6000000000000001)."""
    return round(usd, 2)


def _fine(value: float) -> float:
    """A figure per million requests, or a ratio: six decimals, a millionth of a dollar."""
    return round(value, 6)


def _each(rounded: Callable[[float], float], figures: Mapping[str, float]) -> dict[str, float]:
    return {name: rounded(value) for name, value in figures.items()}


def _print(figures: dict[str, Any]) -> None:
    mix = ", ".join(f"{kind} {share:.0%}" for kind, share in figures["mix"].items())
    prices = figures["prices"]
    print(
        f"{figures['requests_per_month']:,} requests a month ({mix}); on-demand prices "
        f"{prices['region']} as of {prices['as_of']}; profile measured "
        f"{figures['profile_measured_at']}\n"
    )
    monthly, fixed, standing = (
        figures["monthly_usd"],
        figures["fixed_monthly_usd"],
        figures["standing"],
    )
    width = max(map(len, (*LINES, *FIXED_LINES))) + 8
    for line in LINES:
        print(f"  {line:<{width}}  ${monthly[line]:>12,.2f}")
    counts = [
        standing["cloudwatch_alarms"],
        standing["cloudwatch_dashboards"],
        standing["kms_keys"],
    ]
    for line, count in zip(FIXED_LINES, counts, strict=True):
        print(f"  {f'{line} ({count})':<{width}}  ${fixed[line]:>12,.2f}  fixed")
    print(f"  {'total':<{width}}  ${monthly['total']:>12,.2f}\n")
    for kind, usd in figures["usd_per_million"].items():
        print(f"  per million {kind} requests: ${usd:,.2f}")
    _print_redirect_comparison(figures)
    free = "deducted" if figures["free_tier"] else "not deducted (--free-tier deducts them)"
    print(
        f"  idle (no requests): ${sum(fixed.values()):,.2f}, the fixed lines (alarms and "
        "dashboards past the account's free ones, keys); every other line is "
        f"pay-per-request, its never-expiring free allowances {free}"
    )
    sets = "; ".join(
        f"{name}{' (priced above)' if name == figures['alarm_set'] else ''}: "
        f"{alarms['cloudwatch_alarms']} alarms, ${alarms['usd_month']:,.2f} a month"
        for name, alarms in figures["alarm_sets"].items()
    )
    print(f"  alarm sets (AlarmSet / alarm_set, --alarm-set), the account's first 10 free: {sets}")


def _print_redirect_comparison(figures: dict[str, Any]) -> None:
    """The redirect against the classic design: line by line, then a month both ways."""
    by_line = figures["redirect_usd_per_million_by_line"]
    ours, theirs = by_line["shortstack"], by_line["classic"]
    shown = [line for line in LINES if ours[line] or theirs[line]]
    width = max(map(len, shown)) + 2
    print(
        "\n  per million redirects at list prices; the classic tutorial design: API Gateway, "
        "a strongly consistent GetItem and one write, no events"
    )
    print(f"    {'':<{width}}  {'shortstack':>9}    {'classic':>9}")
    for line in shown:
        print(f"    {line:<{width}}  ${ours[line]:>8,.2f}    ${theirs[line]:>8,.2f}")
    print(f"    {'total':<{width}}  ${sum(ours.values()):>8,.2f}    ${sum(theirs.values()):>8,.2f}")
    compared, ratios = figures["redirect_monthly_usd"], figures["redirect_vs_classic_by_pricing"]
    allowances = "free allowances deducted" if figures["free_tier"] else "list prices"
    other = "list prices" if figures["free_tier"] else "with --free-tier"
    other_ratio = ratios["list" if figures["free_tier"] else "free_tier"]
    print(
        f"  {figures['redirects_compared']:,.0f} redirects a month ({allowances}): "
        f"${compared['shortstack']:,.2f} against ${compared['classic']:,.2f}, "
        f"shortstack is {figures['redirect_vs_classic']:.2f}x ({other}: {other_ratio:.2f}x)"
    )
    if ratios["list"] > 0.5:
        edge = figures["edge_usd_per_million_requests"]
        edge_lines = ("CloudFront", "API Gateway")
        rest_ours = sum(v for k, v in ours.items() if not k.startswith(edge_lines))
        rest_theirs = sum(v for k, v in theirs.items() if not k.startswith(edge_lines))
        print(
            f"  Why not half at list prices: a request through CloudFront costs "
            f"${edge['cloudfront']:.2f} a million, one through API Gateway "
            f"${edge['api_gateway']:.2f}, and behind the edge a redirect's Lambda and "
            f"DynamoDB work costs ${rest_ours:.2f} against the classic ${rest_theirs:.2f} "
            "(one write and a share of the fold against a consistent read and a write). What "
            "lowers it is CloudFront's and Lambda's free allowances, which never expire and "
            f"which API Gateway's HTTP API lacks: with them deducted this month is "
            f"{ratios['free_tier']:.2f}x, and the bigger the month, the smaller their share."
        )


def run(args: argparse.Namespace) -> int:
    try:
        figures = report(args)
    except KeyError as exc:
        print(f"shortstack cost: the profile lacks {exc.args[0]!r}", file=sys.stderr)
        return 2
    except (CostInputError, OSError) as exc:
        print(f"shortstack cost: {exc}", file=sys.stderr)
        return 2
    except (TypeError, AttributeError, ValueError) as exc:
        if args.prices is None and args.profile is None:
            raise  # the shipped files are tested: this is a bug, not a user's file
        print(
            f"shortstack cost: a --prices or --profile file is not shaped like the shipped "
            f"one ({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0
