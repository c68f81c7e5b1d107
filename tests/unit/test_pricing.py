"""The cost model (shortstack/pricing.py) and `shortstack cost` on the shipped data files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shortstack.entrypoints.cli import main
from shortstack.pricing import (
    GB,
    CostInputError,
    FixedPrices,
    FreeTier,
    Invocations,
    Prices,
    Standing,
    Usage,
    cost_per_request,
    fixed_monthly,
    monthly_bill,
    monthly_usd,
    parse_mix,
    per_million,
)

PRICES = Prices(
    region="test-1",
    as_of="2026-01-01",
    cloudfront_https_per_million=1.0,
    cloudfront_data_out_per_gb=0.085,
    api_gateway_http_per_million=1.0,
    api_gateway_data_out_per_gb=0.09,
    lambda_requests_per_million=0.2,
    lambda_gb_second=0.00001,
    dynamodb_rru_per_million=0.25,
    dynamodb_wru_per_million=1.25,
    dynamodb_stream_reads_by_lambda_per_million=0.0,
    eventbridge_events_per_million=1.0,
    sqs_requests_per_million=0.4,
)
SHIPPED_PRICES = Path(__file__).parents[2] / "src" / "shortstack" / "data" / "aws_prices.json"
REDIRECT = Usage(
    api_gateway_requests=1,
    lambdas=(Invocations("redirect", 256, 1, 9.2), Invocations("events", 512, 0.1, 40)),
    dynamodb_rru=0,
    dynamodb_wru=2,
    eventbridge_events=1,
    sqs_requests=1.2,
)
CLASSIC = Usage(
    api_gateway_requests=1,
    lambdas=(Invocations("redirect", 256, 1, 12),),
    dynamodb_rru=1,
    dynamodb_wru=1,
    eventbridge_events=0,
    sqs_requests=0,
)


def test_per_million_adds_up_every_line_by_hand() -> None:
    # API GW 1.00, Lambda requests 1.1 x 0.2, GB-s: 0.25 GB x 10 ms + 0.1 x 0.5 GB x 40 ms,
    # WRU 2 x 1.25, EventBridge 1.00, SQS 1.2 x 0.4.
    gb_seconds = (0.25 * 0.010 + 0.1 * 0.5 * 0.040) * 1_000_000
    expected = 1.0 + 0.22 + gb_seconds * 0.00001 + 2.5 + 1.0 + 0.48
    assert per_million(REDIRECT, PRICES) == pytest.approx(expected)


def test_lambda_duration_is_billed_in_whole_milliseconds_rounded_up() -> None:
    assert Invocations("f", 1024, 1, 0.2).billed_ms == 1
    assert Invocations("f", 1024, 1, 9.01).billed_ms == 10
    assert Invocations("f", 1024, 1, 10).gb_seconds == pytest.approx(0.010)


def test_idle_costs_nothing() -> None:
    bill = monthly_bill(0, {"redirect": 1.0}, {"redirect": REDIRECT}, PRICES)
    assert bill.total == 0
    assert set(bill.lines.values()) == {0.0}


FIXED_PRICES = FixedPrices(
    cloudwatch_alarm_month=0.10,
    cloudwatch_dashboard_month=3.0,
    kms_key_month=1.0,
    free_cloudwatch_alarms=10,
    free_cloudwatch_dashboards=3,
)


def test_fixed_lines_charge_only_past_the_free_alarms_and_dashboards() -> None:
    assert fixed_monthly(Standing(12, 1, 0), FIXED_PRICES) == pytest.approx(
        {"CloudWatch alarms": 0.20, "CloudWatch dashboards": 0.0, "KMS keys": 0.0}
    )
    assert fixed_monthly(Standing(3, 5, 2), FIXED_PRICES) == pytest.approx(
        {"CloudWatch alarms": 0.0, "CloudWatch dashboards": 6.0, "KMS keys": 2.0}
    )


def test_an_idle_month_costs_exactly_its_fixed_lines() -> None:
    fixed = fixed_monthly(Standing(14, 4, 1), FIXED_PRICES)
    bill = monthly_bill(0, {"redirect": 1.0}, {"redirect": REDIRECT}, PRICES, fixed)
    assert bill.total == pytest.approx(sum(fixed.values())) == pytest.approx(0.4 + 3.0 + 1.0)
    busy = monthly_bill(1_000_000, {"redirect": 1.0}, {"redirect": REDIRECT}, PRICES, fixed)
    assert busy.total == pytest.approx(per_million(REDIRECT, PRICES) + sum(fixed.values()))


def test_the_bill_splits_requests_by_the_mix() -> None:
    usage = {"redirect": REDIRECT, "classic": CLASSIC}
    bill = monthly_bill(2_000_000, {"redirect": 0.5, "classic": 0.5}, usage, PRICES)
    assert bill.total == pytest.approx(per_million(REDIRECT, PRICES) + per_million(CLASSIC, PRICES))
    assert bill.lines["DynamoDB reads (RRU)"] == pytest.approx(0.25)


def test_classic_design_pays_a_strong_read_and_a_write_and_no_events() -> None:
    lines = cost_per_request(CLASSIC, PRICES)
    assert lines["DynamoDB reads (RRU)"] * 1e6 == pytest.approx(0.25)
    assert lines["DynamoDB writes (WRU)"] * 1e6 == pytest.approx(1.25)
    assert lines["EventBridge events"] == lines["SQS requests"] == 0


def test_a_mix_of_weights_becomes_shares() -> None:
    assert parse_mix("redirect=9, api=1", {"redirect", "api"}) == {"redirect": 0.9, "api": 0.1}
    assert parse_mix("api=0,redirect=0.5", {"redirect", "api"}) == {"api": 0.0, "redirect": 1.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("redirect", "not TYPE=WEIGHT"),
        ("=0.5", "not TYPE=WEIGHT"),
        ("search=1", "unknown request type 'search'; known: api, redirect"),
        ("redirect=1,redirect=2", "appears twice"),
        ("redirect=lots", "not a number: 'lots'"),
        ("redirect=-1", "finite number >= 0"),
        ("redirect=nan", "finite number >= 0"),
        ("redirect=0,api=0", "at least one weight above 0"),
    ],
)
def test_a_bad_mix_is_refused_with_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(CostInputError, match=message):
        parse_mix(text, {"redirect", "api"})


def test_a_negative_month_is_refused() -> None:
    with pytest.raises(CostInputError, match=">= 0"):
        monthly_bill(-1, {"redirect": 1.0}, {"redirect": REDIRECT}, PRICES)


def test_a_price_that_is_not_a_number_is_refused() -> None:
    data: dict[str, Any] = json.loads(SHIPPED_PRICES.read_text())
    data["usd"]["api_gateway_http_per_million"]["usd"] = "1"
    with pytest.raises(CostInputError, match="api_gateway_http_per_million must be a number"):
        Prices.from_mapping(data)


def run_cost(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(["cost", *args])
    except SystemExit as exc:  # argparse refusals
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cost_command_prices_the_shipped_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cost(capsys, "--requests-per-month", "1000000", "--json")
    assert code == 0
    figures = json.loads(out)
    fixed = sum(figures["fixed_monthly_usd"].values())
    assert figures["monthly_usd"]["total"] == pytest.approx(
        0.9 * figures["usd_per_million"]["redirect"]
        + 0.1 * figures["usd_per_million"]["api"]
        + fixed,
        abs=0.005,  # to the cent
    )
    assert figures["redirect_vs_classic"] == pytest.approx(
        figures["usd_per_million"]["redirect"] / figures["classic_redirect_usd_per_million"],
        abs=1e-6,
    )
    assert figures["prices"]["as_of"]
    assert all(", https://aws.amazon.com/" in s for s in figures["prices"]["sources"].values())


def test_cost_command_shows_only_the_fixed_lines_for_idle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cost(capsys, "--requests-per-month", "0", "--json")
    assert code == 0
    figures = json.loads(out)
    fixed = figures["fixed_monthly_usd"]
    assert set(fixed) == {"CloudWatch alarms", "CloudWatch dashboards", "KMS keys"}
    requests = {k: v for k, v in figures["monthly_usd"].items() if k != "total"}
    assert set(requests.values()) == {0.0}
    assert figures["monthly_usd"]["total"] == pytest.approx(sum(fixed.values()))
    # The default deployment: the essential alarm set, the account's 10 free alarms.
    assert figures["alarm_set"] == "essential"
    assert figures["standing"]["cloudwatch_alarms"] == 10
    assert figures["monthly_usd"]["total"] == 0.0
    # Every alarm: 16, $0.10 a month each past the free 10.
    assert figures["alarm_sets"] == {
        "essential": {"cloudwatch_alarms": 10, "usd_month": 0.0},
        "all": {"cloudwatch_alarms": 16, "usd_month": pytest.approx(0.60)},
    }

    code, out, _ = run_cost(capsys, "--requests-per-month", "0")
    assert code == 0
    assert "$        0.00" in out.split("total", 1)[1].splitlines()[0]
    assert "CloudWatch alarms (10)" in out
    assert "essential (priced above): 10 alarms, $0.00 a month; all: 16 alarms, $0.60" in out


@pytest.mark.parametrize("alarm_set", ["essential", "all"])
@pytest.mark.parametrize("requests", ["0", "1000000", "123456789"])
def test_cost_json_gives_money_to_the_cent_a_month_and_the_millionth_a_million(
    capsys: pytest.CaptureFixture[str], alarm_set: str, requests: str
) -> None:
    args = ("--requests-per-month", requests, "--alarm-set", alarm_set, "--free-tier", "--json")
    code, out, _ = run_cost(capsys, *args)
    assert code == 0
    figures = json.loads(out)
    monthly = [
        *figures["monthly_usd"].values(),
        *figures["fixed_monthly_usd"].values(),
        *figures["redirect_monthly_usd"].values(),
        *(each["usd_month"] for each in figures["alarm_sets"].values()),
    ]
    per_million = [
        *figures["usd_per_million"].values(),
        figures["classic_redirect_usd_per_million"],
        *figures["redirect_usd_per_million_by_line"]["shortstack"].values(),
        *figures["redirect_usd_per_million_by_line"]["classic"].values(),
        figures["redirect_vs_classic"],
        *figures["redirect_vs_classic_by_pricing"].values(),
    ]
    assert all(value == round(value, 2) for value in monthly), monthly
    assert all(value == round(value, 6) for value in per_million), per_million
    assert "0000000" not in out
    assert "9999999" not in out
    if alarm_set == "all":
        assert figures["alarm_sets"]["all"]["usd_month"] == 0.6


def test_cost_command_prices_the_alarm_set_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cost(capsys, "--requests-per-month", "0", "--alarm-set", "all", "--json")
    assert code == 0
    figures = json.loads(out)
    assert figures["standing"]["cloudwatch_alarms"] == 16
    assert figures["fixed_monthly_usd"]["CloudWatch alarms"] == pytest.approx(0.60)
    assert figures["monthly_usd"]["total"] == pytest.approx(0.60)
    code, _, err = run_cost(capsys, "--requests-per-month", "0", "--alarm-set", "some")
    assert code == 2
    assert "invalid choice" in err


def test_the_deployment_file_counts_the_alarms_of_each_set() -> None:
    deployment = {"cloudwatch_alarms": {"essential": 10, "all": 16}, "cloudwatch_dashboards": 1,
                  "kms_keys": 0}  # fmt: skip
    assert Standing.from_mapping(deployment) == Standing(10, 1, 0)
    assert Standing.from_mapping(deployment, "all") == Standing(16, 1, 0)
    # A single count cannot say which set it is: refused, like a set missing.
    for alarms in (16, {"essential": 10}):
        with pytest.raises(CostInputError, match="must count the alarm sets"):
            Standing.from_mapping({**deployment, "cloudwatch_alarms": alarms})
    with pytest.raises(CostInputError, match="lacks 'kms_keys'"):
        Standing.from_mapping({"cloudwatch_alarms": {"essential": 1, "all": 2},
                               "cloudwatch_dashboards": 1})  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests-per-month", "ten"], "not a whole number"),
        (["--requests-per-month", "-3"], "must be >= 0"),
        (["--requests-per-month", "10", "--mix", "redirect=1,foo=2"], "unknown request type"),
    ],
)
def test_cost_command_refuses_bad_input_with_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run_cost(capsys, *args)
    assert code == 2
    assert message in err


def test_cost_command_names_a_broken_prices_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "prices.json"
    broken.write_text('{"region": "r", "as_of": "d"}')
    code, _, err = run_cost(capsys, "--requests-per-month", "1", "--prices", str(broken))
    assert code == 2
    assert "needs a 'usd' object" in err


STREAM_REDIRECT = Usage(
    cloudfront_requests=1,
    cloudfront_bytes_out=GB / 1_000_000,  # a million redirects: one GB out
    lambdas=(Invocations("redirect", 256, 1, 10), Invocations("stream", 512, 0.001, 2000)),
    dynamodb_rru=0,
    dynamodb_wru=1.2,
    stream_read_requests=0.001,
    eventbridge_events=0,
    sqs_requests=0,
)


def test_the_cloudfront_path_prices_requests_bytes_and_free_stream_reads() -> None:
    lines = cost_per_request(STREAM_REDIRECT, PRICES)
    per_m = {name: usd * 1_000_000 for name, usd in lines.items()}
    assert per_m["CloudFront requests"] == pytest.approx(1.0)
    assert per_m["CloudFront data out"] == pytest.approx(0.085)
    assert per_m["API Gateway HTTP API"] == 0
    assert per_m["DynamoDB Streams reads (by Lambda)"] == 0
    assert per_m["DynamoDB writes (WRU)"] == pytest.approx(1.5)
    # 0.25 GB x 10 ms and 0.001 x 0.5 GB x 2 s, a million times.
    assert per_m["Lambda duration (GB-s)"] == pytest.approx((2_500 + 1_000) * 0.00001)


FREE = FreeTier(
    cloudfront_requests=10_000_000,
    cloudfront_gb_out=1024,
    lambda_requests=1_000_000,
    lambda_gb_seconds=400_000,
)


def test_the_free_tier_is_deducted_from_the_months_totals_once() -> None:
    month = monthly_usd(5_000_000, STREAM_REDIRECT, PRICES, FREE)
    # CloudFront: 5M requests and 5 GB, all free; Lambda: 5.005M requests - 1M free,
    # 17,500 GB-s (free); DynamoDB: 6M WRU.
    assert month == pytest.approx(4.005 * 0.2 + 6 * 1.25)
    assert monthly_usd(5_000_000, STREAM_REDIRECT, PRICES) > month
    assert monthly_usd(0, STREAM_REDIRECT, PRICES, FREE) == 0
    # 100M: 90M CloudFront requests billed, 100 GB out (free), 99.1M Lambda requests,
    # 350,000 GB-s (free), 120M WRU.
    huge = monthly_usd(100_000_000, STREAM_REDIRECT, PRICES, FREE)
    assert huge == pytest.approx(90 * 1.0 + 99.1 * 0.2 + 120 * 1.25)


def test_every_shipped_price_and_allowance_carries_its_date_and_page() -> None:
    data = json.loads(SHIPPED_PRICES.read_text())
    for section in ("usd", "free_tier", "free_per_account"):
        for name, entry in data[section].items():
            assert entry["as_of"] >= "2026-01-01", name
            assert entry["source"].startswith("https://aws.amazon.com/"), name
    prices = Prices.from_mapping(data)
    assert set(prices.sources) >= {"cloudfront_https_per_million", "lambda_gb_second"}
    assert FreeTier.from_mapping(data) == FREE


def test_a_price_without_its_source_is_refused() -> None:
    data = json.loads(SHIPPED_PRICES.read_text())
    del data["usd"]["cloudfront_data_out_per_gb"]["source"]
    with pytest.raises(CostInputError, match="cloudfront_data_out_per_gb needs its as_of"):
        Prices.from_mapping(data)


def test_cost_command_compares_a_month_of_redirects_with_the_classic_design(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("--requests-per-month", "5000000", "--mix", "redirect=1", "--json")
    code, out, _ = run_cost(capsys, *args, "--free-tier")
    assert code == 0
    free = json.loads(out)
    assert free["free_tier"] is True
    assert free["redirects_compared"] == 5_000_000
    months = free["redirect_monthly_usd"]
    # The ratio of the unrounded months; the months are given to the cent.
    assert free["redirect_vs_classic"] == pytest.approx(
        months["shortstack"] / months["classic"], rel=1e-3
    )
    code, out, _ = run_cost(capsys, *args)
    listed = json.loads(out)
    assert listed["free_tier"] is False
    assert listed["redirect_vs_classic"] == pytest.approx(
        listed["usd_per_million"]["redirect"] / listed["classic_redirect_usd_per_million"],
        abs=1e-6,
    )
    assert free["monthly_usd"]["total"] < listed["monthly_usd"]["total"]


def test_cost_command_shows_the_redirect_line_by_line_and_why_list_prices_do_not_halve_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("--requests-per-month", "10000000", "--mix", "redirect=1")
    code, out, _ = run_cost(capsys, *args, "--json")
    assert code == 0
    figures = json.loads(out)
    by_line = figures["redirect_usd_per_million_by_line"]
    assert sum(by_line["shortstack"].values()) == pytest.approx(
        figures["usd_per_million"]["redirect"], abs=1e-5
    )
    assert sum(by_line["classic"].values()) == pytest.approx(
        figures["classic_redirect_usd_per_million"], abs=1e-5
    )
    assert by_line["shortstack"]["API Gateway HTTP API"] == 0
    assert by_line["classic"]["CloudFront requests"] == 0
    ratios = figures["redirect_vs_classic_by_pricing"]
    assert ratios["list"] == pytest.approx(figures["redirect_vs_classic"])
    assert ratios["free_tier"] < 0.5 < ratios["list"]

    code, out, _ = run_cost(capsys, *args)
    assert code == 0
    assert (
        f"shortstack is {ratios['list']:.2f}x (with --free-tier: {ratios['free_tier']:.2f}x)" in out
    )
    assert "Why not half at list prices: a request through CloudFront costs $1.00" in out
    *_, edge_line = (line for line in out.splitlines() if "API Gateway HTTP API" in line)
    assert edge_line.split() == ["API", "Gateway", "HTTP", "API", "$", "0.00", "$", "1.00"]
