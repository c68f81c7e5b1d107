"""Use cases of managing short links: create, read, change, delete, list.

Following them is service_layer/redirects.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import (
    AliasTaken,
    Conflict,
    DomainError,
    InvalidInput,
    LinkNotFound,
    ShortIdTaken,
)
from shortstack.domain.link_fields import (
    DEFAULT_REDIRECT_STATUS,
    DEFAULT_TTL_DAYS,
    check_valid_since,
    choose_expiry,
    normalize_tag,
)
from shortstack.domain.link_options import (
    Preview,
    UrlCheck,
    check_fallback_url,
    check_preview,
    check_rules,
    check_variants,
)
from shortstack.domain.link_routing import RedirectRule, Variant
from shortstack.domain.links import Link, LinkChanges, check_changes, create_link
from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from shortstack.domain.passwords import DEFAULT_COST, ScryptCost, hash_password
from shortstack.domain.short_ids import check_alias, is_possible_short_id, new_short_id
from shortstack.domain.target_urls import OwnHosts, check_target_url
from shortstack.service_layer.ports import LinkRepository, Outbox, UnitOfWork

if TYPE_CHECKING:
    from shortstack.domain.preconditions import Expected
    from shortstack.service_layer.link_browse import Browse, LinkQuery
    from shortstack.service_layer.link_bulk import BulkAction, Outcome

ID_ATTEMPTS = 5


@dataclass
class LinksService:
    links: LinkRepository
    uow: UnitOfWork
    own_hosts: OwnHosts = field(default_factory=OwnHosts)
    clock: Clock = utc_now
    # The expiry of a link created with neither expires_at nor ttl_days; None: never.
    default_ttl_days: int | None = DEFAULT_TTL_DAYS
    new_id: Callable[[], str] = new_short_id
    password_cost: ScryptCost = DEFAULT_COST
    # How many links a bulk change works on at once: 1 runs them in one unit of work (one
    # SQLite transaction); more, each its own (DynamoDB, whose writes commit alone).
    bulk_workers: int = 1

    def _url_check(self, request_host: str | None) -> UrlCheck:
        own_hosts = self.own_hosts.with_request_host(request_host)
        return lambda url: check_target_url(url, own_hosts)

    def create(self, owner: str, *, request_host: str | None = None, **fields: Any) -> Link:
        """Create a link under `alias` or a fresh random id; never overwrites an existing one.

        `fields` are those of `prepare`. Raises what the entry's outcome in `create_many`
        would hold, so a single create and a batch entry always answer alike.
        """
        [outcome] = self.create_many(owner, [fields], request_host=request_host)
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    def create_many(
        self,
        owner: str,
        entries: Sequence[Mapping[str, Any]],
        *,
        request_host: str | None = None,
    ) -> list[Link | DomainError]:
        """Create each entry (the fields of `prepare`); per entry, its link or its error.

        A bad entry never stops the others. Each link is its own conditional write, so an
        alias taken by anyone, before or meanwhile, is that entry's AliasTaken; of two
        entries asking for one alias, the earlier wins. One LinkCreated per link created,
        in the unit of work of the writes (on SQLite the batch is one transaction).
        """
        now = self.clock()
        check_url = self._url_check(request_host)
        outcomes: list[Link | DomainError | None] = [None] * len(entries)
        with_alias: list[tuple[int, Link]] = []
        fresh: dict[int, Link] = {}
        asked: set[str] = set()
        for index, entry in enumerate(entries):
            try:
                alias, link = self.prepare(owner, now, check_url, **entry)
            except DomainError as exc:
                outcomes[index] = exc
                continue
            if alias is None:
                fresh[index] = link
            elif alias in asked:
                outcomes[index] = AliasTaken(alias)
            else:
                asked.add(alias)
                with_alias.append((index, link))
        with self.uow.begin() as outbox:
            self._store(with_alias, fresh, outcomes)
            announce_created(outbox, *[link for link in outcomes if isinstance(link, Link)])
        return [
            outcome if outcome is not None else Conflict("the link was not stored; try again")
            for outcome in outcomes
        ]

    def _store(
        self,
        with_alias: list[tuple[int, Link]],
        fresh: dict[int, Link],
        outcomes: list[Link | DomainError | None],
    ) -> None:
        """Write the links; entries on a random id draw again while theirs is taken.

        A collision among 62**7 ids is rare but possible: the conditional write refuses it
        and the entry draws again, so an existing link is never overwritten.
        """
        batch = with_alias
        for attempt in range(ID_ATTEMPTS):
            for index, link in fresh.items():
                # The first attempt writes the id `prepare` drew; each further one draws anew.
                candidate = link if attempt == 0 else replace(link, short_id=self.new_id())
                if is_possible_short_id(candidate.short_id):  # not e.g. "account", drawn at random
                    batch.append((index, candidate))
            if not batch:
                continue
            results = self.links.add_many([link for _, link in batch])
            for (index, link), result in zip(batch, results, strict=True):
                if result is None:
                    outcomes[index] = link
                    fresh.pop(index, None)
                elif index not in fresh:
                    taken = isinstance(result, ShortIdTaken)
                    outcomes[index] = AliasTaken(link.short_id) if taken else result
                elif not isinstance(result, ShortIdTaken):
                    outcomes[index] = result
                    del fresh[index]
            batch = []
            if not fresh:
                return
        for index in fresh:
            outcomes[index] = Conflict("could not allocate a free short id; please try again")

    def prepare(
        self,
        owner: str,
        now: datetime,
        check_url: UrlCheck,
        *,
        url: str,
        alias: str | None = None,
        expires_at: datetime | None = None,
        ttl_days: int | None = None,
        redirect_status: int = DEFAULT_REDIRECT_STATUS,
        title: str | None = None,
        tags: Iterable[str] = (),
        max_visits: int | None = None,
        valid_since: datetime | None = None,
        fallback_url: str | None = None,
        password: str | None = None,
        forward_query: bool = False,
        rules: Iterable[RedirectRule] = (),
        variants: Iterable[Variant] = (),
        preview: Preview | None = None,
        never_expires: bool = False,
    ) -> tuple[str | None, Link]:
        """The checked alias (None: a random id) and the link, under the alias or a drawn id.

        Every URL it holds (target, fallback, rules, variants, preview image) passes the
        same safety checks; a password is kept only as its hash. Its expiry: `expires_at`,
        or `ttl_days` from now; `never_expires` (an explicit `expires_at: null`) for none;
        without any of them, `default_ttl_days`. Raises InvalidInput.
        """
        target = check_url(url)
        expiry = self._expiry(now, expires_at, ttl_days, never_expires)
        check_valid_since(valid_since, expiry, now)
        fallback = check_fallback_url(fallback_url, check_url)
        checked_rules = check_rules(rules, check_url)
        checked_variants = check_variants(variants, check_url)
        checked_preview = check_preview(preview, check_url)
        checked_alias = None if alias is None else check_alias(alias)
        password_hash = None if password is None else hash_password(password, self.password_cost)

        return checked_alias, create_link(
            # Drawn here, not copied onto the link afterwards: the first attempt writes it.
            short_id=self.new_id() if checked_alias is None else checked_alias,
            owner=owner,
            url=target,
            now=now,
            expires_at=expiry,
            title=title,
            tags=tags,
            redirect_status=redirect_status,
            max_visits=max_visits,
            valid_since=valid_since,
            password_hash=password_hash,
            forward_query=forward_query,
            fallback_url=fallback,
            rules=checked_rules,
            variants=checked_variants,
            preview=checked_preview,
        )

    def _expiry(
        self,
        now: datetime,
        expires_at: datetime | None,
        ttl_days: int | None,
        never_expires: bool,
    ) -> datetime | None:
        if never_expires:
            if ttl_days is not None:
                raise InvalidInput(
                    "give expires_at: null (never) or ttl_days, not both", "expires_at"
                )
            return None
        if expires_at is None and ttl_days is None:
            if self.default_ttl_days is None:
                return None
            ttl_days = self.default_ttl_days
        return choose_expiry(now, expires_at, ttl_days)

    def get(self, owner: str, short_id: str) -> Link:
        """The owner's link; another owner's link is reported as missing."""
        link = self.links.get(short_id)
        if link is None or link.owner != owner:
            raise LinkNotFound(short_id)
        return link

    def update(
        self,
        owner: str,
        short_id: str,
        changes: LinkChanges,
        request_host: str | None = None,
        password: str | None = None,
    ) -> Link:
        """Change only the given fields (new URLs pass the same safety checks).

        `password` sets a new one (kept as its hash); `changes.clear_password` removes it.
        """
        now = self.clock()
        changes = check_changes(changes, now)
        changes = self._checked_routing(changes, self._url_check(request_host))
        if password is not None:
            changes = replace(changes, password_hash=hash_password(password, self.password_cost))
        if changes.valid_since is not None or changes.expires_at is not None:
            self._check_window(owner, short_id, changes, now)
        from shortstack.domain import events  # see announce_created

        with self.uow.begin() as outbox:
            link = self.links.update(owner, short_id, changes, now)
            outbox.add([events.link_updated(link, changes.changed_fields(), now)])
        return link

    @staticmethod
    def _checked_routing(changes: LinkChanges, check_url: UrlCheck) -> LinkChanges:
        return replace(
            changes,
            url=None if changes.url is None else check_url(changes.url),
            fallback_url=check_fallback_url(changes.fallback_url, check_url),
            rules=None if changes.rules is None else check_rules(changes.rules, check_url),
            variants=(
                None if changes.variants is None else check_variants(changes.variants, check_url)
            ),
            preview=check_preview(changes.preview, check_url),
        )

    def _check_window(self, owner: str, short_id: str, changes: LinkChanges, now: datetime) -> None:
        """valid_since before expires_at, when a PATCH moves one of them and keeps the other."""
        link = self.get(owner, short_id)
        since = None if changes.clear_valid_since else (changes.valid_since or link.valid_since)
        until = None if changes.clear_expiry else (changes.expires_at or link.expires_at)
        if since is not None and until is not None and since >= until:
            field = "valid_since" if changes.valid_since is not None else "expires_at"
            raise InvalidInput("valid_since must be before expires_at", field=field)

    def delete(self, owner: str, short_id: str, expected: Expected | None = None) -> None:
        """Delete the owner's link or raise LinkNotFound (with `expected`, an If-Match,
        PreconditionFailed when the link is at another version)."""
        from shortstack.domain import events  # see announce_created

        with self.uow.begin() as outbox:
            if not self.links.delete(owner, short_id, expected):
                raise LinkNotFound(short_id)
            outbox.add([events.link_deleted(short_id, owner, self.clock())])

    def change_many(
        self, owner: str, targets: Iterable[tuple[str, str | None]], action: BulkAction
    ) -> dict[str, Outcome]:
        """Apply one action to many of the owner's links (ids, each with an If-Match or None);
        per distinct id, in the order first listed, the changed link, None once deleted, or
        why not. A link's failure is its own (service_layer/link_bulk.py)."""
        from shortstack.service_layer.link_bulk import change_many

        return change_many(self, owner, targets, action, workers=self.bulk_workers)

    def list(
        self,
        owner: str,
        *,
        tag: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page[Link]:
        """One page of the owner's links, newest first, optionally with one tag."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        tag = normalize_tag(tag) if tag is not None else None
        return self.links.list(owner, tag=tag, limit=limit, cursor=cursor)

    def browse(
        self, owner: str, query: LinkQuery, *, page: int, limit: int = DEFAULT_PAGE_SIZE
    ) -> Browse:
        """Page `page` (from 1) of the owner's links that match `query`, with their count."""
        # Imported here: the redirect path shares this module and never browses.
        from shortstack.service_layer.link_browse import browse

        limit = max(1, min(limit, MAX_PAGE_SIZE))
        if query.tag is not None:
            query = replace(query, tag=normalize_tag(query.tag))
        offset = (max(1, page) - 1) * limit
        return browse(self.links, owner, query, self.clock(), offset, limit)

    def export(self, owner: str, query: LinkQuery) -> Iterator[Link]:
        """Every one of the owner's links that matches `query`, newest first, as read."""
        from shortstack.service_layer.link_browse import every_match

        if query.tag is not None:
            query = replace(query, tag=normalize_tag(query.tag))
        return every_match(self.links, owner, query, self.clock())


def announce_created(outbox: Outbox, *links: Link) -> None:
    """LinkCreated for links just stored (by a create or an import's load)."""
    # The events (and the visits they carry) load with the first write: the API Lambda's
    # cold start answers a read first, which announces nothing (docs/decisions/0405).
    from shortstack.domain import events

    outbox.add([events.link_created(new) for new in links])
