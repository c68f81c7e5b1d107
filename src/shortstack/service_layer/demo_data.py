"""Demo data: links with weeks of clicks, a small catalog and a few users, for a first look.

Everything is made through the same use cases the API calls, so every rule holds and
every event is queued as a real write's would be. The clock is moved back while seeding:
links are made at the start of the period and each click is counted at its own time, so
the dashboard and each link's stats have history to show on the first start.

Seeding again changes nothing already there: a link is made only when its alias is free
(and only new links get clicks), a user only when the id and e-mail are, and the catalog
only when the owner has no items yet.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shortstack.domain.errors import Conflict, Gone, NotFound
from shortstack.domain.link_options import Preview
from shortstack.domain.link_routing import RedirectRule, Variant
from shortstack.domain.links import LinkChanges
from shortstack.domain.visits import Visit

if TYPE_CHECKING:
    # Names only: `shortstack seed --help` builds its options from DemoPlan, and every
    # command's parser is built at start-up, so importing the services here costs them all.
    from shortstack.service_layer.items import ItemsService
    from shortstack.service_layer.links import LinksService
    from shortstack.service_layer.redirects import RedirectService
    from shortstack.service_layer.users import UsersService

SITE = "https://example.com"
# Printed by the command: it guards one demo link and nothing else.
DEMO_PASSWORD = "open-sesame"  # noqa: S105


@dataclass
class MovableClock:
    """A clock the seeder sets to each moment it replays; the services read it."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class DemoPlan:
    links: int = 12
    clicks: int = 1500
    days: int = 30
    items: int = 20
    users: int = 5
    seed: int = 1


@dataclass
class DemoReport:
    links_made: list[str] = field(default_factory=list)
    links_there: int = 0
    links_elsewhere: int = 0  # a demo alias another owner holds (aliases are global)
    clicks: int = 0
    bots: int = 0
    orphan_visits: int = 0
    items_made: int = 0
    items_there: bool = False
    users_made: int = 0
    users_there: int = 0


@dataclass(frozen=True, slots=True)
class _DemoLink:
    alias: str
    fields: dict[str, Any]
    popularity: float  # 0: no visits (a password or a future start would not count them)


def _links(start: datetime, now: datetime, count: int) -> list[_DemoLink]:
    """The demo's links, each showing one feature; past the named ones, plain pages."""
    # The sale ended three days ago, or half-way through a shorter period: made at its
    # start, a link must still end in its future.
    sale_ended = max(now - timedelta(days=3), start + (now - start) / 2)
    app_rules = [
        RedirectRule("https://apps.apple.com/app/id0000000000", device="ios"),
        RedirectRule("https://play.google.com/store/apps/details?id=com.example", device="android"),
    ]
    named = [
        _DemoLink("demo-launch", {"url": f"{SITE}/blog/launch", "title": "Launch announcement",
                                  "tags": ["launch", "blog"]}, 8.0),
        _DemoLink("demo-docs", {"url": f"{SITE}/docs/getting-started", "title": "Getting started",
                                "tags": ["docs"]}, 4.0),
        _DemoLink("demo-pricing", {"url": f"{SITE}/pricing", "title": "Pricing",
                                   "tags": ["web"]}, 3.0),
        _DemoLink("demo-app", {"url": f"{SITE}/app", "title": "Get the app (by device)",
                               "tags": ["mobile"], "rules": app_rules}, 2.5),
        _DemoLink("demo-ab", {"url": f"{SITE}/landing", "title": "Landing page A/B test",
                              "tags": ["experiment"],
                              "variants": [Variant(f"{SITE}/landing-a", 50),
                                           Variant(f"{SITE}/landing-b", 50)]}, 2.0),
        _DemoLink("demo-webinar", {"url": f"{SITE}/events/webinar", "title": "Webinar sign-up",
                                   "tags": ["event"], "max_visits": 400}, 1.5),
        _DemoLink("demo-newsletter", {"url": f"{SITE}/newsletter", "title": "Newsletter",
                                      "tags": ["newsletter"], "forward_query": True}, 1.2),
        _DemoLink("demo-card", {"url": f"{SITE}/story", "title": "Story with a preview card",
                                "tags": ["social"],
                                "preview": Preview("Our story", "How it started",
                                                   f"{SITE}/story/card.png")}, 1.0),
        _DemoLink("demo-sale", {"url": f"{SITE}/spring-sale", "title": "Spring sale (ended)",
                                "tags": ["sale"],
                                "expires_at": sale_ended}, 2.0),
        _DemoLink("demo-old", {"url": f"{SITE}/old-page", "title": "Retired page (disabled)",
                               "tags": ["archive"]}, 0.8),
        _DemoLink("demo-beta", {"url": f"{SITE}/beta", "title": "Beta (password protected)",
                                "tags": ["private"], "password": DEMO_PASSWORD}, 0),
        _DemoLink("demo-soon", {"url": f"{SITE}/next", "title": "Next launch (scheduled)",
                                "tags": ["launch"], "valid_since": now + timedelta(days=7),
                                "fallback_url": f"{SITE}/coming-soon"}, 0),
    ]  # fmt: skip
    plain = [
        _DemoLink(f"demo-page-{n}", {"url": f"{SITE}/page/{n}", "title": f"Page {n}"}, 0.5)
        for n in range(len(named) + 1, count + 1)
    ]
    return (named + plain)[:count]


