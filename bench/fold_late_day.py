"""The window fold's WRU a click late in a UTC day, when every day item holds 24 hours.

`bench.cost_profile.fold_cost` runs eight 15-minute windows from 08:00 UTC, so its day
items carry two of the day's 24 hourly counts (decision 0114). Here another container's
window first writes each of the 1,000 links' days and each owner's day with one click in
every hour (`--no-hours`: the same clicks with no hourly counts), then `fold_cost` runs
as usual: its windows merge into items that carry what a day's last windows carry.

    python -m bench.fold_late_day [--owners 10 50] [--no-hours]
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from typing import Any
from unittest import mock

from bench import cost_profile
from bench.capacity_meter import Meter, MeteredDynamoDB
from bench.fold_envelope import CREDENTIALS, REGION

DAY = date(2026, 12, 1)  # fold_cost's day
PREFILL_WINDOW = "2026-12-01T07:45:00+00:00"  # the window before fold_cost's first


def prefill(client: Any, owners: int, hours: bool) -> None:
    """One click in each hour of the day in every link's and owner's day item."""
    from shortstack.adapters.dynamodb import stats as stats_module
    from shortstack.domain.analytics import HOURS, DailyStats

    days, owner_days = {}, {}
    for n in range(cost_profile.FOLD_LINKS):
        stats = DailyStats(day=DAY, clicks=24)
        owner_day = owner_days.setdefault((f"owner{n % owners}", DAY), DailyStats(day=DAY))
        owner_day.clicks += 24
        if hours:
            stats.counts[HOURS] = {f"{hour:02d}": 1 for hour in range(24)}
            owner_day.counts.setdefault(HOURS, {})
            for hour in stats.counts[HOURS]:
                owner_day.counts[HOURS][hour] = owner_day.counts[HOURS].get(hour, 0) + 1
        days[(f"L{n:05d}", DAY)] = stats
    repository = stats_module.DynamoDBClickStatsRepository(client, cost_profile.TABLE)
    with mock.patch.object(stats_module, "_WINDOW_WRITERS", 1):
        repository.add_window("shardId-prefill", PREFILL_WINDOW, days, owner_days)


def measure(owners: int, hours: bool) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from shortstack.adapters.dynamodb.table import create_table

    with (
        mock.patch.dict(os.environ, CREDENTIALS),
        mock_aws(),
        mock.patch.object(cost_profile, "FOLD_OWNERS", owners),
    ):
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, cost_profile.TABLE)
        prefill(client, owners, hours)
        meter = Meter()
        fold = cost_profile.fold_cost(MeteredDynamoDB(client, client, meter), meter)
    return {
        "owners": owners,
        "hours_prefilled": hours,
        "wru_per_click": fold["wru_per_click"],
        "rru_per_click": fold["rru_per_click"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--owners", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--no-hours", action="store_true", help="prefill without hours")
    args = parser.parse_args(argv)
    for owners in args.owners:
        print(measure(owners, not args.no_hours))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
