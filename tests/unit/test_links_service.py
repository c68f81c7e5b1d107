"""Link use cases against the in-memory fakes: ids, aliases, ownership, events, redirects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.domain.errors import (
    AliasTaken,
    Conflict,
    InvalidInput,
    LinkNotFound,
    UnsafeUrl,
)
from shortstack.domain.link_options import Preview, rule_from
from shortstack.domain.link_routing import RedirectRule, Variant
from shortstack.domain.links import LinkChanges
from shortstack.domain.passwords import ScryptCost, verify_password
from shortstack.domain.target_urls import OwnHosts
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.links import LinksService
from tests.fakes import FakeClock

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def ids(*values: str) -> Iterator[str]:
    yield from values


@pytest.fixture
def repo() -> MemoryLinkRepository:
    return MemoryLinkRepository()


@pytest.fixture
def publisher() -> MemoryEventPublisher:
    return MemoryEventPublisher()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def links(
    repo: MemoryLinkRepository, publisher: MemoryEventPublisher, clock: FakeClock
) -> LinksService:
    return LinksService(repo, PublishingUnitOfWork(publisher), OwnHosts.of("https://sho.rt"), clock)


def test_a_colliding_random_id_is_drawn_again_and_never_overwrites(
    links: LinksService, repo: MemoryLinkRepository
) -> None:
    first = links.create("alice", url="https://first.example/")
    links.new_id = ids(first.short_id, first.short_id, "fresh01").__next__
    second = links.create("bob", url="https://second.example/")
    assert second.short_id == "fresh01"
    assert repo.get(first.short_id) == first


def test_reserved_words_are_never_handed_out_as_random_ids(links: LinksService) -> None:
    links.new_id = ids("account", "privacy", "abc1234").__next__
    assert links.create("alice", url="https://example.com/").short_id == "abc1234"


def test_running_out_of_attempts_is_a_conflict_not_an_overwrite(links: LinksService) -> None:
    links.create("alice", url="https://example.com/", alias="same-id")
    links.new_id = lambda: "same-id"
    with pytest.raises(Conflict, match="try again"):
        links.create("bob", url="https://other.example/")


def test_a_taken_alias_raises_alias_taken(links: LinksService, repo: MemoryLinkRepository) -> None:
    first = links.create("alice", url="https://first.example/", alias="promo")
    with pytest.raises(AliasTaken, match="promo"):
        links.create("bob", url="https://second.example/", alias="promo")
    assert repo.get("promo") == first


def test_the_requests_own_host_is_refused(links: LinksService) -> None:
    with pytest.raises(UnsafeUrl, match="own host"):
        links.create("alice", url="https://api.example.net/x", request_host="api.example.net")
    with pytest.raises(UnsafeUrl, match="own host"):
        links.create("alice", url="https://sho.rt/x")


def test_other_owners_links_look_missing(links: LinksService) -> None:
    link = links.create("alice", url="https://example.com/")
    with pytest.raises(LinkNotFound):
        links.get("mallory", link.short_id)
    with pytest.raises(LinkNotFound):
        links.update("mallory", link.short_id, LinkChanges(is_active=False))
    with pytest.raises(LinkNotFound):
        links.delete("mallory", link.short_id)
    assert links.get("alice", link.short_id) == link


def test_a_new_url_in_an_update_passes_the_safety_checks(links: LinksService) -> None:
    link = links.create("alice", url="https://example.com/")
    with pytest.raises(UnsafeUrl, match="scheme"):
        links.update("alice", link.short_id, LinkChanges(url="javascript:alert(1)"))
    updated = links.update("alice", link.short_id, LinkChanges(url="https://Bücher.example/"))
    assert updated.url == "https://xn--bcher-kva.example/"


def test_every_change_is_announced(
    links: LinksService, publisher: MemoryEventPublisher, clock: FakeClock
) -> None:
    link = links.create("alice", url="https://example.com/", ttl_days=2, tags=["Launch"])
    links.update("alice", link.short_id, LinkChanges(is_active=False, title="t"))
    secret = LinkChanges(url="https://example.com/new", rules=(), clear_expiry=True)
    links.update("alice", link.short_id, secret, password="correct horse")
    links.delete("alice", link.short_id)
    created, updated, moved, deleted = publisher.published
    assert created.detail == {
        "short_id": link.short_id,
        "owner": "alice",
        "url": "https://example.com/",
        "expires_at": "2026-03-03T00:00:00.000Z",
        "title": None,
        "tags": ["launch"],
    }
    assert updated.detail == {
        "short_id": link.short_id,
        "owner": "alice",
        "fields": ["is_active", "title"],
        "changes": {"is_active": False, "title": "t"},
    }
    # The new values of the small fields; whether a password is set, never its hash; rules
    # are named only.
    assert moved.detail["fields"] == ["url", "expires_at", "password", "rules"]
    assert moved.detail["changes"] == {
        "url": "https://example.com/new",
        "expires_at": None,
        "password": True,
    }
    assert deleted.detail == {"short_id": link.short_id, "owner": "alice"}
    assert {e.source for e in publisher.published} == {"shortstack.links"}


def test_every_url_a_link_holds_is_checked_against_the_request_host(
    links: LinksService,
) -> None:
    for options, field in (
        ({"fallback_url": "https://api.sho.rt/"}, "fallback_url"),
        ({"rules": [rule_from("https://api.sho.rt/x", device="ios")]}, "rules[0].url"),
        ({"variants": [Variant("https://api.sho.rt/x", 1)]}, "variants[0].url"),
        ({"preview": Preview("t", None, "https://api.sho.rt/i.png")}, "preview.image_url"),
    ):
        with pytest.raises(InvalidInput) as caught:
            links.create("alice", url="https://example.com/", request_host="api.sho.rt", **options)
        assert caught.value.field == field
    assert links.list("alice").items == []


def test_a_password_is_kept_only_as_its_hash(
    links: LinksService, repo: MemoryLinkRepository, publisher: MemoryEventPublisher
) -> None:
    links.password_cost = ScryptCost(log2_n=4, r=1, p=1)
    link = links.create("alice", url="https://example.com/", password="open sesame")
    stored = repo.get(link.short_id)
    assert stored is not None
    assert stored.password_hash is not None
    assert verify_password("open sesame", stored.password_hash)
    assert "open sesame" not in repr(stored)
    links.update("alice", link.short_id, LinkChanges(), password="new secret")
    assert verify_password("new secret", repo.get(link.short_id).password_hash or "")
    links.update("alice", link.short_id, LinkChanges(clear_password=True))
    assert repo.get(link.short_id).password_protected is False
    updated = publisher.of_type("LinkUpdated")
    assert [event.detail["fields"] for event in updated] == [["password"], ["password"]]


def test_rules_and_variants_are_stored_checked(
    links: LinksService, repo: MemoryLinkRepository
) -> None:
    link = links.create(
        "alice",
        url="https://example.com/",
        rules=[rule_from("HTTPS://IOS.example", device="ios", language="EN")],
        variants=[Variant("https://A.example/", 3), Variant("https://b.example/", 1)],
    )
    assert link.rules == (RedirectRule("https://ios.example", device="ios", language="en"),)
    assert link.variants == (Variant("https://a.example/", 3), Variant("https://b.example/", 1))
    assert repo.get(link.short_id) == link


def test_list_normalizes_the_tag_and_clamps_the_limit(links: LinksService) -> None:
    for _ in range(3):
        links.create("alice", url="https://example.com/", tags=["promo"])
    assert len(links.list("alice", tag=" PROMO ", limit=0).items) == 1
    assert len(links.list("alice", tag="promo", limit=10_000).items) == 3


def test_expiry_null_never_expires_and_the_default_is_a_setting(
    repo: MemoryLinkRepository, publisher: MemoryEventPublisher, clock: FakeClock
) -> None:
    uow = PublishingUnitOfWork(publisher)
    service = LinksService(repo, uow, clock=clock)
    assert service.create("me", url="https://example.com/a", never_expires=True).expires_at is None
    assert service.create("me", url="https://example.com/b").expires_at == NOW + timedelta(days=30)
    with pytest.raises(InvalidInput):
        service.create("me", url="https://example.com/c", never_expires=True, ttl_days=3)
    forever = LinksService(repo, uow, clock=clock, default_ttl_days=None)
    assert forever.create("me", url="https://example.com/d").expires_at is None
    assert forever.create(
        "me", url="https://example.com/e", ttl_days=2
    ).expires_at == NOW + timedelta(days=2)


def test_a_batch_answers_each_entry_as_a_single_create_would(
    links: LinksService, repo: MemoryLinkRepository, publisher: MemoryEventPublisher
) -> None:
    links.create("bob", url="https://bob.example/", alias="held")
    # An entry draws its id once its fields pass; the title's check comes with the link's.
    links.new_id = ids("held", "spent01", "account", "rand001", "rand002").__next__
    outcomes = links.create_many(
        "alice",
        [
            {"url": "https://example.com/1"},  # draws "held" (taken), then "rand001"
            {"url": "javascript:alert(1)"},
            {"url": "https://example.com/2", "alias": "held"},
            {"url": "https://example.com/3", "alias": "mine"},
            {"url": "https://example.com/4", "alias": "mine"},
            {"url": "https://example.com/5", "title": "t" * 201},  # draws "spent01", refused
            {"url": "https://example.com/6"},  # draws "account" (reserved), then "rand002"
        ],
    )
    kinds = [type(outcome).__name__ for outcome in outcomes]
    assert kinds == [
        "Link",
        "UnsafeUrl",
        "AliasTaken",
        "Link",
        "AliasTaken",
        "InvalidInput",
        "Link",
    ]
    assert [outcomes[i].short_id for i in (0, 3, 6)] == ["rand001", "mine", "rand002"]  # type: ignore[union-attr]
    assert repo.get("held").owner == "bob"  # type: ignore[union-attr]
    created = [event.detail["short_id"] for event in publisher.of_type("LinkCreated")]
    assert created == ["held", "rand001", "mine", "rand002"]  # bob's single create, then the batch


def test_a_batch_of_random_ids_that_keep_colliding_ends_in_a_conflict_per_entry(
    links: LinksService,
) -> None:
    links.create("alice", url="https://example.com/", alias="same-id")
    links.new_id = lambda: "same-id"
    outcomes = links.create_many(
        "bob", [{"url": "https://a.example/"}, {"url": "https://b.example/"}]
    )
    assert [type(outcome) for outcome in outcomes] == [Conflict, Conflict]
