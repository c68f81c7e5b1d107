"""Short links as the HTTP API reads and writes them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from shortstack.domain.analytics import DIMENSIONS, DailyStats, StatsReport
from shortstack.domain.csv_export import ExportLink
from shortstack.domain.link_fields import MAX_TTL_DAYS, MAX_VISITS_LIMIT, TAGS_MAX, TITLE_MAX_LENGTH
from shortstack.domain.link_options import (
    PREVIEW_DESCRIPTION_MAX,
    PREVIEW_TITLE_MAX,
    Preview,
    rule_from,
)
from shortstack.domain.link_routing import (
    QUERY_KEY_MAX,
    QUERY_VALUE_MAX,
    RULE_QUERY_MAX,
    RULES_MAX,
    VARIANTS_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    RedirectRule,
    Variant,
)
from shortstack.domain.links import LinkChanges
from shortstack.domain.passwords import PASSWORD_MAX, PASSWORD_MIN
from shortstack.domain.short_ids import ALIAS_PATTERN
from shortstack.domain.target_urls import URL_MAX_LENGTH
from shortstack.entrypoints.http.schemas.common import (
    SPACE_CLASS,
    DateTimeText,
    ErrorBody,
    IsoTime,
    SingleLine,
    StrictModel,
    WholeNumber,
    no_null_defaults,
    strip_spaces,
)
from shortstack.entrypoints.http.schemas.link_public import Device
from shortstack.entrypoints.http.schemas.link_public import LinkPublic as LinkPublic
from shortstack.entrypoints.http.schemas.time_zones import InTimeZone

# The schema states what a pattern can (scheme, no whitespace or control characters); the
# host rules (a real host, no credentials, not this service) are checked by the domain. The
# patterns are documentation only: the domain checks them too and names the reason. Beside
# whitespace and the C0/C1 controls, the pattern names the invisible characters the domain
# refuses too (zero-width ones, direction marks, bidi controls). Whitespace is spelled out
# (SPACE_CLASS): Python's \s also takes \x85, a control character to JSON-schema validators.
URL_PATTERN = (
    f"^[{SPACE_CLASS}]*[Hh][Tt][Tt][Pp][Ss]?://"
    f"[^{SPACE_CLASS}\\x00-\\x1f\\x7f-\\x9f\\u200b-\\u200f\\u202a-\\u202e\\\\]+[{SPACE_CLASS}]*$"
)
# Every field holding a target (the link's, a rule's, a variant's, the fallback, the
# preview image) is stripped of what the pattern allows at its ends and nothing else, after
# its length counted what was sent (0701): rules and variants, whose models strip nothing,
# refused a trailing space the pattern allows, and str_strip_whitespace also took a C1 \x85
# the pattern refuses.
TargetUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=URL_MAX_LENGTH),
    AfterValidator(strip_spaces),
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
# Stored lower-cased; surrounding whitespace is stripped first, by the domain: the length is
# what was sent (0701), so " 0" and 63 spaces is too long though it strips to a good tag. The
# whitespace the pattern allows is the set the domain strips (SPACE_CLASS, ECMA-262's \s).
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=False, max_length=64),
    Field(
        json_schema_extra={"pattern": f"^[{SPACE_CLASS}]*[A-Za-z0-9_.-]{{1,32}}[{SPACE_CLASS}]*$"}
    ),
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
# Passwords are taken exactly as typed: no stripping, so "  secret" stays what it is.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX),
    Field(
        pattern=r"^[^\x00-\x1f\x7f-\x9f]*$",
        json_schema_extra={"writeOnly": True},
        description="write-only: stored as a salted scrypt hash, never returned",
    ),
]
QueryKey = Annotated[str, StringConstraints(min_length=1, max_length=QUERY_KEY_MAX)]
QueryValue = Annotated[str, StringConstraints(max_length=QUERY_VALUE_MAX)]
PreviewTitle = Annotated[
    str, StringConstraints(min_length=1, max_length=PREVIEW_TITLE_MAX), SingleLine
]
PreviewText = Annotated[
    str, StringConstraints(min_length=1, max_length=PREVIEW_DESCRIPTION_MAX), SingleLine
]


def _refuse_nulls(values: object) -> object:
    """Absent means "no condition"; an explicit null is refused (the schema does not allow it)."""
    if isinstance(values, dict):
        for name, value in values.items():
            if value is None:
                raise ValueError(f"{name} cannot be null: leave it out instead")
    return values


class RuleIn(BaseModel):
    """One redirect rule: every condition it names must hold (at least one is named)."""

    # Codes are compared exactly, so nothing is stripped: " en" is refused, not guessed at.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": [name]} for name in ("device", "language", "country", "query")]
        },
    )

    url: TargetUrl
    device: Device | SkipJsonSchema[None] = None
    language: (
        Annotated[
            str,
            Field(
                pattern=r"^[A-Za-z]{2,3}$",
                description="a primary language subtag (en, fr, pt); matched against the "
                "visitor's Accept-Language in its order of preference",
            ),
        ]
        | SkipJsonSchema[None]
    ) = None
    country: (
        Annotated[
            str,
            Field(
                pattern=r"^[A-Za-z]{2}$",
                description="ISO 3166 alpha-2, from the edge's CloudFront-Viewer-Country",
            ),
        ]
        | SkipJsonSchema[None]
    ) = None
    query: (
        Annotated[
            dict[QueryKey, QueryValue],
            Field(
                min_length=1,
                max_length=RULE_QUERY_MAX,
                description="param: value pairs the visitor's query string must all hold",
            ),
        ]
        | SkipJsonSchema[None]
    ) = None

    _no_nulls = model_validator(mode="before")(_refuse_nulls)

    def to_domain(self) -> RedirectRule:
        return rule_from(self.url, self.device, self.language, self.country, self.query)


class VariantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: TargetUrl
    weight: Annotated[int, Field(ge=WEIGHT_MIN, le=WEIGHT_MAX)]

    def to_domain(self) -> Variant:
        return Variant(self.url, self.weight)


class PreviewIn(StrictModel):
    """What link-preview fetchers (Slack, WhatsApp, ...) show: at least one part."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    title: PreviewTitle | SkipJsonSchema[None] = None
    description: PreviewText | SkipJsonSchema[None] = None
    image_url: TargetUrl | SkipJsonSchema[None] = None

    _no_nulls = model_validator(mode="before")(_refuse_nulls)

    def to_domain(self) -> Preview:
        return Preview(self.title, self.description, self.image_url)


