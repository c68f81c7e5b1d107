"""Where the window fold stays under 0.2 WRU a click: clicks a month against owners.

The fold writes one item per (link, day) and one per (owner, day) that a 15-minute
window touches, so its cost per click falls as traffic grows (more clicks a window on
the same links and owners) and rises with the owners whose links are clicked. This
runs `bench.cost_profile.fold_cost` (the shipped profile's measurement: a moto table
behind the capacity meter, Zipf s = 1.2 over 1,000 links, eight windows of growing day
items) for each pair of the grid and prints the WRU and RRU per click.

    python -m bench.fold_envelope [--clicks 5000000 10000000] [--owners 10 50] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any
from unittest import mock

from bench import cost_profile
from bench.capacity_meter import Meter, MeteredDynamoDB

CAP_WRU = 0.2
REGION = "us-east-1"
CREDENTIALS = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


def measure(clicks_per_month: int, owners: int) -> dict[str, Any]:
    """The fold's cost per click on a fresh table, with the profile's other assumptions."""
    import boto3
    from moto import mock_aws

    from shortstack.adapters.dynamodb.table import create_table

    with (
        mock.patch.dict(os.environ, CREDENTIALS),
        mock_aws(),
        mock.patch.object(cost_profile, "FOLD_CLICKS_PER_MONTH", clicks_per_month),
        mock.patch.object(cost_profile, "FOLD_OWNERS", owners),
    ):
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, cost_profile.TABLE)
        meter = Meter()
        fold = cost_profile.fold_cost(MeteredDynamoDB(client, client, meter), meter)
    return {
        "clicks_per_month": clicks_per_month,
        "owners": owners,
        "clicks_per_window": fold["assumption"]["clicks_per_window"],
        "links_per_click": fold["links_per_click"],
        "owner_days_per_click": fold["owner_days_per_click"],
        "wru_per_click": fold["wru_per_click"],
        "rru_per_click": fold["rru_per_click"],
        "under_cap": fold["wru_per_click"] <= CAP_WRU,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clicks", type=int, nargs="+", default=[5_000_000, 10_000_000, 20_000_000]
    )
    parser.add_argument("--owners", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = [measure(clicks, owners) for clicks in args.clicks for owners in args.owners]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(
        f"{'clicks/month':>13} {'owners':>6} {'links/click':>11} {'owners/click':>12} "
        f"{'WRU/click':>9} {'RRU/click':>9}  cap {CAP_WRU}"
    )
    for row in rows:
        print(
            f"{row['clicks_per_month']:>13,} {row['owners']:>6} {row['links_per_click']:>11.4f} "
            f"{row['owner_days_per_click']:>12.4f} {row['wru_per_click']:>9.4f} "
            f"{row['rru_per_click']:>9.4f}  {'met' if row['under_cap'] else 'missed'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
