"""Bulk changes of links on every store: each link changed as its PATCH or DELETE would be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.bootstrap import Adapters
from shortstack.domain.errors import LinkNotFound, PreconditionFailed
from shortstack.domain.preconditions import entity_tag
from shortstack.domain.target_urls import OwnHosts
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.link_bulk import BulkAction
from shortstack.service_layer.links import LinksService
from tests.concurrency import race
from tests.contract.conftest import present

URL = "https://example.com/"


@pytest.fixture
def publisher() -> MemoryEventPublisher:
    return MemoryEventPublisher()


@pytest.fixture
def links(adapters: Adapters, storage: str, publisher: MemoryEventPublisher) -> LinksService:
    # As light_wiring.links_service wires it on the engine: DynamoDB's writes ten at a time.
    # moto's table is not safe for threads (a stats Query meeting a DeleteItem raised
    # "dictionary changed size during iteration" in bench/bulk_change.py): one at a time.
    workers = 10 if storage == "dynamodb_local" else 1
    return LinksService(
        adapters.links,
        PublishingUnitOfWork(publisher),
        OwnHosts.of("https://sho.rt"),
        bulk_workers=workers,
    )


def made(links: LinksService, count: int, owner: str = "alice", **fields: Any) -> list[str]:
    return [links.create(owner, url=f"{URL}{n}", **fields).short_id for n in range(count)]


def test_each_link_is_disabled_and_versioned_as_its_patch_would_be(
    links: LinksService, adapters: Adapters, publisher: MemoryEventPublisher
) -> None:
    ids = made(links, 3)
    before = {short_id: present(adapters.links.get(short_id)).version for short_id in ids}
    outcomes = links.change_many("alice", [(i, None) for i in ids], BulkAction("disable"))
    assert list(outcomes) == ids
    for short_id in ids:
        stored = present(adapters.links.get(short_id))
        assert stored.is_active is False
        assert stored.version == before[short_id] + 1
    updated = publisher.of_type("LinkUpdated")
    assert sorted(event.detail["short_id"] for event in updated) == sorted(ids)
    assert all(event.detail["fields"] == ["is_active"] for event in updated)


def test_a_missing_or_foreign_id_fails_alone_and_a_repeated_one_changes_once(
    links: LinksService, adapters: Adapters, publisher: MemoryEventPublisher
) -> None:
    [mine] = made(links, 1)
    [theirs] = made(links, 1, owner="bob")
    version = present(adapters.links.get(mine)).version
    targets = [(mine, None), ("nosuch1", None), (theirs, None), (mine, None)]
    outcomes = links.change_many("alice", targets, BulkAction("enable"))
    assert list(outcomes) == [mine, "nosuch1", theirs]
    assert isinstance(outcomes["nosuch1"], LinkNotFound)
    assert isinstance(outcomes[theirs], LinkNotFound)
    assert present(adapters.links.get(mine)).version == version + 1
    assert present(adapters.links.get(theirs)).is_active is True
    assert [e.detail["short_id"] for e in publisher.of_type("LinkUpdated")] == [mine]


def test_a_stale_if_match_fails_its_link_only(links: LinksService, adapters: Adapters) -> None:
    fresh, stale = made(links, 2)
    fresh_tag = entity_tag(present(adapters.links.get(fresh)).version)
    targets = [(fresh, fresh_tag), (stale, '"1"')]
    outcomes = links.change_many("alice", targets, BulkAction("add_tag", tag="Promo"))
    assert present(adapters.links.get(fresh)).tags == ("promo",)
    assert isinstance(outcomes[stale], PreconditionFailed)
    assert present(adapters.links.get(stale)).tags == ()


def test_a_link_listed_with_two_if_match_changes_only_under_both(links: LinksService) -> None:
    [short_id] = made(links, 1)
    tag = entity_tag(links.get("alice", short_id).version)
    outcomes = links.change_many(
        "alice", [(short_id, tag), (short_id, '"1"')], BulkAction("clear_expiry")
    )
    assert isinstance(outcomes[short_id], PreconditionFailed)
    assert links.get("alice", short_id).expires_at is not None


def test_tags_are_added_and_removed_keeping_the_others_and_unchanged_links_are_not_written(
    links: LinksService, adapters: Adapters, publisher: MemoryEventPublisher
) -> None:
    tagged, bare = made(links, 1, tags=["keep", "promo"]) + made(links, 1, tags=["keep"])
    versions = {i: present(adapters.links.get(i)).version for i in (tagged, bare)}
    links.change_many("alice", [(tagged, None), (bare, None)], BulkAction("add_tag", tag="PROMO"))
    assert present(adapters.links.get(tagged)).tags == ("keep", "promo")
    assert present(adapters.links.get(tagged)).version == versions[tagged]
    assert present(adapters.links.get(bare)).tags == ("keep", "promo")
    links.change_many("alice", [(tagged, None)], BulkAction("remove_tag", tag="promo"))
    assert present(adapters.links.get(tagged)).tags == ("keep",)
    changed = [e.detail["short_id"] for e in publisher.of_type("LinkUpdated")]
    assert sorted(changed[-2:]) == sorted([bare, tagged])


def test_an_eleventh_tag_or_an_expiry_before_valid_since_is_that_links_422(
    links: LinksService, adapters: Adapters
) -> None:
    full = links.create("alice", url=URL, tags=[f"t{n}" for n in range(10)]).short_id
    later = datetime.now(UTC) + timedelta(days=20)
    waiting = links.create("alice", url=URL, valid_since=later).short_id
    [plain] = made(links, 1)
    at = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    outcomes = links.change_many(
        "alice", [(waiting, None), (plain, None)], BulkAction("set_expiry", expires_at=at)
    )
    assert "valid_since" in str(outcomes[waiting])
    assert links.get("alice", plain).expires_at == at
    tagging = links.change_many("alice", [(full, None)], BulkAction("add_tag", tag="more"))
    assert "at most 10 tags" in str(tagging[full])
    assert len(present(adapters.links.get(full)).tags) == 10


def test_deleted_links_are_gone_and_announced_once_each(
    links: LinksService, adapters: Adapters, publisher: MemoryEventPublisher
) -> None:
    ids = made(links, 3)
    outcomes = links.change_many("alice", [(i, None) for i in ids * 2], BulkAction("delete"))
    assert outcomes == dict.fromkeys(ids)
    assert all(adapters.links.get(i) is None for i in ids)
    assert sorted(e.detail["short_id"] for e in publisher.of_type("LinkDeleted")) == sorted(ids)


def test_racing_tag_additions_lose_no_tag(links: LinksService, adapters: Adapters) -> None:
    ids = made(links, 3)

    def add(n: int) -> str:
        outcomes = links.change_many(
            "alice", [(i, None) for i in ids], BulkAction("add_tag", tag=f"t{n}")
        )
        return ",".join(sorted({type(o).__name__ for o in outcomes.values()}))

    assert race(4, add) == ["Link"] * 4
    for short_id in ids:
        assert sorted(present(adapters.links.get(short_id)).tags) == ["t0", "t1", "t2", "t3"]


def test_racing_bulks_under_one_if_match_let_exactly_one_through(
    links: LinksService, adapters: Adapters
) -> None:
    [short_id] = made(links, 1)
    tag = entity_tag(present(adapters.links.get(short_id)).version)

    def disable(n: int) -> str:
        outcomes = links.change_many("alice", [(short_id, tag)], BulkAction("add_tag", tag=f"w{n}"))
        return "412" if isinstance(outcomes[short_id], PreconditionFailed) else "200"

    assert sorted(race(12, disable)) == ["200"] + ["412"] * 11
    assert len(present(adapters.links.get(short_id)).tags) == 1
