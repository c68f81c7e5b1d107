"""LinkSink contract (every link store): a chunk stored in row order, nothing overwritten."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shortstack.bootstrap import Adapters
from shortstack.domain.imports import ExistingLink, PlannedLink
from tests.contract.conftest import present

CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def planned(row: int, short_id: str, url: str, *, alias: bool = False) -> PlannedLink:
    return PlannedLink(row, short_id, url, CREATED + timedelta(days=30), is_alias=alias)


def test_free_ids_are_stored_and_held_ones_are_reported_not_overwritten(
    adapters: Adapters,
) -> None:
    links = adapters.links
    first = links.add_new(
        "ann",
        [
            planned(2, "team-page", "https://example.com/a", alias=True),
            planned(3, "Abc1234", "https://example.com/b"),
        ],
        CREATED,
    )
    assert first == [None, None]
    again = links.add_new(
        "bob",
        [
            planned(2, "team-page", "https://example.com/other", alias=True),
            planned(5, "Xyz9876", "https://example.com/c"),
        ],
        CREATED + timedelta(hours=1),
    )
    assert again == [ExistingLink("ann", "https://example.com/a", CREATED), None]
    stored = present(links.get("team-page"))
    assert (stored.owner, stored.url) == ("ann", "https://example.com/a")
    assert present(links.get("Xyz9876")).owner == "bob"


def test_a_migrated_link_keeps_its_title_tags_and_old_visits_without_expiry(
    adapters: Adapters,
) -> None:
    links = adapters.links
    migrated = PlannedLink(
        7,
        "spring",
        "https://example.com/spring",
        None,
        is_alias=True,
        title="Spring sale, 20% off ✓",
        tags=("marketing", "q1"),
        imported_clicks=1523,
    )
    assert links.add_new("ann", [migrated], CREATED) == [None]
    stored = present(links.get("spring"))
    assert (stored.title, stored.tags, stored.expires_at) == (
        "Spring sale, 20% off ✓",
        ("marketing", "q1"),
        None,
    )
    assert (stored.imported_clicks, stored.click_count) == (1523, 0)
    [listed] = links.list("ann", tag="q1", limit=5, cursor=None).items
    # DynamoDB's owner index does not project the version (a listing answers no ETag).
    assert replace(listed, version=stored.version) == stored