Rules = Annotated[
    list[RuleIn],
    Field(max_length=RULES_MAX, description="ordered; the first matching rule wins"),
]
Variants = Annotated[
    list[VariantIn],
    Field(max_length=VARIANTS_MAX, description="A/B split by weight, chosen per visit"),
]
ValidSince = Annotated[
    AwareDatetime,
    DateTimeText,
    Field(description="before this moment the link answers 404 (or the fallback)"),
]
FallbackUrl = Annotated[
    TargetUrl,
    Field(
        description="where visitors go (302, not counted) when the link is not valid yet, "
        "expired, disabled or used up"
    ),
]


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
    valid_since: ValidSince | None = None
    fallback_url: FallbackUrl | None = None
    password: Password | None = None
    forward_query: bool = Field(
        default=False, description="add the visitor's query string to the target"
    )
    rules: Rules = Field(default_factory=list)
    variants: Variants = Field(default_factory=list)
    preview: PreviewIn | None = None


class LinkUpdate(StrictModel):
    """A partial update: only the fields present change; null clears expires_at, title,
    max_visits, valid_since, fallback_url, password and preview (a link without expires_at
    never expires); url, is_active, tags, redirect_status, forward_query, rules and variants
    cannot be null ([] removes rules or variants)."""

    # The route answers 422 to a null where null means nothing: keep it out of the schema.
    model_config = ConfigDict(json_schema_extra=no_null_defaults)

    url: TargetUrl | SkipJsonSchema[None] = None
    is_active: bool | SkipJsonSchema[None] = None
    expires_at: ExpiresAt | None = None
    title: Title | None = None
    tags: Tags | SkipJsonSchema[None] = None
    max_visits: MaxVisits | None = None
    redirect_status: RedirectStatus | SkipJsonSchema[None] = None
    valid_since: ValidSince | None = None
    fallback_url: FallbackUrl | None = None
    password: Password | None = None
    forward_query: bool | SkipJsonSchema[None] = None
    rules: Rules | SkipJsonSchema[None] = None
    variants: Variants | SkipJsonSchema[None] = None
    preview: PreviewIn | None = None

    def changes(self) -> LinkChanges:
        """The domain's changes for the fields sent; InvalidInput for a null where null means
        nothing (the API and `shortstack links update` refuse it alike)."""
        self.refuse_nulls(*LINK_NOT_NULL)
        sent = self.model_fields_set
        return LinkChanges(
            url=self.url,
            is_active=self.is_active,
            expires_at=self.expires_at,
            clear_expiry="expires_at" in sent and self.expires_at is None,
            title=self.title,
            clear_title="title" in sent and self.title is None,
            tags=tuple(self.tags) if self.tags is not None else None,
            max_visits=self.max_visits,
            clear_max_visits="max_visits" in sent and self.max_visits is None,
            redirect_status=self.redirect_status,
            valid_since=self.valid_since,
            clear_valid_since="valid_since" in sent and self.valid_since is None,
            fallback_url=self.fallback_url,
            clear_fallback_url="fallback_url" in sent and self.fallback_url is None,
            clear_password="password" in sent and self.password is None,
            forward_query=self.forward_query,
            rules=None if self.rules is None else tuple(rule.to_domain() for rule in self.rules),
            variants=(
                None if self.variants is None else tuple(v.to_domain() for v in self.variants)
            ),
            preview=self.preview.to_domain() if self.preview else None,
            clear_preview="preview" in sent and self.preview is None,
        )


