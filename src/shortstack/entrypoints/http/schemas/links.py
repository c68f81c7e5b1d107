"""Short links as the HTTP API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
)
from pydantic.json_schema import SkipJsonSchema

from shortstack.domain.analytics import StatsReport
from shortstack.domain.clock import to_iso
from shortstack.domain.link_state import LinkState, state_of
from shortstack.domain.links import (
    ALIAS_PATTERN,
    MAX_TTL_DAYS,
    MAX_VISITS_LIMIT,
    TAGS_MAX,
    TITLE_MAX_LENGTH,
    Link,
)
from shortstack.domain.target_urls import URL_MAX_LENGTH
from shortstack.entrypoints.http.schemas.common import (
    DateTimeText,
    ErrorBody,
    SingleLine,
    StrictModel,
    WholeNumber,
    no_null_defaults,
)

# The schema states what a pattern can (scheme, no whitespace or control characters); the
# host rules (a real host, no credentials, not this service) are checked by the domain. The
# patterns are documentation only: the domain checks them too and names the reason.
URL_PATTERN = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f\x7f-\x9f\\]+\s*$"
TargetUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=URL_MAX_LENGTH),
    Field(
        json_schema_extra={"pattern": URL_PATTERN},
        description="http(s) URL with a host; no credentials; not this service's own host",
    ),
]
Alias = Annotated[
    str,
    Field(
        pattern=ALIAS_PATTERN,
        description="custom short id; the service's own words (api, assets, docs, health, "
        "shorten ...) are reserved in any letter case (422)",
    ),
]
Title = Annotated[str, StringConstraints(max_length=TITLE_MAX_LENGTH), SingleLine]
# Stored lower-cased; surrounding whitespace is stripped first.
Tag = Annotated[
    str,
    StringConstraints(max_length=64),
    Field(json_schema_extra={"pattern": r"^\s*[A-Za-z0-9_.-]{1,32}\s*$"}),
]
Tags = Annotated[list[Tag], Field(max_length=TAGS_MAX, description="a-z 0-9 _ . - (lower-cased)")]
TtlDays = Annotated[
    int, Field(ge=1, le=MAX_TTL_DAYS, description="expire this many days from now"), WholeNumber
]
MaxVisits = Annotated[
    int, Field(ge=1, le=MAX_VISITS_LIMIT, description="410 after this many"), WholeNumber
]
ExpiresAt = Annotated[AwareDatetime, DateTimeText]
RedirectStatus = Literal[301, 302, 307, 308]


class LinkCreate(StrictModel):
    url: TargetUrl
    alias: Alias | None = None
    expires_at: ExpiresAt | None = Field(
        default=None,
        description="null: never expires; left out (with ttl_days too): the deployment's "
        "DEFAULT_LINK_TTL_DAYS (30 days unless set)",
    )
    ttl_days: TtlDays | None = None
    redirect_status: RedirectStatus = 302
    title: Title | None = None
    tags: Tags = Field(default_factory=list)
    max_visits: MaxVisits | None = None


class LinkUpdate(StrictModel):
    """A partial update: only the fields present change; null clears expires_at, title and
    max_visits (a link without expires_at never expires); url, is_active, tags and
    redirect_status cannot be null."""

    # The route answers 422 to a null where null means nothing: keep it out of the schema.
    model_config = ConfigDict(json_schema_extra=no_null_defaults)

    url: TargetUrl | SkipJsonSchema[None] = None
    is_active: bool | SkipJsonSchema[None] = None
    expires_at: ExpiresAt | None = None
    title: Title | None = None
    tags: Tags | SkipJsonSchema[None] = None
    max_visits: MaxVisits | None = None
    redirect_status: RedirectStatus | SkipJsonSchema[None] = None


class LinkPublic(BaseModel):
    short_id: str
    short_url: str
    url: str
    title: str | None
    tags: list[str]
    is_active: bool
    redirect_status: int
    expires_at: datetime | None
    max_visits: int | None
    click_count: int
    state: LinkState = Field(
        description="active, disabled, expired, used_up (max_visits reached) or scheduled"
    )
    imported_clicks: int = Field(
        description="visits the shortener this link was migrated from had counted; never part "
        "of click_count"
    )
    created_at: datetime
    updated_at: datetime

    @field_serializer("created_at", "updated_at", "expires_at")
    def _iso(self, value: datetime | None) -> str | None:
        return to_iso(value) if value is not None else None

    @classmethod
    def of(cls, link: Link, base_url: str, now: datetime) -> LinkPublic:
        return cls(
            short_id=link.short_id,
            short_url=f"{base_url}/{link.short_id}",
            url=link.url,
            title=link.title,
            tags=list(link.tags),
            is_active=link.is_active,
            redirect_status=link.redirect_status,
            expires_at=link.expires_at,
            max_visits=link.max_visits,
            click_count=link.click_count,
            state=state_of(link, now),
            imported_clicks=link.imported_clicks,
            created_at=link.created_at,
            updated_at=link.updated_at,
        )


BATCH_MAX = 1_000


class LinkBatchCreate(StrictModel):
    """Up to 1,000 link bodies; each is checked on its own, so a bad one fails alone."""

    links: list[Any] = Field(
        max_length=BATCH_MAX,
        description=f"at most {BATCH_MAX:,} bodies as POST /api/v1/links takes them",
        json_schema_extra={"items": {"$ref": "#/components/schemas/LinkCreate"}},
    )


class LinkBatchResult(BaseModel):
    """One entry's outcome: the status a single POST of it would have answered."""

    index: int = Field(description="the entry's position in `links`, from 0")
    status: int = Field(description="201, or the error status (409 alias taken, 422 ...)")
    link: LinkPublic | None = Field(default=None, description="the link, when created")
    error: ErrorBody | None = Field(default=None, description="why not, otherwise")


