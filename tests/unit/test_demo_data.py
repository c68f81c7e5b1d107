"""`shortstack seed`: demo links with weeks of clicks, items and users, made through the use
cases, with history in the stats, and nothing added twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.auth import LOCAL_USER
from shortstack.domain.link_state import LinkState, state_of
from shortstack.entrypoints.cli import main
from shortstack.service_layer.demo_data import DemoPlan, DemoSeeder, MovableClock
from tests.conftest import settings_for

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _seeded(data: Path, plan: DemoPlan) -> tuple[Container, MovableClock, DemoSeeder]:
    clock = MovableClock(NOW)
    container = bootstrap(settings_for("sqlite", data), clock=clock)
    seeder = DemoSeeder(
        container.links, container.items, container.users, container.redirects, clock
    )
    return container, clock, seeder


def test_seeded_links_show_their_features_and_weeks_of_clicks(tmp_path: Path) -> None:
    container, clock, seeder = _seeded(tmp_path, DemoPlan(clicks=600, days=21))
    try:
        report = seeder.seed(LOCAL_USER, DemoPlan(clicks=600, days=21))
        assert clock.now == NOW  # the clock is put back
        assert len(report.links_made) == 12
        assert (report.items_made, report.users_made) == (20, 5)
        # Every visit is counted once somewhere: a click, a bot's visit, an orphan visit,
        # or refused as it would be for a visitor (the ended sale, past its end).
        assert 550 < report.clicks + report.bots + report.orphan_visits <= 600
        assert report.bots > 0
        assert report.orphan_visits > 0

        links = {link.short_id: link for link in container.links.export(LOCAL_USER, _all())}
        states = {short_id: state_of(link, NOW) for short_id, link in links.items()}
        assert states["demo-old"] == LinkState.DISABLED
        assert states["demo-sale"] == LinkState.EXPIRED
        assert states["demo-soon"] == LinkState.SCHEDULED
        assert links["demo-beta"].password_hash
        assert links["demo-app"].rules
        assert links["demo-ab"].variants
        assert all(link.created_at == NOW - timedelta(days=21) for link in links.values())
        counted = sum(link.click_count for link in links.values())
        assert counted == report.clicks
        assert sum(link.bot_count for link in links.values()) == report.bots

        # The stats have history: clicks on many past days, from many places.
        stats = container.analytics.report(
            LOCAL_USER, "demo-launch", (NOW - timedelta(days=21)).date(), NOW.date()
        )
        assert stats.totals.clicks == links["demo-launch"].click_count
        assert sum(1 for day in stats.days if day.clicks) >= 15
        overview = container.analytics.overview(
            LOCAL_USER, (NOW - timedelta(days=21)).date(), NOW.date()
        )
        totals = overview.report.totals
        assert totals.clicks == report.clicks
        assert len(overview.report.top("countries")) >= 5
        assert len(overview.report.top("referrers")) >= 5
        assert 0 < totals.unique_visitors <= totals.clicks
        assert overview.top_links[0].link.short_id == "demo-launch"
    finally:
        container.close()


def test_seeding_again_adds_nothing_and_the_same_seed_makes_the_same_data(
    tmp_path: Path,
) -> None:
    plan = DemoPlan(links=14, clicks=300, days=10, items=3, users=2, seed=7)
    counts = []
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
        container, _, seeder = _seeded(tmp_path / folder, plan)
        try:
            report = seeder.seed(LOCAL_USER, plan)
            assert len(report.links_made) == 14  # the named ones, then plain pages
            again = seeder.seed(LOCAL_USER, plan)
            assert (again.links_made, again.links_there, again.clicks) == ([], 14, 0)
            assert (again.items_there, again.users_made, again.users_there) == (True, 0, 2)
            counts.append(
                sorted(
                    (link.short_id, link.click_count, link.bot_count)
                    for link in container.links.export(LOCAL_USER, _all())
                )
            )
            assert len(container.items.list(LOCAL_USER, limit=100).items) == 3
        finally:
            container.close()
    assert counts[0] == counts[1]


@pytest.mark.parametrize("days", [1, 2, 3])
def test_a_period_of_a_few_days_seeds_every_link_with_the_sale_ended_inside_it(
    tmp_path: Path, days: int
) -> None:
    plan = DemoPlan(clicks=100, days=days, items=0, users=0)
    container, _, seeder = _seeded(tmp_path, plan)
    try:
        report = seeder.seed(LOCAL_USER, plan)
        assert len(report.links_made) == 12
        sale = container.links.get(LOCAL_USER, "demo-sale")
        assert sale.expires_at is not None
        assert NOW - timedelta(days=days) < sale.expires_at < NOW
    finally:
        container.close()


def test_seeding_for_a_second_owner_says_the_demo_aliases_are_someone_else_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _data_dir(monkeypatch, tmp_path / "shared")
    assert main(["seed", "--clicks", "20", "--items", "0", "--users", "0"]) == 0
    capsys.readouterr()
    assert main(["seed", "--clicks", "20", "--owner", "bob", "--items", "0", "--users", "0"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "links: made 0 (12 demo aliases belong to another owner)"
    assert "already there" not in first


def _data_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(folder))


def test_the_command_creates_the_data_directory_and_says_what_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _data_dir(monkeypatch, tmp_path / "fresh")
    assert main(["seed", "--clicks", "50", "--days", "5", "--items", "2", "--users", "1"]) == 0
    out, err = capsys.readouterr()
    assert "created a new data directory" in err
    lines = out.splitlines()
    assert lines[0] == "links: made 12"
    assert lines[1].startswith("clicks: ")
    assert "over the last 5 days" in lines[1]
    assert "items: made 2" in lines
    assert "users: made 1" in lines
    assert "the link demo-beta asks for the password 'open-sesame'" in lines
    assert lines[-1].endswith("/#/dashboard")
    assert main(["seed", "--clicks", "50"]) == 0
    assert capsys.readouterr()[0].splitlines()[0] == "links: made 0 (12 already there)"


@pytest.mark.parametrize(
    "args",
    [
        ["--links", "-1"],
        ["--clicks", "1000001"],
        ["--days", "x"],
        ["--days", "0"],
        ["--owner", " "],
    ],
)
def test_a_bad_option_is_refused_before_anything_is_made(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    _data_dir(monkeypatch, tmp_path / "untouched")
    with pytest.raises(SystemExit) as refused:
        main(["seed", *args])
    assert refused.value.code == 2
    assert args[0] in capsys.readouterr()[1]
    assert not (tmp_path / "untouched").exists()


def _all() -> object:
    from shortstack.service_layer.link_browse import LinkQuery

    return LinkQuery()
