"""LinkRepository contract: the same cases on memory, SQLite and DynamoDB (moto)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.bootstrap import Adapters
from shortstack.domain.errors import (
    InvalidCursor,
    LinkGone,
    LinkNotFound,
    PreconditionFailed,
    ShortIdTaken,
)
from shortstack.domain.link_options import Preview
from shortstack.domain.link_routing import RedirectRule, Variant
from shortstack.domain.links import Link, LinkChanges, Target, create_link
from shortstack.domain.preconditions import Expected, entity_tag
from shortstack.domain.visits import Click
from tests.concurrency import race
from tests.contract.conftest import none_of, only, present

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=1)


def make(short_id: str = "abc1234", owner: str = "alice", n: int = 0, **fields: Any) -> Link:
    return create_link(
        short_id=short_id,
        owner=owner,
        url=fields.pop("url", f"https://example.com/{n}"),
        now=T0 + timedelta(seconds=n),
        expires_at=fields.pop("expires_at", T0 + timedelta(days=30)),
        **fields,
    )


def test_add_then_get_round_trips_every_field(adapters: Adapters) -> None:
    repo = adapters.links
    link = make(
        title="Ünïcödé ✓ # title",
        tags=["promo", "q1"],
        redirect_status=308,
        max_visits=5,
        url="https://example.com/a?b=c#d",
        imported_clicks=10**12,
    )
    repo.add(link)
    assert repo.get("abc1234") == link
    assert repo.get("abc1234", consistent=False) == link


RULES = (
    RedirectRule("https://ios.example/ü", device="ios", country="DE"),
    RedirectRule("https://fr.example/", language="fr", query=(("a", "1"), ("utm", "x y"))),
)
VARIANTS = (Variant("https://a.example/", 70), Variant("https://b.example/?q=1", 30))
PREVIEW = Preview("Ünïcödé title", 'A description, with "quotes"', "https://img.example/p.png")
ROUTING: dict[str, Any] = {
    "valid_since": T0,
    "fallback_url": "https://fallback.example/",
    "password_hash": "scrypt$14$8$1$c2FsdA$a2V5",
    "forward_query": True,
    "rules": RULES,
    "variants": VARIANTS,
    "preview": PREVIEW,
}


def test_add_then_get_round_trips_rules_variants_password_and_preview(
    adapters: Adapters,
) -> None:
    repo = adapters.links
    link = make(**ROUTING)
    repo.add(link)
    assert repo.get(link.short_id) == link
    assert present(repo.get(link.short_id)).password_protected
    [listed] = repo.list("alice", tag=None, limit=5, cursor=None).items
    # DynamoDB's owner index does not project the version: a listing answers no ETag.
    assert replace(listed, version=link.version) == link


def test_clicks_never_touch_the_imported_clicks(adapters: Adapters) -> None:
    repo = adapters.links
    repo.add(make(imported_clicks=42))
    repo.record_click("abc1234", Click(T0))
    repo.update("alice", "abc1234", LinkChanges(title="renamed"), LATER)
    stored = present(repo.get("abc1234"))
    assert (stored.click_count, stored.imported_clicks, stored.title) == (1, 42, "renamed")


def test_update_sets_and_clears_the_routing_fields(adapters: Adapters) -> None:
    repo = adapters.links
    link = make()
    repo.add(link)
    changed = repo.update("alice", link.short_id, LinkChanges(**ROUTING), LATER)
    assert (changed.valid_since, changed.fallback_url, changed.forward_query) == (
        T0,
        "https://fallback.example/",
        True,
    )
    assert (changed.rules, changed.variants, changed.preview) == (RULES, VARIANTS, PREVIEW)
    assert changed.password_protected
    assert repo.get(link.short_id) == changed
    kept = repo.update("alice", link.short_id, LinkChanges(title="only this"), LATER)
    assert replace(kept, title=None, updated_at=changed.updated_at, version=changed.version) == (
        changed
    )
    cleared = repo.update(
        "alice",
        link.short_id,
        LinkChanges(
            clear_valid_since=True,
            clear_fallback_url=True,
            clear_password=True,
            forward_query=False,
            rules=(),
            variants=(),
            clear_preview=True,
        ),
        LATER,
    )
    assert replace(cleared, title=None) == replace(link, updated_at=LATER, version=cleared.version)
    assert repo.get(link.short_id) == cleared


def test_optional_fields_round_trip_when_absent(adapters: Adapters) -> None:
    repo = adapters.links
    link = replace(make(), expires_at=None)
    repo.add(link)
    assert repo.get(link.short_id) == link


def test_get_of_unknown_id_is_none(adapters: Adapters) -> None:
    assert adapters.links.get("nothing") is None


def test_adding_a_taken_id_raises_and_never_overwrites(adapters: Adapters) -> None:
    repo = adapters.links
    original = make(url="https://first.example/")
    repo.add(original)
    with pytest.raises(ShortIdTaken):
        repo.add(make(owner="mallory", url="https://second.example/"))
    assert repo.get(original.short_id) == original


def test_update_changes_only_given_fields(adapters: Adapters) -> None:
    repo = adapters.links
    link = make(title="keep", tags=["a"], max_visits=9)
    repo.add(link)
    updated = repo.update(
        "alice", link.short_id, LinkChanges(url="https://new.example/", is_active=False), LATER
    )
    assert (updated.url, updated.is_active) == ("https://new.example/", False)
    assert (updated.title, updated.tags, updated.max_visits) == ("keep", ("a",), 9)
    assert updated.expires_at == link.expires_at
    assert updated.updated_at == LATER
    assert updated.created_at == link.created_at
    assert repo.get(link.short_id) == updated


def test_update_sets_and_clears_optional_fields(adapters: Adapters) -> None:
    repo = adapters.links
    link = make(title="t", tags=["a", "b"], max_visits=3)
    repo.add(link)
    new_expiry = T0 + timedelta(days=90)
    moved = repo.update(
        "alice",
        link.short_id,
        LinkChanges(expires_at=new_expiry, tags=("c",), redirect_status=301, max_visits=7),
        LATER,
    )
    assert (moved.expires_at, moved.tags, moved.redirect_status, moved.max_visits) == (
        new_expiry,
        ("c",),
        301,
        7,
    )
    cleared = repo.update(
        "alice",
        link.short_id,
        LinkChanges(clear_expiry=True, clear_title=True, clear_max_visits=True, tags=()),
        LATER,
    )
    assert (cleared.expires_at, cleared.title, cleared.max_visits, cleared.tags) == (
        None,
        None,
        None,
        (),
    )
    assert repo.get(link.short_id) == cleared


def test_update_of_missing_or_foreign_link_raises(adapters: Adapters) -> None:
    repo = adapters.links
    link = make()
    repo.add(link)
    with pytest.raises(LinkNotFound):
        repo.update("alice", "missing", LinkChanges(is_active=False), LATER)
    with pytest.raises(LinkNotFound):
        repo.update("mallory", link.short_id, LinkChanges(is_active=False), LATER)
    assert repo.get(link.short_id) == link


def test_delete_only_the_owners_link(adapters: Adapters) -> None:
    repo = adapters.links
    link = make()
    repo.add(link)
    assert repo.delete("mallory", link.short_id) is False
    assert repo.delete("alice", link.short_id) is True
    assert repo.delete("alice", link.short_id) is False
    assert repo.get(link.short_id) is None


def collect(repo: Any, owner: str, tag: str | None, limit: int) -> tuple[list[str], int]:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = repo.list(owner, tag=tag, limit=limit, cursor=cursor)
        seen.extend(link.short_id for link in page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return seen, pages


def test_list_pages_newest_first_without_gaps_or_repeats(adapters: Adapters) -> None:
    repo = adapters.links
    created = [make(short_id=f"link{n:03d}", n=n) for n in range(7)]
    for link in created:
        repo.add(link)
    repo.add(make(short_id="bobs001", owner="bob", n=100))
    seen, pages = collect(repo, "alice", None, 3)
    assert seen == [link.short_id for link in reversed(created)]
    assert pages == 3


def test_list_by_tag(adapters: Adapters) -> None:
    repo = adapters.links
    for n in range(9):
        repo.add(make(short_id=f"link{n:03d}", n=n, tags=["even"] if n % 2 == 0 else ["odd"]))
    repo.add(make(short_id="bobs001", owner="bob", n=50, tags=["even"]))
    seen, _ = collect(repo, "alice", "even", 2)
    assert seen == ["link008", "link006", "link004", "link002", "link000"]
    assert repo.list("alice", tag="none", limit=5, cursor=None).items == []


def test_exact_page_size_has_no_next_cursor(adapters: Adapters) -> None:
    repo = adapters.links
    for n in range(3):
        repo.add(make(short_id=f"link{n:03d}", n=n))
    page = repo.list("alice", tag=None, limit=3, cursor=None)
    assert len(page.items) == 3
    assert page.next_cursor is None


@pytest.mark.parametrize("cursor", ["garbage", "e30", "eyJrIjoxfQ", "!!!", "x" * 2000])
def test_invalid_cursor_is_rejected(adapters: Adapters, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        adapters.links.list("alice", tag=None, limit=10, cursor=cursor)


def test_record_click_counts_and_returns_the_target(adapters: Adapters) -> None:
    repo = adapters.links
    link = make(title="t", redirect_status=301, max_visits=5)
    repo.add(link)
    assert repo.record_click(link.short_id, Click(T0)) == Target.of(link)
    assert repo.record_click(link.short_id, Click(T0)) == Target(
        "https://example.com/0", 301, link.expires_at, 5
    )
    assert repo.get(link.short_id) == replace(link, click_count=2)


def test_record_click_of_unknown_link_raises_not_found(adapters: Adapters) -> None:
    with pytest.raises(LinkNotFound):
        adapters.links.record_click("missing", Click(T0))


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        (replace(make(), is_active=False), "disabled"),
        (make(expires_at=T0 + timedelta(hours=1)), "expired"),
        (make(expires_at=T0 + timedelta(days=1)), "expired"),  # the boundary itself
        (replace(make(max_visits=2), click_count=2), "visit limit"),
    ],
)
def test_record_click_refuses_gone_links_without_counting(
    adapters: Adapters, link: Link, reason: str
) -> None:
    repo = adapters.links
    repo.add(link)
    with pytest.raises(LinkGone, match=reason):
        repo.record_click(link.short_id, Click(LATER))
    assert present(repo.get(link.short_id)).click_count == link.click_count


def test_link_without_expiry_never_expires(adapters: Adapters) -> None:
    repo = adapters.links
    repo.add(replace(make(), expires_at=None))
    assert repo.record_click("abc1234", Click(T0 + timedelta(days=10_000))).expires_at is None
    assert present(repo.get("abc1234")).click_count == 1


def test_concurrent_clicks_are_all_counted(adapters: Adapters) -> None:
    repo = adapters.links
    repo.add(make())

    def click(n: int) -> str:
        repo.record_click("abc1234", Click(T0))
        return "ok"

    assert race(40, click) == ["ok"] * 40
    assert present(repo.get("abc1234")).click_count == 40


def test_concurrent_clicks_never_exceed_max_visits(adapters: Adapters) -> None:
    repo = adapters.links
    repo.add(make(max_visits=10))

    def click(n: int) -> str:
        try:
            repo.record_click("abc1234", Click(T0))
        except LinkGone:
            return "gone"
        return "ok"

    outcomes = race(30, click)
    assert sorted(outcomes) == ["gone"] * 20 + ["ok"] * 10
    assert present(repo.get("abc1234")).click_count == 10


def test_clicks_and_updates_do_not_lose_each_other(adapters: Adapters) -> None:
    repo = adapters.links
    repo.add(make())

    def act(n: int) -> str:
        if n % 5 == 0:
            repo.update("alice", "abc1234", LinkChanges(title=f"t{n}"), LATER)
        else:
            repo.record_click("abc1234", Click(T0))
        return "ok"

    race(20, act)
    final = present(repo.get("abc1234"))
    assert final.click_count == 16
    assert final.title is not None


def test_racing_creates_of_one_id_have_one_winner(adapters: Adapters) -> None:
    repo = adapters.links

    def create(n: int) -> str:
        try:
            repo.add(make(short_id="my-alias", owner=f"user{n}"))
        except ShortIdTaken:
            return "taken"
        return f"created:{n}"

    outcomes = race(20, create)
    winners = [outcome for outcome in outcomes if outcome.startswith("created")]
    assert len(winners) == 1
    assert outcomes.count("taken") == 19
    assert present(repo.get("my-alias")).owner == f"user{winners[0].split(':')[1]}"


def test_add_many_stores_free_ids_in_order_and_never_overwrites_a_held_one(
    adapters: Adapters,
) -> None:
    repo = adapters.links
    held = make("held123", owner="bob", url="https://bob.example/")
    repo.add(held)
    wanted = [make("free001", n=1), make("held123", n=2), make("free002", n=3, title="ü ✓")]
    results = repo.add_many(wanted)
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], ShortIdTaken)
    assert repo.get("held123") == held
    assert [repo.get(link.short_id) for link in (wanted[0], wanted[2])] == [wanted[0], wanted[2]]
    assert repo.add_many([]) == []


def test_racing_batches_on_one_alias_store_it_once_and_every_other_link(
    adapters: Adapters,
) -> None:
    repo = adapters.links

    def batch(n: int) -> str:
        mine = [make(f"own{n:02d}{i}", owner=f"user{n}", n=n) for i in range(3)]
        results = repo.add_many([*mine[:2], make("contested", owner=f"user{n}", n=n), mine[2]])
        assert [results[i] for i in (0, 1, 3)] == [None, None, None]
        return "stored" if results[2] is None else type(results[2]).__name__

    outcomes = race(12, batch)
    assert sorted(outcomes) == ["ShortIdTaken"] * 11 + ["stored"]
    assert present(repo.get("contested")).owner.startswith("user")
    assert all(repo.get(f"own{n:02d}{i}") is not None for n in range(12) for i in range(3))


def test_owner_of_names_the_owner_and_nothing_for_a_missing_or_deleted_link(
    adapters: Adapters,
) -> None:
    adapters.links.add(make("own1234", owner="alice"))
    assert adapters.links.owner_of("own1234") == "alice"
    assert adapters.links.owner_of("nope123") is None
    assert adapters.links.delete("alice", "own1234")
    assert adapters.links.owner_of("own1234") is None


def test_updates_move_the_version_clicks_do_not_and_a_stale_one_changes_nothing(
    adapters: Adapters,
) -> None:
    repo = adapters.links
    link = make()
    repo.add(link)
    repo.record_click(link.short_id, Click(T0))
    assert present(repo.get(link.short_id)).version == link.version
    first = repo.update(
        "alice", link.short_id, LinkChanges(title="one", expected=only(link.version)), T0
    )
    assert first.version == link.version + 1
    with pytest.raises(PreconditionFailed) as refused:
        repo.delete("alice", link.short_id, only(link.version))
    assert refused.value.current_tag == entity_tag(first.version)
    lost = LinkChanges(title="lost", expected=only(link.version))
    with pytest.raises(PreconditionFailed):
        repo.update("alice", link.short_id, lost, T0)
    with pytest.raises(LinkNotFound):
        repo.update("mallory", link.short_id, LinkChanges(title="x", expected=only()), T0)
    assert repo.delete("mallory", link.short_id, only()) is False
    assert present(repo.get(link.short_id)).title == "one"
    assert repo.delete("alice", link.short_id, only(first.version)) is True


@pytest.mark.parametrize("also", [None, 1])
def test_if_none_match_refuses_a_write_to_a_version_it_names_or_any_with_star(
    adapters: Adapters, also: int | None
) -> None:
    repo, link = adapters.links, make()
    repo.add(link)
    named = none_of(link.version) if also is None else none_of(also, link.version)
    for refused_by in (none_of(), named):
        with pytest.raises(PreconditionFailed, match="If-None-Match"):
            repo.update("alice", "abc1234", LinkChanges(title="x", expected=refused_by), T0)
        with pytest.raises(PreconditionFailed, match="If-None-Match"):
            repo.delete("alice", "abc1234", refused_by)
    with pytest.raises(LinkNotFound):
        repo.update("mallory", "abc1234", LinkChanges(title="x", expected=none_of()), T0)
    both = Expected(frozenset({link.version}), frozenset({link.version + 7}))
    assert repo.update("alice", "abc1234", LinkChanges(title="one", expected=both), T0).title
    limit = LinkChanges(max_visits=10, expected=none_of(link.version + 1))
    with pytest.raises(PreconditionFailed):
        repo.update("alice", "abc1234", limit, T0)
    assert repo.delete("alice", "abc1234", none_of(link.version)) is True


def test_a_visit_limit_change_on_a_link_with_shards_checks_the_version_too(
    adapters: Adapters,
) -> None:
    repo = adapters.links
    link = make()
    repo.add(link)
    for _ in range(3):
        repo.record_click(link.short_id, Click(T0))
    stale = LinkChanges(max_visits=10, expected=only(link.version + 5))
    with pytest.raises(PreconditionFailed):
        repo.update("alice", link.short_id, stale, T0)
    limited = repo.update(
        "alice", link.short_id, LinkChanges(max_visits=10, expected=only(link.version)), T0
    )
    assert (limited.version, limited.click_count) == (link.version + 1, 3)


def test_a_link_written_before_versions_is_version_0_and_can_be_matched(
    adapters: Adapters,
) -> None:
    repo = adapters.links
    repo.add(replace(make(), version=0))
    assert present(repo.get("abc1234")).version == 0
    updated = repo.update("alice", "abc1234", LinkChanges(title="x", expected=only(0)), T0)
    assert updated.version == 1


def test_racing_patches_with_one_if_match_let_exactly_one_through(adapters: Adapters) -> None:
    repo = adapters.links
    link = make()
    repo.add(link)

    def patch(n: int) -> str:
        change = LinkChanges(title=f"writer {n}", expected=only(link.version))
        try:
            repo.update("alice", link.short_id, change, T0)
        except PreconditionFailed:
            return "412"
        return "200"

    assert sorted(race(12, patch)) == ["200"] + ["412"] * 11
    assert present(repo.get(link.short_id)).version == link.version + 1
