"""Bulk changes: one action (disable, tag, expire, delete ...) on many of an owner's links.

Each link goes through the single-link use case (LinksService.update or .delete), so it
is checked, versioned and announced (LinkUpdated, LinkDeleted) exactly as a PATCH or a
DELETE of it would be, and its failure is its own outcome: one missing, foreign or
stale link never stops the others (docs/decisions/0116).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal, get_args

from shortstack.domain.errors import Conflict, DomainError, InvalidInput, PreconditionFailed
from shortstack.domain.link_fields import check_expiry, normalize_tag
from shortstack.domain.links import Link, LinkChanges
from shortstack.domain.preconditions import Expected, ensure_allowed, expected

if TYPE_CHECKING:
    from shortstack.service_layer.links import LinksService

BULK_MAX = 1_000
Action = Literal[
    "disable", "enable", "add_tag", "remove_tag", "set_expiry", "clear_expiry", "delete"
]
ACTIONS: tuple[Action, ...] = get_args(Action)
# A tag change reads the link, then writes its tags guarded by the version it read; a
# concurrent write in between makes it read again, at most this many times in all (each
# round of racing writers lets at least one through, so five outlast four others).
TAG_ATTEMPTS = 5

# Per link: the changed link, None when it was deleted, or why it was not changed.
Outcome = Link | None | DomainError


@dataclass(frozen=True, slots=True)
class BulkAction:
    """What to do to every link: `tag` for add_tag and remove_tag, `expires_at` for
    set_expiry; nothing else takes an argument."""

    name: Action
    tag: str | None = None
    expires_at: datetime | None = None

    def checked(self, now: datetime) -> BulkAction:
        """The action with its argument as stored; InvalidInput before any link is touched."""
        if self.name in ("add_tag", "remove_tag"):
            if self.tag is None:
                raise InvalidInput(f"{self.name} needs a tag", field="tag")
            return BulkAction(self.name, tag=normalize_tag(self.tag))
        if self.name == "set_expiry":
            if self.expires_at is None:
                raise InvalidInput("set_expiry needs expires_at", field="expires_at")
            check_expiry(self.expires_at, now)
            return self
        if self.tag is not None or self.expires_at is not None:
            raise InvalidInput(f"{self.name} takes no tag or expires_at")
        return self


def both(first: Expected | None, second: Expected | None) -> Expected | None:
    """A condition that holds where both do (an id listed twice with two If-Match)."""
    if first is None or first.versions is None:
        return second if second is not None else first
    if second is None or second.versions is None:
        return first
    return Expected(first.versions & second.versions)


def distinct(targets: Iterable[tuple[str, str | None]]) -> dict[str, list[str]]:
    """Each id once, in the order first listed, with every If-Match given for it."""
    found: dict[str, list[str]] = {}
    for short_id, if_match in targets:
        given = found.setdefault(short_id, [])
        if if_match is not None:
            given.append(if_match)
    return found


def condition(if_matches: Iterable[str]) -> Expected | None:
    """What every If-Match given for one link asks, together; MalformedPrecondition."""
    asked: Expected | None = None
    for if_match in if_matches:
        asked = both(asked, expected(if_match))
    return asked


def change_many(
    links: LinksService,
    owner: str,
    targets: Iterable[tuple[str, str | None]],
    action: BulkAction,
    *,
    workers: int = 1,
) -> dict[str, Outcome]:
    """Apply `action` to each of the owner's links named in `targets` (id, and its If-Match
    header's text or None); per distinct id, in the order first listed, its outcome (a
    malformed If-Match is that link's MalformedPrecondition).

    With one worker every link is changed in one unit of work (on SQLite one transaction,
    each link in a savepoint of its own, so a refused link undoes only itself); with more,
    that many links at a time, each its own unit (DynamoDB, where each write commits alone).
    """
    wanted = distinct(targets)
    if not wanted:
        raise InvalidInput("ids must name at least one link", field="ids")
    if len(wanted) > BULK_MAX:
        raise InvalidInput(f"at most {BULK_MAX:,} links at once", field="ids")
    checked = action.checked(links.clock())
    change = _change_of(links, owner, checked)

    def outcome(item: tuple[str, list[str]]) -> Outcome:
        short_id, if_matches = item
        try:
            return change(short_id, condition(if_matches))
        except DomainError as exc:  # this link only: the others go on
            return exc

    items = list(wanted.items())
    if workers <= 1 or len(items) == 1:
        with links.uow.begin():
            results = [outcome(item) for item in items]
    else:
        with ThreadPoolExecutor(min(workers, len(items)), thread_name_prefix="link-bulk") as pool:
            results = list(pool.map(outcome, items))
    return dict(zip(wanted, results, strict=True))


Change = Callable[[str, Expected | None], Outcome]


def _change_of(links: LinksService, owner: str, action: BulkAction) -> Change:
    """The one-link change `action` makes."""
    if action.name == "delete":

        def delete(short_id: str, asked: Expected | None) -> None:
            links.delete(owner, short_id, asked)

        return delete
    if action.name in ("add_tag", "remove_tag"):
        assert action.tag is not None  # checked
        return _tag_change(links, owner, action.tag, adding=action.name == "add_tag")
    fields: dict[str, LinkChanges] = {
        "disable": LinkChanges(is_active=False),
        "enable": LinkChanges(is_active=True),
        "set_expiry": LinkChanges(expires_at=action.expires_at),
        "clear_expiry": LinkChanges(clear_expiry=True),
    }
    base = fields[action.name]

    def update(short_id: str, asked: Expected | None) -> Link:
        return links.update(owner, short_id, replace(base, expected=asked))

    return update


def _tag_change(links: LinksService, owner: str, tag: str, *, adding: bool) -> Change:
    """Add or remove one tag, keeping the others: read, then write guarded by the version
    read (and the client's If-Match). A link that already is as asked is not written: its
    version, its events and the write's cost stay as they were."""

    def change(short_id: str, asked: Expected | None) -> Link:
        for _ in range(TAG_ATTEMPTS):
            link = links.get(owner, short_id)
            ensure_allowed(asked, link.version, f"short link {short_id!r}")
            tags = _with_tag(link.tags, tag) if adding else _without_tag(link.tags, tag)
            if tags == link.tags:
                return link
            guard = Expected(frozenset({link.version}))
            try:
                return links.update(owner, short_id, LinkChanges(tags=tags, expected=guard))
            except PreconditionFailed:
                # Changed since it was read: read it again (the client's If-Match decides
                # then whether the change still applies).
                continue
        raise Conflict(f"short link {short_id!r} kept changing meanwhile; try again")

    return change


def _with_tag(tags: Sequence[str], tag: str) -> tuple[str, ...]:
    return tuple(tags) if tag in tags else (*tags, tag)


def _without_tag(tags: Sequence[str], tag: str) -> tuple[str, ...]:
    return tuple(existing for existing in tags if existing != tag)


def counts(outcomes: Mapping[str, Outcome]) -> tuple[int, int]:
    """How many links were changed, and how many were not."""
    failed = sum(isinstance(outcome, DomainError) for outcome in outcomes.values())
    return len(outcomes) - failed, failed