LINK_NOT_NULL = (
    "url",
    "is_active",
    "tags",
    "redirect_status",
    "forward_query",
    "rules",
    "variants",
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


UNIQUE_VISITORS_DOC = (
    "distinct visitors (a daily salted hash of address and User-Agent): exact up to 24 a "
    "day, a HyperLogLog estimate (about 6.5 % standard error) above; over several days "
    "the sum of each day's, since a visitor's hash changes every UTC day"
)


def top_counts(report: StatsReport, dimension: str) -> list[CountPublic]:
    """The most frequent values of a dimension over a report's range."""
    return [CountPublic(value=v, clicks=n) for v, n in report.top(dimension)]


class DayPublic(BaseModel):
    day: date
    clicks: int
    bots: int
    unique_visitors: int = Field(description=UNIQUE_VISITORS_DOC)

    @classmethod
    def of(cls, stats: DailyStats) -> DayPublic:
        return cls(
            day=stats.day,
            clicks=stats.clicks,
            bots=stats.bots,
            unique_visitors=stats.unique_visitors,
        )


class MonthPublic(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2026-01"])
    clicks: int
    bots: int
    unique_visitors: int = Field(description=UNIQUE_VISITORS_DOC)


EXPORT_READY = "the export is ready: follow the Location header to download it"


class ExportReady(BaseModel):
    """A CSV export written to storage (AWS): `Location` and `url` fetch it."""

    message: str
    url: str
    # Rendered by to_iso like every other time in the API, and still stated a date-time.
    expires_at: IsoTime = Field(json_schema_extra={"format": "date-time"})

    @classmethod
    def of(cls, link: ExportLink) -> ExportReady:
        return cls(message=EXPORT_READY, url=link.url, expires_at=link.expires_at)


# What a link's stats count per UTC day whatever `?tz=` says (decision 0114).
LINK_PER_UTC_DAY = [
    "unique_visitors",
    *(name if name != "bots" else "bot_agents" for name in DIMENSIONS),
]


class LinkStatsPublic(InTimeZone):
    """A link's clicks per day (UTC, or the local days of `?tz=`) and the top values of each
    dimension over the range."""

    short_id: str
    from_day: date = Field(serialization_alias="from")
    to_day: date = Field(serialization_alias="to")
    clicks: int = Field(description="clicks folded into the stats so far (the analytics lag)")
    bots: int = Field(description="crawlers' and preview fetchers' visits, not in clicks")
    unique_visitors: int = Field(description=UNIQUE_VISITORS_DOC)
    days: list[DayPublic]
    months: list[MonthPublic] = Field(
        description="months older than 90 days, rolled up: counted whole, their days left out"
    )
    referrers: list[CountPublic] = Field(description="referrer hosts; `(direct)` when none")
    browsers: list[CountPublic]
    oses: list[CountPublic] = Field(description="operating systems (iOS, Android, Windows, ...)")
    devices: list[CountPublic] = Field(description="desktop, mobile, tablet, bot, other")
    countries: list[CountPublic] = Field(description="ISO codes from CloudFront-Viewer-Country")
    variants: list[CountPublic] = Field(
        description="clicks per A/B variant, by its index in the link's variants"
    )
    rules: list[CountPublic] = Field(description="clicks per redirect rule, by its index")
    bot_agents: list[CountPublic] = Field(
        description="crawlers' and preview fetchers' visits by bot name: redirected, never "
        "counted as clicks"
    )

    @classmethod
    def of(cls, report: StatsReport) -> LinkStatsPublic:
        def top(dimension: str) -> list[CountPublic]:
            return top_counts(report, dimension)

        return cls(
            **cls.zoned(report, LINK_PER_UTC_DAY),
            short_id=report.short_id,
            from_day=report.first_day,
            to_day=report.last_day,
            clicks=report.totals.clicks,
            bots=report.totals.bots,
            unique_visitors=report.totals.unique_visitors,
            days=[DayPublic.of(d) for d in report.days],
            months=[
                MonthPublic(
                    month=m.day.strftime("%Y-%m"),
                    clicks=m.clicks,
                    bots=m.bots,
                    unique_visitors=m.unique_visitors,
                )
                for m in report.months
            ],
            referrers=top("referrers"),
            browsers=top("browsers"),
            oses=top("oses"),
            devices=top("devices"),
            countries=top("countries"),
            variants=top("variants"),
            rules=top("rules"),
            bot_agents=top("bots"),
        )
