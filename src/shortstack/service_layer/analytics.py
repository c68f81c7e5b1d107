"""Click analytics: fold LinkClicked events into daily stats, and report them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from shortstack.domain import analytics
from shortstack.domain.analytics import LINKS, TOP_N, ClickFacts, StatsReport
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import LinkNotFound
from shortstack.domain.events import BOT_VISIT, Event
from shortstack.domain.links import Link
from shortstack.service_layer.events import EventConsumer
from shortstack.service_layer.ports import (
    ClickStatsRepository,
    LinkRepository,
    UserAgentClassifier,
)

if TYPE_CHECKING:
    from shortstack.domain.local_days import ViewerZone


@dataclass(frozen=True, slots=True)
class TopLink:
    link: Link
    clicks: int


@dataclass(frozen=True, slots=True)
class Overview:
    """The owner's clicks per day across links, the breakdowns, and the top links."""

    report: StatsReport
    top_links: list[TopLink]


@dataclass
class AnalyticsService:
    stats: ClickStatsRepository
    links: LinkRepository
    classify: UserAgentClassifier
    clock: Clock = utc_now

    def click_facts(self, event: Event) -> ClickFacts:
        """What one LinkClicked or LinkVisitedByBot adds to its link's day.

        InvalidInput when unreadable. Whether a visit was a bot's is the redirect's
        decision (the event's type), never guessed again here.
        """
        user_agent = event.detail.get("user_agent")
        family = self.classify(user_agent if isinstance(user_agent, str) else None)
        is_bot = event.detail_type == BOT_VISIT
        return analytics.click_facts(event.id, event.detail, family, is_bot)

    def owners_of(self, short_ids: Iterable[str]) -> dict[str, str]:
        """Each existing link's owner (a projected, eventually consistent read each)."""
        owners = {}
        for short_id in set(short_ids):
            owner = self.links.owner_of(short_id)
            if owner is not None:
                owners[short_id] = owner
        return owners

    def owner_when(self, short_id: str, at: datetime) -> str | None:
        """The owner of the link that has `short_id` now if it had it `at` already: None when
        no link has it, or the one that has it was made later (under a deleted link's alias).
        Reads the whole link, eventually consistent: for a click replayed, which is rare."""
        link = self.links.get(short_id, consistent=False)
        return link.owner if link is not None and link.created_at <= at else None

    def fold_click(self, event: Event) -> bool:
        """Add one LinkClicked to its link's and owner's day; False when already counted,
        or when no link had its id when it was clicked: a removed link's stats went with it,
        and a link made later under that alias (by its owner too) is not the clicked one."""
        facts = self.click_facts(event)
        owner = self.owner_when(facts.short_id, event.time)
        return owner is not None and self.stats.fold(replace(facts, owner=owner))

    def fold_clicks(self, events: Sequence[Event]) -> None:
        """fold_click of each, at once: one link read per link, the sums written once."""
        links = {}
        for short_id in {self.click_facts(event).short_id for event in events}:
            links[short_id] = self.links.get(short_id, consistent=False)
        folded = []
        for event in events:
            facts = self.click_facts(event)
            link = links[facts.short_id]
            if link is not None and link.created_at <= event.time:
                folded.append(replace(facts, owner=link.owner))
        self.stats.fold_many(folded)

    def forget_link(self, event: Event) -> None:
        """A deleted link's stats go with it, unless its id names a link again.

        Every store's delete removes them already; this is for a delete whose removal of
        the stats did not finish. Once a link has the id again, the stats under it are
        that link's: a late or replayed LinkDeleted must not erase them.
        """
        short_id = event.detail.get("short_id")
        if not isinstance(short_id, str) or not short_id:
            return
        if self.links.get(short_id, consistent=True) is None:
            self.stats.delete_link(short_id)

    def report(
        self,
        owner: str,
        short_id: str,
        first: date | None = None,
        last: date | None = None,
        tz: str | None = None,
    ) -> StatsReport:
        """The owner's link's stats over a range of days (LinkNotFound if not theirs), in
        the local days of the IANA zone `tz` (InvalidInput if unknown; None: UTC)."""
        zone = _viewer_zone(tz)
        link = self.links.get(short_id, consistent=False)
        if link is None or link.owner != owner:
            raise LinkNotFound(short_id)
        first, last = analytics.stats_range(first, last, zone.today(self.clock()))
        return analytics.report(
            short_id,
            first,
            last,
            self.stats.days(short_id, *self._utc_days(first, last, zone)),
            self.stats.months(short_id, analytics.month_start(first), last),
            zone,
        )

    def overview(
        self,
        owner: str,
        first: date | None = None,
        last: date | None = None,
        tz: str | None = None,
    ) -> Overview:
        """All the owner's links over a range of days, from the owner's daily roll-ups."""
        report = self.owner_report(owner, first, last, tz)
        return Overview(report, self._top_links(owner, report))

    def owner_report(
        self,
        owner: str,
        first: date | None = None,
        last: date | None = None,
        tz: str | None = None,
    ) -> StatsReport:
        """The owner's daily roll-ups over a range of days, without reading any link (the
        overview's CSV: its rows name links by id)."""
        zone = _viewer_zone(tz)
        first, last = analytics.stats_range(first, last, zone.today(self.clock()))
        stored = self.stats.owner_days(owner, *self._utc_days(first, last, zone))
        return analytics.report(owner, first, last, stored, zone=zone)

    @staticmethod
    def _utc_days(first: date, last: date, zone: ViewerZone) -> tuple[date, date]:
        """The stored UTC days a report of local days `first`..`last` reads."""
        from shortstack.domain.local_days import utc_days_around

        return (first, last) if zone.is_utc else utc_days_around(first, last)

    def _top_links(self, owner: str, report: StatsReport) -> list[TopLink]:
        """The owner's most clicked links that still exist and are still theirs."""
        top: list[TopLink] = []
        for short_id, clicks in report.top(LINKS, n=TOP_N * 3):
            link = self.links.get(short_id, consistent=False)
            if link is not None and link.owner == owner:
                top.append(TopLink(link, clicks))
                if len(top) == TOP_N:
                    break
        return top

    def register(
        self, consumer: EventConsumer, *, fold_clicks: bool = True, forget_links: bool = True
    ) -> None:
        """Subscribe to the events analytics needs.

        Without `fold_clicks` (DynamoDB, where the stream consumer folds every click) a
        LinkClicked on the bus is left to the other subscribers. Without `forget_links`
        (SQLite, whose delete drops the link's stats in its own transaction) LinkDeleted is
        too: dropping them later would take a link made again under the alias meanwhile.
        """
        if fold_clicks:
            for detail_type in ("LinkClicked", BOT_VISIT):
                consumer.register(
                    detail_type,
                    self.fold_click_handler,
                    self_idempotent=True,
                    batch=self.fold_clicks,
                )
        if forget_links:
            consumer.register("LinkDeleted", self.forget_link)

    def fold_click_handler(self, event: Event) -> None:
        self.fold_click(event)


def _viewer_zone(tz: str | None) -> ViewerZone:
    """local_days.viewer_zone, imported on a report's first need (not on a cold start)."""
    from shortstack.domain.local_days import viewer_zone

    return viewer_zone(tz)
