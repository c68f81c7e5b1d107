"""The close of a stream shard's window whose clicks are a hot link's counter shards'.

Such clicks name no owner, so the close looks their link up; when the link is gone by
then (deleted, its days dropped by forget_link), the window's sums for it go nowhere:
written, they would be days of an id a new link may take (docs/decisions/0110). The
link's removal is in another stream shard, so this window never saw it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from shortstack.domain.analytics import DailyStats
from shortstack.service_layer.relay import ClickWindow, OutboxRelay
from tests.contract.test_click_stats_repository import facts


class RecordingFold:
    def __init__(self) -> None:
        self.days: dict[tuple[str, date], DailyStats] = {}
        self.owner_days: dict[tuple[str, date], DailyStats] = {}

    def add_window(self, *written: Any) -> None:  # source, window, days, owner_days
        days, owner_days = written[2:]
        self.days.update(days)
        self.owner_days.update(owner_days)


def _closed(owners: dict[str, str]) -> RecordingFold:
    window = ClickWindow()
    window.add("1", facts(1, short_id="viral"))  # a counter shard's click: no owner
    window.add("2", facts(2, short_id="viral"))
    window.add("3", facts(3, short_id="calm", owner="carol"))
    fold = RecordingFold()
    unused: Any = None
    relay = OutboxRelay(
        unused,
        fold,
        unused,
        unused,
        lambda ids: {i: owners[i] for i in ids if i in owners},
        unused,
    )
    relay.close("shard-2", "2026-11-20T10:00:00Z", window)
    return fold


def test_a_counter_shards_clicks_of_a_link_gone_at_the_close_are_written_nowhere() -> None:
    fold = _closed({"calm": "carol"})
    assert sorted(short_id for short_id, _ in fold.days) == ["calm"]
    assert [owner for owner, _ in fold.owner_days] == ["carol"]


def test_a_counter_shards_clicks_of_a_link_still_there_count_for_it_and_its_owner() -> None:
    fold = _closed({"calm": "carol", "viral": "alice"})
    assert (
        sum(stats.clicks for (short_id, _), stats in fold.days.items() if short_id == "viral") == 2
    )
    assert sorted(owner for owner, _ in fold.owner_days) == ["alice", "carol"]


def test_a_windows_state_handed_to_its_next_invocation_keeps_the_hours() -> None:
    """Lambda hands a tumbling window's state back as JSON between invocations: the days'
    clicks and bots per UTC hour (decision 0114) must survive it, as the other counts do."""
    window = ClickWindow()
    window.add("1", facts(1, hour=23, owner="alice"))
    window.add("2", facts(2, hour=0, is_bot=True, browser="Googlebot", owner="alice"))
    again = ClickWindow.from_state(json.loads(json.dumps(window.to_state())))
    [day] = again.days.values()
    assert (day.counts["hours"], day.counts["bot_hours"]) == ({"23": 1}, {"00": 1})
    [owner_day] = again.owner_days().values()
    assert (owner_day.counts["hours"], owner_day.counts["bot_hours"]) == ({"23": 1}, {"00": 1})
