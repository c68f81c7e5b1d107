"""How long scheduled maintenance takes on a local SQLite deployment of 10,000 links.

Half the links expired more than the 30-day grace ago, a tenth expired within it,
the rest are live; each link has clicks on six days spread over the last 200
days, so the roll-up has old days to fold into months. The first run does the
work; the second finds nothing to do (the steady state of an hourly schedule).

    python -m bench.maintenance [--links 10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from shortstack.bootstrap import Container, bootstrap
from shortstack.config import Settings
from shortstack.domain.analytics import ClickFacts
from shortstack.domain.clock import utc_now
from shortstack.domain.links import create_link

CLICK_DAYS_AGO = (3, 40, 95, 130, 160, 200)


def seed(container: Container, links: int) -> None:
    now = utc_now()
    for n in range(links):
        if n % 2 == 0:
            expires_at = now - timedelta(days=31 + n % 300)
        elif n % 10 == 1:
            expires_at = now - timedelta(days=5)
        else:
            expires_at = now + timedelta(days=30)
        link = create_link(
            short_id=f"b{n:06d}", owner="bench", url="https://example.com/", now=now, expires_at=now
        )
        container.links.links.add(replace(link, expires_at=expires_at))
        for days_ago in CLICK_DAYS_AGO:
            day = (now - timedelta(days=days_ago)).date()
            container.analytics.stats.fold(
                ClickFacts(
                    f"{n}-{days_ago}", link.short_id, day, "(direct)", "curl", "bot", True, "DE"
                )
            )


def measure(links: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(storage="sqlite", data_dir=Path(data_dir), maintenance_interval_s=0)
        container = bootstrap(settings)
        try:
            started = time.perf_counter()
            seed(container, links)
            seeded_s = time.perf_counter() - started
            runs = []
            for _ in range(2):
                started = time.perf_counter()
                outcomes = container.maintenance.run()
                runs.append(
                    {
                        "seconds": round(time.perf_counter() - started, 3),
                        "tasks": [outcome.as_dict() for outcome in outcomes],
                    }
                )
        finally:
            container.close()
    return {
        "links": links,
        "seed_seconds": round(seeded_s, 1),
        "first_run": runs[0],
        "second_run": runs[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--links", type=int, default=10_000)
    print(json.dumps(measure(parser.parse_args().links), indent=2))


if __name__ == "__main__":
    main()
