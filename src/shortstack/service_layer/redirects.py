"""Following short links: a visit, a look (HEAD), and unlocking a password link.

The hot path. A visit is one call to the store, which decides and counts in one
atomic write (ports.LinkRepository.record_click) and answers with what the rules
and variants need; where the visit goes is decided after it, in memory. Crawlers
and preview fetchers take the same path with their own counter. Only unlocking a
password link reads first: it must see the hash before it may count.

A visit's event (LinkClicked, LinkVisitedByBot) is built only when something reads
it. On DynamoDB the click's write carries the visit's facts and the stream consumer
derives the event from it, so nothing is built that the outbox would drop. Locally
(SQLite) the store's `VisitFold` adds the visit to its stats in the click's own
transaction, and the event goes to the queue only when a subscriber wants it
(adapters/sqlite/visit_fold.py). The memory fakes publish every event, and their
consumer folds it.

It imports nothing beyond the domain and the ports, so the redirect Lambda and
the local server's redirect layer share it without loading FastAPI or Pydantic.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from shortstack.domain import events
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import (
    LinkNotFound,
    LinkNotYetValid,
    NoPassword,
    PasswordRequired,
    TooManyAttempts,
)
from shortstack.domain.link_options import Preview
from shortstack.domain.link_routing import (
    PREVIEW_FETCHER,
    Destination,
    choose_destination,
    forward_query,
    new_spin,
)
from shortstack.domain.links import Target, cache_control, ensure_countable, ensure_redirectable
from shortstack.domain.orphan_visits import (
    DAILY_KEYS_DEFAULT,
    RETENTION_DAYS_DEFAULT,
    forget_after,
    orphan_visit_key,
)
from shortstack.domain.passwords import (
    WRONG_ATTEMPTS_MAX,
    Claim,
    attempt_window,
    client_key,
    verify_password,
)
from shortstack.domain.short_ids import is_possible_short_id
from shortstack.domain.slotted import frozen_slots
from shortstack.domain.visits import Click, Visit

if TYPE_CHECKING:  # the ports are Protocols: the redirect's cold start need not build them
    from shortstack.domain.events import Event
    from shortstack.service_layer.ports import (
        BotDetector,
        LinkRepository,
        OrphanVisitRepository,
        Outbox,
        PasswordAttempts,
        UnitOfWork,
        VisitFold,
    )

_log = logging.getLogger("shortstack.redirects")
# How long a password waits for an attempt that other processes' checks in flight hold
# (this process's own requests wait in line, _CheckLines): 30 at once all answer within
# about 2.5 s locally.
ATTEMPT_WAIT_S = 10.0


@frozen_slots
class Redirect:
    """Where a short link sends a visitor, with which status and cache policy."""

    location: str
    status: int
    cache_control: str


@dataclass(frozen=True, slots=True)
class PreviewCard:
    """What a link-preview fetcher is shown instead of a redirect."""

    preview: Preview


Answer = Redirect | PreviewCard


@dataclass
class RedirectService:
    links: LinkRepository
    uow: UnitOfWork
    attempts: PasswordAttempts
    bots: BotDetector
    clock: Clock = utc_now
    # The key of the daily visitor hash (domain/visits.py); empty: no hash is kept.
    visitor_salt: str = ""
    spin: Callable[[], int] = new_spin
    # Where GETs of paths that name no link are counted; None: they are not.
    orphans: OrphanVisitRepository | None = None
    orphan_daily_keys: int = DAILY_KEYS_DEFAULT
    orphan_retention_days: int = RETENTION_DAYS_DEFAULT
    # Where a visit is added to its stats in its own unit of work (SQLite); None: the
    # consumer of its event folds it (the memory fakes), or the stream's (DynamoDB).
    fold: VisitFold | None = None
    _lines: _CheckLines = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._lines = _CheckLines(WRONG_ATTEMPTS_MAX)

    def follow(self, short_id: str, visit: Visit) -> Answer:
        """A GET: count the visit and announce it atomically, and say where to go.

        Raises LinkNotFound (LinkNotYetValid), LinkGone or PasswordRequired, each
        without counting. A crawler is counted apart (LinkVisitedByBot); a preview
        fetcher gets the link's preview when it has one.
        """
        if not is_possible_short_id(short_id):
            raise LinkNotFound(short_id)
        bot = self.bots(visit.user_agent)
        click = Click.of(visit, self.clock(), self.visitor_salt, self.spin(), bot)
        if click.bot is not None:
            return self._bot_visit(short_id, click, visit)
        try:
            with self.uow.begin() as outbox:
                target = self.links.record_click(short_id, click)
                routed = target.rules or target.variants or target.forward_query
                destination = _destination(target, click) if routed else None
                self._record_click(outbox, short_id, click, destination)
        except LinkNotYetValid:
            raise  # the link exists
        except LinkNotFound:
            self._count_orphan(short_id, visit, click.at)
            raise
        if destination is None:
            # A plain link, the most common: nothing about the visitor decides where it goes.
            return Redirect(target.url, target.redirect_status, cache_control(target, click.at))
        return _redirect(target, destination, visit, click)

    def _record_click(
        self, outbox: Outbox, short_id: str, click: Click, destination: Destination | None
    ) -> None:
        if self.fold is None and not self.uow.keeps_events:
            return  # on DynamoDB: nothing to fold here and no event to build (see _record)
        self._record(
            outbox,
            short_id,
            click,
            destination,
            lambda: events.link_clicked(short_id, click, destination),
        )

    def _record(
        self,
        outbox: Outbox,
        short_id: str,
        click: Click,
        destination: Destination | None,
        event: Callable[[], Event],
    ) -> None:
        """Fold the visit where the store folds it in place, and add its event when it is
        kept and wanted (on DynamoDB the click's write is what the stream consumer derives
        it from)."""
        fold = self.fold
        if fold is None:
            if self.uow.keeps_events:
                outbox.add([event()])
            return
        built = event() if fold.wants_event(short_id, click.bot is not None) else None
        if built is not None:
            outbox.add([built])
        fold.add(short_id, click, destination, built.id if built is not None else None)

    def _count_orphan(self, short_id: str, visit: Visit, at: datetime) -> None:
        """Count a visit to a path that names no link; a failure is logged, the 404 stands."""
        if self.orphans is None or self.orphan_daily_keys <= 0:
            return
        key = orphan_visit_key(short_id, at, visit.referrer, visit.user_agent)
        try:
            self.orphans.record(
                key,
                at,
                daily_keys=self.orphan_daily_keys,
                forget_after=forget_after(key.day, self.orphan_retention_days),
            )
        except Exception:
            _log.warning("orphan visit not counted", exc_info=True)

    def _bot_visit(self, short_id: str, click: Click, visit: Visit) -> Answer:
        try:
            with self.uow.begin() as outbox:
                target = self.links.record_bot_visit(short_id, click)
                self._record(
                    outbox,
                    short_id,
                    click,
                    None,
                    lambda: events.link_visited_by_bot(short_id, click),
                )
        except PasswordRequired:
            # A password link may still show its preview: the owner chose what it says.
            link = self.links.get(short_id, consistent=False)
            if click.bot == PREVIEW_FETCHER and link is not None and link.preview is not None:
                return PreviewCard(link.preview)
            raise
        if click.bot == PREVIEW_FETCHER and target.preview is not None:
            return PreviewCard(target.preview)
        return _redirect(target, _destination(target, click), visit, click)

    def peek(self, short_id: str, visit: Visit) -> Answer:
        """A HEAD or a browser's prefetch: the answer a GET would get now, counting nothing.

        Link checkers use HEAD; most prefetches are never followed (docs/decisions/0100).
        """
        if not is_possible_short_id(short_id):
            raise LinkNotFound(short_id)
        click = Click.of(visit, self.clock(), spin=self.spin(), bot=self.bots(visit.user_agent))
        link = self.links.get(short_id, consistent=False)
        if link is None:
            raise LinkNotFound(short_id)
        ensure_countable(link, click.at)
        target = Target.of(link)
        if click.bot == PREVIEW_FETCHER and target.preview is not None:
            return PreviewCard(target.preview)
        return _redirect(target, _destination(target, click), visit, click)

    def unlock(self, short_id: str, visit: Visit, password: str) -> Redirect:
        """A password form's POST: check the password, then count and redirect like a GET.

        Raises TooManyAttempts once a client has sent WRONG_ATTEMPTS_MAX wrong passwords
        for this link in the current window, PasswordRequired(wrong=True) for a wrong one
        (and counts it), NoPassword for a link without a password, and what `follow`
        raises. The attempt is held before the (slow) check, so concurrent guesses cannot
        overrun the limit, and given back unless the password was wrong; while checks in
        flight hold every attempt left, the next one waits for one (docs/decisions/0106).
        """
        if not is_possible_short_id(short_id):
            raise LinkNotFound(short_id)
        now = self.clock()
        client = client_key(visit.address)
        window, window_end = attempt_window(now)
        # In line behind this process's own checks first: they always end, so waiting for
        # them needs no bound; the store's claim then waits only for other processes' checks.
        with self._lines.turn((short_id, client)):
            self._hold_attempt(short_id, client, window, window_end, now)
            wrong = False
            try:
                link = self.links.get(short_id)
                if link is None:
                    raise LinkNotFound(short_id)
                ensure_redirectable(link, now)
                if link.password_hash is None:
                    raise NoPassword(short_id)
                wrong = not verify_password(password, link.password_hash)
            finally:
                if wrong:
                    self.attempts.keep_as_wrong(short_id, client, window)
                else:
                    self.attempts.give_back(short_id, client, window)
        if wrong:
            raise PasswordRequired(short_id, wrong=True)
        # Counted as a click whatever the User-Agent says: a person typed the password.
        click = Click.of(visit, now, self.visitor_salt, self.spin())
        with self.uow.begin() as outbox:
            target = self.links.record_click(short_id, click, unlocked_with=link.password_hash)
            destination = _destination(target, click)
            self._record_click(outbox, short_id, click, destination)
        return _redirect(target, destination, visit, click)

    def _hold_attempt(
        self, short_id: str, client: str, window: datetime, window_end: datetime, now: datetime
    ) -> None:
        """Hold one attempt, or raise TooManyAttempts once wrong passwords used them up."""
        give_up = time.monotonic() + ATTEMPT_WAIT_S
        pause = 0.01
        while True:
            claim = self.attempts.claim(short_id, client, window, window_end, WRONG_ATTEMPTS_MAX)
            if claim is Claim.CLAIMED:
                return
            if claim is Claim.SPENT:
                raise TooManyAttempts(max(1, int((window_end - now).total_seconds())))
            if time.monotonic() >= give_up:
                # Held that long, an attempt belongs to a check that died (it stays held to
                # the window's end): a 429 the client may retry at once.
                raise TooManyAttempts(1)
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


class _CheckLines:
    """The password checks one process runs, at most `size` at once per link and client.

    The store's attempts bound them across processes, but a claim that finds them all held
    waits a bounded time (a held attempt may belong to a check that died): a long line of
    one server's own requests would outlast that wait and refuse right passwords. Here
    they wait their turn instead, with no bound, since a check of this process always
    ends. A line is dropped when no request is in it.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._lines: dict[tuple[str, str], _Line] = {}

    @contextmanager
    def turn(self, key: tuple[str, str]) -> Iterator[None]:
        with self._lock:
            line = self._lines.get(key)
            if line is None:
                line = self._lines[key] = _Line(self._size)
            line.waiting += 1
        try:
            with line.checks:
                yield
        finally:
            with self._lock:
                line.waiting -= 1
                if not line.waiting:
                    del self._lines[key]


class _Line:
    """One link and client's checks: `size` at once, and how many are in line for them."""

    __slots__ = ("checks", "waiting")

    def __init__(self, size: int) -> None:
        self.checks = threading.Semaphore(size)
        self.waiting = 0


def _destination(target: Target, click: Click) -> Destination:
    if not target.rules and not target.variants:
        return Destination(target.url)  # a plain link: nothing about the visitor matters
    return choose_destination(target.url, target.rules, target.variants, click.facts(), click.spin)


def _redirect(target: Target, destination: Destination, visit: Visit, click: Click) -> Redirect:
    location = destination.url
    if target.forward_query:
        location = forward_query(location, visit.query)
    return Redirect(location, target.redirect_status, cache_control(target, click.at))