_BROWSERS = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36", 30),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 22),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36", 18),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Safari/605.1.15", 14),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 9),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", 7),
]  # fmt: skip
_BOTS = [
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Twitterbot/1.0",
]
_REFERRERS = [
    (None, 35), ("https://news.ycombinator.com/", 15), ("https://www.google.com/", 14),
    ("https://t.co/", 10), ("https://www.linkedin.com/", 8), ("https://github.com/", 7),
    ("https://www.reddit.com/", 6), ("https://duckduckgo.com/", 5),
]  # fmt: skip
_COUNTRIES = [
    ("US", 30), ("DE", 12), ("GB", 10), ("IN", 9), ("FR", 7), ("BR", 6), ("CA", 6),
    ("JP", 5), ("NL", 5), ("NZ", 3), ("ES", 4), ("SE", 3),
]  # fmt: skip
_LANGUAGES = {"DE": "de-DE,de;q=0.9", "FR": "fr-FR,fr;q=0.9", "BR": "pt-BR,pt;q=0.9",
              "JP": "ja-JP,ja;q=0.9", "NL": "nl-NL,nl;q=0.9", "ES": "es-ES,es;q=0.9",
              "SE": "sv-SE,sv;q=0.9"}  # fmt: skip
_MISTYPED = ["demo-lanch", "demo-doc", "launch", "pricing", "old-promo"]
_ITEMS = [
    ("Field guide to mosses", "Books", "18.50"), ("The quiet compiler", "Books", "32.00"),
    ("Sourdough at home", "Books", "24.90"), ("Night sky atlas", "Books", "41.00"),
    ("Tile-laying board game", "Games", "39.99"), ("Pocket puzzle cube", "Games", "12.00"),
    ("Cooperative card game", "Games", "19.50"), ("Trivia night box", "Games", "27.00"),
    ("Copper watering can", "Garden", "45.00"), ("Heirloom tomato seeds", "Garden", "4.50"),
    ("Folding kneeler", "Garden", "29.00"), ("Bee hotel", "Garden", "22.00"),
    ("Cast-iron skillet", "Kitchen", "54.00"), ("Ceramic pour-over", "Kitchen", "26.00"),
    ("Bamboo cutting board", "Kitchen", "21.00"), ("Spice tin set", "Kitchen", "17.50"),
    ("Cello strings", "Music", "64.00"), ("Metronome", "Music", "23.00"),
    ("Vinyl cleaning kit", "Music", "15.00"), ("Harmonica in C", "Music", "35.00"),
]  # fmt: skip
_USERS = [
    ("demo-ada", "Ada Lovelace"), ("demo-grace", "Grace Hopper"), ("demo-alan", "Alan Turing"),
    ("demo-katherine", "Katherine Johnson"), ("demo-edsger", "Edsger Dijkstra"),
    ("demo-barbara", "Barbara Liskov"), ("demo-donald", "Donald Knuth"),
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Run:
    """One seeding: whose, over which period, drawn from which seed, and its tally."""

    owner: str
    plan: DemoPlan
    start: datetime
    now: datetime
    rng: random.Random
    report: DemoReport


@dataclass
class DemoSeeder:
    links: LinksService
    items: ItemsService
    users: UsersService
    redirects: RedirectService
    clock: MovableClock

    def seed(self, owner: str, plan: DemoPlan) -> DemoReport:
        now = self.clock.now
        run = _Run(
            owner,
            plan,
            now - timedelta(days=plan.days),
            now,
            random.Random(plan.seed),
            DemoReport(),
        )
        try:
            made = self._make_links(run)
            self._click(run, made)
            if any(demo.alias == "demo-old" for demo in made):
                self.clock.now = now
                self.links.update(owner, "demo-old", LinkChanges(is_active=False))
            self._make_items(run)
            self._make_users(run)
        finally:
            self.clock.now = now
        return run.report

    def _make_links(self, run: _Run) -> list[_DemoLink]:
        self.clock.now = run.start
        made = []
        for demo in _links(run.start, run.now, run.plan.links):
            # Made at the period's start, so only an end of their own suits them.
            lasting = "expires_at" not in demo.fields
            try:
                self.links.create(run.owner, alias=demo.alias, never_expires=lasting, **demo.fields)
            except Conflict:
                if self._owns(run.owner, demo.alias):
                    run.report.links_there += 1
                else:
                    run.report.links_elsewhere += 1
                continue
            run.report.links_made.append(demo.alias)
            made.append(demo)
        return made

    def _owns(self, owner: str, alias: str) -> bool:
        try:
            self.links.get(owner, alias)
        except NotFound:
            return False
        return True

    def _click(self, run: _Run, made: list[_DemoLink]) -> None:
        targets = [demo for demo in made if demo.popularity]
        if not targets:
            return
        rng, report = run.rng, run.report
        visitors = _visitors(rng, max(10, run.plan.clicks // 3))
        weights = [demo.popularity for demo in targets]
        for at in sorted(_moments(rng, run.start, run.now, run.plan.clicks)):
            self.clock.now = at
            address, agent, country = rng.choice(visitors)
            bot = rng.random() < 0.05
            if rng.random() < 0.02:
                short_id = rng.choice(_MISTYPED)  # a mistyped or stale link: an orphan visit
            else:
                short_id = rng.choices(targets, weights)[0].alias
            visit = Visit.from_headers(
                _pick(rng, _REFERRERS),
                rng.choice(_BOTS) if bot else agent,
                country,
                address,
                accept_language=_LANGUAGES.get(country, "en-US,en;q=0.9"),
            )
            try:
                self.redirects.follow(short_id, visit)
            except NotFound:
                report.orphan_visits += 1
            except Gone:
                continue  # past its end or its visit limit: not counted, as for a visitor
            else:
                if bot:
                    report.bots += 1
                else:
                    report.clicks += 1

    def _make_items(self, run: _Run) -> None:
        if run.plan.items <= 0:
            return
        if self.items.list(run.owner, limit=1).items:
            run.report.items_there = True
            return
        for number in range(run.plan.items):
            name, category, price = _ITEMS[number % len(_ITEMS)]
            if number >= len(_ITEMS):
                name = f"{name} ({number // len(_ITEMS) + 1})"
            self.clock.now = _between(run.rng, run.start, run.now)
            self.items.create(
                run.owner,
                name=name,
                description=f"A demo item in {category.lower()}.",
                price=Decimal(price),
                category=category,
            )
            run.report.items_made += 1

    def _make_users(self, run: _Run) -> None:
        for number in range(run.plan.users):
            user_id, name = _USERS[number % len(_USERS)]
            if number >= len(_USERS):
                user_id = f"{user_id}-{number // len(_USERS) + 1}"
            self.clock.now = _between(run.rng, run.start, run.now)
            try:
                self.users.register(user_id=user_id, name=name, email=f"{user_id}@example.com")
            except Conflict:
                run.report.users_there += 1
            else:
                run.report.users_made += 1


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _visitors(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """People who come back: an address in a documentation range, a browser, a country."""
    people = []
    for number in range(count):
        block = ("192.0.2", "198.51.100", "203.0.113")[number % 3]
        address = f"{block}.{number // 3 % 254 + 1}" if number < 762 else f"2001:db8::{number:x}"
        people.append((address, _pick(rng, _BROWSERS), _pick(rng, _COUNTRIES)))
    return people


def _moments(rng: random.Random, start: datetime, now: datetime, count: int) -> Iterator[datetime]:
    """`count` moments in the period: quieter at weekends, busiest on a launch day a third
    of the way in, fading after it; never in the last minute (the seed's own time)."""
    days = max(1, (now - start).days)
    launch = days // 3
    day_weights = []
    for day in range(days):
        weekend = (start + timedelta(days=day)).weekday() >= 5
        after = day - launch
        boost = 4.0 / (1 + after) if after >= 0 else 1.0
        day_weights.append((0.6 if weekend else 1.0) * max(1.0, boost))
    for day in rng.choices(range(days), day_weights, k=count):
        moment = start + timedelta(days=day, seconds=rng.uniform(7 * 3600, 23 * 3600))
        yield min(moment, now - timedelta(minutes=1))
