"""The ports the use cases depend on. Adapters for SQLite, DynamoDB and memory implement them."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

# The domain's types, for the type checker only: a port is a Protocol whose annotations
# nothing evaluates at run time, and the redirect Lambda, which loads this module, uses few
# of these modules (importing them all was a visible share of its cold start:
# bench/README.md, "Cold starts").
if TYPE_CHECKING:
    from shortstack.domain.analytics import ClickFacts, DailyStats, UserAgentFamily
    from shortstack.domain.apikeys import ApiKey
    from shortstack.domain.csv_export import ExportLink
    from shortstack.domain.errors import DomainError
    from shortstack.domain.events import Event
    from shortstack.domain.imports import (
        ExistingLink,
        ImportJob,
        ImportStatus,
        ImportUpdate,
        PlannedLink,
        RowError,
    )
    from shortstack.domain.items import Item, ItemChanges
    from shortstack.domain.link_routing import Destination
    from shortstack.domain.links import Link, LinkChanges, Target
    from shortstack.domain.orphan_visits import OrphanVisitKey, OrphanVisits
    from shortstack.domain.pagination import Page
    from shortstack.domain.passwords import Claim
    from shortstack.domain.preconditions import Expected
    from shortstack.domain.uploads import UploadTarget
    from shortstack.domain.users import User
    from shortstack.domain.visits import Click
    from shortstack.domain.webhooks import Delivery, IPAddress, Webhook


class ItemRepository(Protocol):
    def add(self, item: Item) -> None:
        """Store a new item; its id is fresh, so an existing id is a bug and raises Conflict."""
        ...

    def get(self, owner: str, item_id: str) -> Item | None:
        """The owner's item, or None (also when it belongs to someone else)."""
        ...

    def update(self, owner: str, item_id: str, changes: ItemChanges, now: datetime) -> Item:
        """Apply only the changed fields and add one to the version, atomically, if the stored
        version is one `changes.expected` allows (checked in the same write); raises
        ItemNotFound, then PreconditionFailed."""
        ...

    def delete(self, owner: str, item_id: str, expected: Expected | None = None) -> bool:
        """Remove the owner's item if `expected` allows its version (in the same write); False
        when there was none; PreconditionFailed when its version is not one `expected` allows."""
        ...

    def list(
        self, owner: str, *, category: str | None, limit: int, cursor: str | None
    ) -> Page[Item]:
        """The owner's items, newest first; by category through an index, never a scan."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Store a new user; raises UserIdTaken or EmailTaken, decided atomically."""
        ...

    def get(self, user_id: str) -> User | None:
        """The user, or None."""
        ...

    def delete(self, user_id: str) -> bool:
        """Remove the user and free the e-mail; False when there was none."""
        ...

    def list(self, *, limit: int, cursor: str | None) -> Page[User]:
        """Every user, newest first (ties by userId, descending), a page at a time."""
        ...


class LinkSink(Protocol):
    """Where an import's load step writes links, a chunk at a time."""

    def add_new(
        self, owner: str, links: Sequence[PlannedLink], created_at: datetime
    ) -> list[ExistingLink | None]:
        """Store each link whose id is free; per link, None if stored, else who holds the id.

        Never overwrites an existing link. A link stored by an earlier run of the
        same import comes back as an ExistingLink equal to it (same owner, URL and
        creation time), which is how a re-run recognises its own work.
        """
        ...


class LinkRepository(LinkSink, Protocol):
    """Every link store is also the import's LinkSink (a batch form of add)."""

    def add(self, link: Link) -> None:
        """Store a new link with a conditional write; raises ShortIdTaken, never overwrites."""
        ...

    def add_many(self, links: Sequence[Link]) -> list[DomainError | None]:
        """Store each link with its own conditional write, never overwriting; per link in
        order: None if stored, ShortIdTaken if its id is held, ServiceUnavailable if the
        store would not take it now. One link's failure never stops another's write."""
        ...

    def get(self, short_id: str, *, consistent: bool = True) -> Link | None:
        """The link whoever owns it, or None; `consistent=False` may read a moment stale."""
        ...

    def owner_of(self, short_id: str) -> str | None:
        """Who owns the link, or None; reads only that (a consumer asks it for every click)."""
        ...

    def update(self, owner: str, short_id: str, changes: LinkChanges, now: datetime) -> Link:
        """Apply only the changed fields and add one to the version, atomically, if the stored
        version is one `changes.expected` allows (checked in the same write); LinkNotFound
        also for others' links, then PreconditionFailed. A click never moves the version."""
        ...

    def delete(self, owner: str, short_id: str, expected: Expected | None = None) -> bool:
        """Remove the owner's link if `expected` allows its version (in the same write); False
        when there was none; PreconditionFailed when `expected` does not allow its version."""
        ...

    def list(self, owner: str, *, tag: str | None, limit: int, cursor: str | None) -> Page[Link]:
        """The owner's links, newest first, optionally with one tag; never a table scan."""
        ...

    def record_click(self, short_id: str, click: Click, unlocked_with: str | None = None) -> Target:
        """Count one visit if the link may count one at `click.at`, atomically; where it leads.

        Raises LinkNotFound, LinkNotYetValid, LinkGone (disabled, expired, visit limit
        reached) or PasswordRequired (a password link, unless `unlocked_with` is its current
        hash), all without counting. Concurrent calls never lose or double a count, and
        never exceed max_visits. A store whose change feed is the outbox keeps the click's
        details with the count.
        """
        ...

    def record_bot_visit(self, short_id: str, click: Click) -> Target:
        """Count a crawler's visit in `bot_count` under the same rules as record_click.

        Neither `click_count` nor the visit limit moves; a used-up link refuses it too.
        A store may leave the visit uncounted when the link is too busy to take the write.
        """
        ...