class LinkBatchPublic(BaseModel):
    results: list[LinkBatchResult] = Field(description="one per entry, in order")


class ShortenRequest(BaseModel):
    """The classic tutorial's request body (documentation only: the route parses it itself)."""

    model_config = ConfigDict(extra="forbid")

    url: TargetUrl


class Shortened(BaseModel):
    """The classic tutorial's answer."""

    short_id: str
    short_url: str
    original_url: str
    expires_at: str


class ShortenError(BaseModel):
    """The classic tutorial's error body: `error`, not `message`."""

    error: str


class CountPublic(BaseModel):
    value: str
    clicks: int


class DayPublic(BaseModel):
    day: date
    clicks: int
    bots: int


class MonthPublic(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2026-01"])
    clicks: int
    bots: int


class LinkStatsPublic(BaseModel):
    """A link's clicks per UTC day and the top values of each dimension over the range."""

    short_id: str
    from_day: date = Field(serialization_alias="from")
    to_day: date = Field(serialization_alias="to")
    clicks: int = Field(description="clicks folded into the stats so far (the analytics lag)")
    bots: int
    days: list[DayPublic]
    months: list[MonthPublic] = Field(
        description="months older than 90 days, rolled up: counted whole, their days left out"
    )
    referrers: list[CountPublic] = Field(description="referrer hosts; `(direct)` when none")
    browsers: list[CountPublic]
    oses: list[CountPublic] = Field(description="operating systems (iOS, Android, Windows, ...)")
    devices: list[CountPublic] = Field(description="desktop, mobile, tablet, bot, other")
    countries: list[CountPublic] = Field(description="ISO codes from CloudFront-Viewer-Country")

    @classmethod
    def of(cls, report: StatsReport) -> LinkStatsPublic:
        def top(dimension: str) -> list[CountPublic]:
            return [CountPublic(value=v, clicks=n) for v, n in report.top(dimension)]

        return cls(
            short_id=report.short_id,
            from_day=report.first_day,
            to_day=report.last_day,
            clicks=report.totals.clicks,
            bots=report.totals.bots,
            days=[DayPublic(day=d.day, clicks=d.clicks, bots=d.bots) for d in report.days],
            months=[
                MonthPublic(month=m.day.strftime("%Y-%m"), clicks=m.clicks, bots=m.bots)
                for m in report.months
            ],
            referrers=top("referrers"),
            browsers=top("browsers"),
            oses=top("oses"),
            devices=top("devices"),
            countries=top("countries"),
        )