class PasswordAttempts(Protocol):
    """Password attempts per link and client, counted in fixed windows (passwords.py).

    An attempt is held before the password is checked, so that concurrent guesses cannot
    all pass a "fewer than the limit so far" read; a right one is given back, a wrong one
    stays held for the window. Concurrent right ones wait for a free attempt (BUSY) rather
    than being refused: only wrong passwords use the window up (SPENT).
    """

    def claim(
        self, short_id: str, client: str, window: datetime, forget_after: datetime, limit: int
    ) -> Claim:
        """Hold one attempt atomically unless `limit` are held in the window already.

        At the limit nothing is held: SPENT when `limit` of the held ones were kept as
        wrong, else BUSY (some are checks still in flight). The counts may be dropped after
        `forget_after`.
        """
        ...

    def give_back(self, short_id: str, client: str, window: datetime) -> None:
        """Free one held attempt that was not a wrong password."""
        ...

    def keep_as_wrong(self, short_id: str, client: str, window: datetime) -> None:
        """Record that one held attempt's password was wrong: it stays held."""
        ...


class OrphanVisitRepository(Protocol):
    """Counters of visits to paths that name no link, per (day, path, referrer host, browser)."""

    def record(
        self,
        key: OrphanVisitKey,
        at: datetime,
        *,
        daily_keys: int,
        forget_after: datetime,
        visits: int = 1,
    ) -> bool:
        """Count `visits` visits under `key`, atomically; False when they were dropped.

        A key already counted always counts; a new one only while its day holds fewer
        than `daily_keys` keys (a concurrent burst may pass the cap by the burst's size on a
        store without transactions, never by more). The counter may be deleted after
        `forget_after`.
        """
        ...

    def list(self, *, limit: int, cursor: str | None) -> Page[OrphanVisits]:
        """Counters newest day first, then by path, referrer host and browser."""
        ...

    def forget_before(self, day: date) -> int:
        """Delete the counters of days before `day` (where no TTL does); how many went."""
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[Event]) -> None:
        """Hand events to the backbone; returns once they are durably accepted."""
        ...


class Outbox(Protocol):
    def add(self, events: Sequence[Event]) -> None:
        """Announce `events` if, and only if, the unit of work they belong to commits."""
        ...


class UnitOfWork(Protocol):
    """A change and the events announcing it commit together, or neither does.

    SQLite: one transaction holds the writes and the queued events. DynamoDB: each use
    case writes once, atomically, and the table's stream is the outbox, from which the
    stream consumer derives the same events; nothing is published after the write.
    """

    @property
    def keeps_events(self) -> bool:
        """False when the committed write is itself the announcement (DynamoDB's stream).

        Its outbox then only checks what is added and keeps nothing, so a use case on a
        hot path (a redirect) may leave building the events out.
        """
        ...

    def begin(self) -> AbstractContextManager[Outbox]:
        """A unit of work: the writes inside and the events added to its outbox."""
        ...


class VisitFold(Protocol):
    """Adds each visit to its link's and owner's day inside the visit's own unit of work.

    The local store's (SQLite): a click and its stats commit together, and no event need
    carry the click to a consumer. On DynamoDB the stream consumer folds clicks instead.
    """

    def wants_event(self, short_id: str, bot: bool) -> bool:
        """Whether anything reads the visit's event (LinkClicked, LinkVisitedByBot) as well."""
        ...

    def add(
        self, short_id: str, click: Click, destination: Destination | None, event_id: str | None
    ) -> None:
        """Add the visit in the open unit of work; `event_id` names its event when one was
        written too (the event's consumer must then not add it again)."""
        ...


class ClickStatsRepository(Protocol):
    def fold(self, facts: ClickFacts) -> bool:
        """Add one click to its link's day, once per event id; False if it was already added.

        The "already added" record and the counts change atomically, so a redelivered
        click never counts twice and a crash never leaves one half-counted.
        """
        ...

    def fold_many(self, batch: Sequence[ClickFacts]) -> list[bool]:
        """`fold` of each click, in order, atomically as a whole; what each fold answered."""
        ...

    def days(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        """The stored days of one link within [first, last], oldest first."""
        ...

    def owner_days(self, owner: str, first: date, last: date) -> list[DailyStats]:
        """The roll-ups of one owner's links per day within [first, last], oldest first.

        The same fold as the links' days keeps them (a click with its `owner` adds to
        both); their counts add a `links` dimension: clicks per link.
        """
        ...

    def months(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        """The rolled-up months of one link starting within [first, last], oldest first.

        Each is dated by its month's first day (see ClickStatsRollUp).
        """
        ...

    def delete_link(self, short_id: str) -> None:
        """Forget every day and month of one link (its link was deleted); ServiceUnavailable
        when the store keeps refusing (throttled), some of them perhaps already gone."""
        ...


class ClickStatsRollUp(Protocol):
    """Maintenance of the click stats: old days become one record per month."""

    def links_with_days_before(self, boundary: date) -> Iterator[str]:
        """Each link that has a stored day before `boundary`, once (the store's own order)."""
        ...

    def roll_up_days(self, short_id: str, days: Sequence[DailyStats]) -> int:
        """Add the days to their months and delete them, atomically per month; days rolled.

        A day whose clicks changed since it was read (a late click) is left, with its whole
        month, for the next run, so no click is lost or counted twice.
        """
        ...


class ExpiredLinkStore(Protocol):
    """Maintenance of the links: find and delete the ones that expired long ago."""

    def expired_before(self, cutoff: datetime) -> Iterator[str]:
        """The ids of links whose expiry is before `cutoff`, a page at a time."""
        ...

    def delete_expired(self, short_id: str, cutoff: datetime) -> str | None:
        """Delete the link if its expiry is still before `cutoff`; its owner, or None if kept.

        None also when an owner moved the expiry meanwhile or the link is gone already.
        """
        ...


class DeadLetterGauge(Protocol):
    def dead_letter_depths(self) -> dict[str, int]:
        """How many messages wait in each dead-letter queue, by queue name."""
        ...


class BotDetector(Protocol):
    def __call__(self, user_agent: str | None) -> str | None:
        """CRAWLER or PREVIEW_FETCHER (domain/link_routing.py) for a bot; None for a person."""
        ...


class UserAgentClassifier(Protocol):
    def __call__(self, user_agent: str | None) -> UserAgentFamily:
        """Browser family, device class and bot flag of a User-Agent header."""
        ...


class ImportRepository(Protocol):
    """Import jobs, their per-chunk load results and their per-row errors."""

    def add(self, job: ImportJob) -> None:
        """Store a new job; its id is fresh, so an existing id raises Conflict."""
        ...

    def get(self, import_id: str) -> ImportJob | None:
        """The job whoever owns it; `counts.loaded`/`failed` are the sums of recorded chunks."""
        ...

    def update(self, import_id: str, changes: ImportUpdate, now: datetime) -> bool:
        """Apply `changes` to a pending or running job; False for any other (or none)."""
        ...

    def settle_upload(
        self,
        job: ImportJob,
        status: ImportStatus,
        now: datetime,
        error: str | None = None,
        format: str | None = None,
    ) -> bool:
        """Move `job`, awaiting its upload, to `status` (pending: its file is stored, read as
        `format`; failed: the file never came or was refused), atomically: of racing calls
        one wins; the others, and calls for a job that no longer awaits its upload, return
        False."""
        ...

    def record_chunk(
        self, import_id: str, chunk: int, loaded: int, failed: int, now: datetime
    ) -> None:
        """Set one chunk's load result (a repeat overwrites it); ignored once the job is final."""
        ...

    def forget_chunks(self, import_id: str) -> None:
        """Drop every recorded chunk result (validation chunks the file anew); not once final."""
        ...

    def add_errors(self, import_id: str, errors: Sequence[RowError]) -> None:
        """Store per-row errors, one per row number (a repeat overwrites, never duplicates);
        ServiceUnavailable when the store keeps refusing (throttled)."""
        ...

    def list_errors(self, import_id: str, *, limit: int, cursor: str | None) -> Page[RowError]:
        """The job's row errors by ascending row number."""
        ...

    def list_unfinished(self, limit: int) -> list[ImportJob]:
        """Pending or running jobs, oldest first (to resume after a local crash)."""
        ...


class MissingBlob(LookupError):
    """BlobStore.get of a key that holds nothing."""


class BlobStore(Protocol):
    """Files a workflow passes between its steps (the uploaded CSV, staged rows)."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing what was there, atomically."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under `key`; MissingBlob when there are none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the one blob under `key`, if there is one."""
        ...

    def delete_prefix(self, prefix: str) -> None:
        """Remove every key that starts with `prefix`."""
        ...


class ExportStore(Protocol):
    """Where an export too large for one response is written, then fetched (S3 on AWS)."""

    def publish(self, owner: str, filename: str, chunks: Iterable[bytes]) -> ExportLink:
        """Store the file `chunks` make up (read once, in order, never held whole) and
        hand out a link that fetches it as `filename`."""
        ...


class UploadInbox(Protocol):
    """Where clients send an import's file themselves, and how their URL is proven."""

    def target(self, job: ImportJob, content_type: str) -> UploadTarget:
        """The URL, method and headers that store the file of `job` under its terms."""
        ...

    def verify(self, job: ImportJob, expires: int, signature: str) -> None:
        """Accept a body sent to this server for `job`, or raise Forbidden (a forged or
        foreign signature; an inbox whose URLs point elsewhere refuses every body)."""
        ...


class WorkflowStarter(Protocol):
    def start(self, import_id: str) -> None:
        """Start the import workflow for a stored job; starting it twice runs it once."""
        ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None:
        """Store a new key (its hash is unique by construction)."""
        ...

    def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key with this SHA-256 hash, if it exists and is not revoked."""
        ...

    def list(self, owner: str) -> list[ApiKey]:
        """The owner's keys, oldest first."""
        ...

    def revoke(self, owner: str, key_id: str) -> bool:
        """Delete the owner's key; False if the owner has no such key."""
        ...

    def record_use(self, key_hash: str, now: datetime) -> None:
        """Set the key's `last_used_at` to `now`; a revoked key stays revoked (no upsert)."""
        ...


class WebhookRepository(Protocol):
    def add(self, webhook: Webhook) -> None:
        """Store a new subscription (its id is unique by construction)."""
        ...

    def get(self, owner: str, webhook_id: str) -> Webhook | None:
        """The owner's subscription; None for another owner's or none."""
        ...

    def list(self, owner: str) -> list[Webhook]:
        """The owner's subscriptions, oldest first; one small read, never a scan."""
        ...

    def revoke(self, owner: str, webhook_id: str) -> bool:
        """Delete the owner's subscription; False if the owner has no such one."""
        ...

    def retarget(self, webhook: Webhook) -> bool:
        """Store `webhook`'s url and events (its owner's, by id), nothing else; False if gone."""
        ...

    def replace_secrets(self, webhook: Webhook) -> bool:
        """Store `webhook`'s secret and previous secret (its owner's, by id); False if gone."""
        ...

    def switch(self, webhook: Webhook) -> bool:
        """Store `webhook`'s `active`, why and since when it is off, and its failures in a row
        (its owner's, by id), nothing else; False if gone."""
        ...

    def count_failure(
        self, owner: str, webhook_id: str, at: datetime
    ) -> tuple[int, datetime] | None:
        """Add one to the subscription's failures in a row, atomically (two consumers failing
        at once count two); the new count and the first failure's time (`at` if this is the
        first); None if the owner has no such subscription."""
        ...

    def clear_failures(self, owner: str, webhook_id: str) -> None:
        """Forget the subscription's failures in a row (a delivery went through)."""
        ...

    def record_delivery(self, delivery: Delivery) -> None:
        """Keep one delivery attempt (a store may forget old ones)."""
        ...

    def deliveries(self, webhook_id: str, limit: int) -> builtins.list[Delivery]:
        """The subscription's latest attempts, newest first, at most `limit`."""
        ...


class WebhookTransport(Protocol):
    """Sends a delivery over HTTP to an address that was checked first."""

    def resolve(self, host: str, port: int, timeout_s: float) -> list[IPAddress]:
        """The addresses `host` resolves to; an OSError when it resolves to none, a
        TimeoutError when the lookup takes longer than `timeout_s`."""
        ...

    def post(
        self, url: str, address: IPAddress, headers: dict[str, str], body: bytes, timeout_s: float
    ) -> int:
        """POST `body` to `url`, connected to `address`; the status code, or an OSError."""
        ...


class TokenVerifier(Protocol):
    def claims(self, token: str) -> dict[str, Any]:
        """The claims of a token whose signature, issuer, audience and expiry hold.

        Raises Unauthenticated (the token must not be trusted; the message says why and is
        safe to show) or ServiceUnavailable (the signing keys cannot be fetched right now).
        """
        ...
