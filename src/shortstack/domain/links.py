"""Short links: the Link model, its creation and changes, and redirect rules.

Where a link may point is `target_urls`; where one visit goes (rules, variants)
is `link_routing`; which ids and aliases it may have is `short_ids`; which values
its other fields may take is `link_fields`; how it is stored is each adapter's
business. The cache rules of a redirect are here, not at
the HTTP edge: a cached redirect is a visit the service never sees, so how long
one may be kept follows from the link's own expiry and visit limit.

Standard library only: the redirect Lambda imports this module on its
cold-start path, next to boto3 and nothing heavier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from shortstack.domain.errors import LinkGone, LinkNotYetValid, PasswordRequired
from shortstack.domain.link_fields import (
    DEFAULT_REDIRECT_STATUS,
    check_expiry,
    check_max_visits,
    check_redirect_status,
    check_title,
    check_valid_since,
    normalize_tags,
)
from shortstack.domain.link_options import Preview
from shortstack.domain.link_routing import RedirectRule, Variant
from shortstack.domain.preconditions import LEGACY_VERSION, Expected, new_version
from shortstack.domain.slotted import frozen_slots

T = TypeVar("T")

PERMANENT_STATUSES = frozenset({301, 308})
# How long a browser or CDN may keep a permanent redirect: long enough to spare repeat visits,
# short enough that disabling or retargeting the link takes effect within the hour.
PERMANENT_MAX_AGE_S = 3600
CACHE_TEMPORARY = "private, max-age=0"


@frozen_slots
class Link:
    short_id: str
    owner: str
    url: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    title: str | None = None
    tags: tuple[str, ...] = ()
    is_active: bool = True
    redirect_status: int = DEFAULT_REDIRECT_STATUS
    max_visits: int | None = None
    click_count: int = 0
    valid_since: datetime | None = None
    fallback_url: str | None = None
    # The scrypt hash (passwords.py), never the password; the API only says whether one is set.
    password_hash: str | None = field(default=None, repr=False)
    forward_query: bool = False
    rules: tuple[RedirectRule, ...] = ()
    variants: tuple[Variant, ...] = ()
    preview: Preview | None = None
    # Visits by crawlers and preview fetchers: they are redirected but never clicks.
    bot_count: int = 0
    # Visits counted by the shortener a link was migrated from: kept apart, never added to
    # click_count, which holds only the visits this service counted itself.
    imported_clicks: int = 0
    # One more at each write of the owner's (a click is not one): domain/preconditions.py.
    version: int = LEGACY_VERSION

    @property
    def password_protected(self) -> bool:
        return self.password_hash is not None

    @property
    def personal(self) -> bool:
        """Whether two visitors may be sent to different places (never cache for everyone)."""
        return bool(self.rules or self.variants or self.forward_query)


@frozen_slots
class Target:
    """What a redirect needs of a link: where to and why (rules, variants), with which status,
    and how long to cache."""

    url: str
    redirect_status: int
    expires_at: datetime | None
    max_visits: int | None
    rules: tuple[RedirectRule, ...] = ()
    variants: tuple[Variant, ...] = ()
    forward_query: bool = False
    preview: Preview | None = None

    @classmethod
    def of(cls, link: Link) -> Target:
        return cls(
            link.url,
            link.redirect_status,
            link.expires_at,
            link.max_visits,
            link.rules,
            link.variants,
            link.forward_query,
            link.preview,
        )

    @property
    def personal(self) -> bool:
        """Whether two visitors may be sent to different places (never cache for everyone)."""
        return bool(self.rules or self.variants or self.forward_query)


@dataclass(frozen=True, slots=True)
class LinkChanges:
    """A partial update: None leaves a field as is; the `clear_*` flags remove optional ones."""

    url: str | None = None
    is_active: bool | None = None
    expires_at: datetime | None = None
    clear_expiry: bool = False
    title: str | None = None
    clear_title: bool = False
    tags: tuple[str, ...] | None = None
    max_visits: int | None = None
    clear_max_visits: bool = False
    redirect_status: int | None = None
    valid_since: datetime | None = None
    clear_valid_since: bool = False
    fallback_url: str | None = None
    clear_fallback_url: bool = False
    password_hash: str | None = field(default=None, repr=False)
    clear_password: bool = False
    forward_query: bool | None = None
    rules: tuple[RedirectRule, ...] | None = None
    variants: tuple[Variant, ...] | None = None
    preview: Preview | None = None
    clear_preview: bool = False
    # If-Match: the stored versions this change may be applied to (None: any).
    expected: Expected | None = None

    def changed_fields(self) -> list[str]:
        """The names of the fields this change touches, for events and logs."""
        names = []
        for name, value, cleared in (
            ("url", self.url, False),
            ("is_active", self.is_active, False),
            ("expires_at", self.expires_at, self.clear_expiry),
            ("title", self.title, self.clear_title),
            ("tags", self.tags, False),
            ("max_visits", self.max_visits, self.clear_max_visits),
            ("redirect_status", self.redirect_status, False),
            ("valid_since", self.valid_since, self.clear_valid_since),
            ("fallback_url", self.fallback_url, self.clear_fallback_url),
            ("password", self.password_hash, self.clear_password),
            ("forward_query", self.forward_query, False),
            ("rules", self.rules, False),
            ("variants", self.variants, False),
            ("preview", self.preview, self.clear_preview),
        ):
            if value is not None or cleared:
                names.append(name)
        return names


def create_link(
    *,
    short_id: str,
    owner: str,
    url: str,
    now: datetime,
    expires_at: datetime | None,
    title: str | None = None,
    tags: Iterable[str] = (),
    redirect_status: int = DEFAULT_REDIRECT_STATUS,
    max_visits: int | None = None,
    valid_since: datetime | None = None,
    fallback_url: str | None = None,
    password_hash: str | None = None,
    forward_query: bool = False,
    rules: tuple[RedirectRule, ...] = (),
    variants: tuple[Variant, ...] = (),
    preview: Preview | None = None,
    imported_clicks: int = 0,
) -> Link:
    """A new link from already safety-checked parts (URLs, rules, variants, preview).

    The scalar fields are validated here.
    """
    check_title(title)
    check_max_visits(max_visits)
    check_redirect_status(redirect_status)
    check_valid_since(valid_since, expires_at, now)
    return Link(
        short_id=short_id,
        owner=owner,
        url=url,
        title=title,
        tags=normalize_tags(tags),
        is_active=True,
        redirect_status=redirect_status,
        expires_at=expires_at,
        max_visits=max_visits,
        click_count=0,
        created_at=now,
        updated_at=now,
        valid_since=valid_since,
        fallback_url=fallback_url,
        password_hash=password_hash,
        forward_query=forward_query,
        rules=rules,
        variants=variants,
        preview=preview,
        imported_clicks=imported_clicks,
        version=new_version(),
    )


def check_changes(changes: LinkChanges, now: datetime) -> LinkChanges:
    """Validate a partial update (the URL is checked by the caller, who knows the hosts)."""
    check_title(changes.title)
    check_max_visits(changes.max_visits)
    check_redirect_status(changes.redirect_status)
    if changes.expires_at is not None:
        check_expiry(changes.expires_at, now)
    check_valid_since(changes.valid_since, changes.expires_at, now)
    if changes.tags is not None:
        changes = replace(changes, tags=normalize_tags(changes.tags))
    return changes


def _pick(new: T | None, old: T | None, cleared: bool = False) -> T | None:
    """The new value if given, None if cleared, otherwise the old one."""
    return None if cleared else (old if new is None else new)


def apply_changes(link: Link, changes: LinkChanges, now: datetime) -> Link:
    """The link with `changes` applied and `updated_at` moved to `now` (never backwards)."""
    return replace(
        link,
        url=changes.url if changes.url is not None else link.url,
        is_active=changes.is_active if changes.is_active is not None else link.is_active,
        expires_at=_pick(changes.expires_at, link.expires_at, changes.clear_expiry),
        title=_pick(changes.title, link.title, changes.clear_title),
        tags=changes.tags if changes.tags is not None else link.tags,
        max_visits=_pick(changes.max_visits, link.max_visits, changes.clear_max_visits),
        redirect_status=changes.redirect_status or link.redirect_status,
        updated_at=max(now, link.updated_at),
        valid_since=_pick(changes.valid_since, link.valid_since, changes.clear_valid_since),
        fallback_url=_pick(changes.fallback_url, link.fallback_url, changes.clear_fallback_url),
        password_hash=_pick(changes.password_hash, link.password_hash, changes.clear_password),
        forward_query=_pick(changes.forward_query, link.forward_query) or False,
        rules=changes.rules if changes.rules is not None else link.rules,
        variants=changes.variants if changes.variants is not None else link.variants,
        preview=_pick(changes.preview, link.preview, changes.clear_preview),
        version=link.version + 1,
    )


# -- redirects -------------------------------------------------------------------------------


def why_not_redirectable(link: Link, now: datetime) -> str | None:
    """None when the link may redirect now; otherwise the reason it answers 410.

    A link whose `valid_since` has not come is not gone but not there yet (404):
    `ensure_redirectable` tells the two apart.
    """
    if not link.is_active:
        return "link is disabled"
    if link.expires_at is not None and link.expires_at <= now:
        return "link has expired"
    if link.max_visits is not None and link.click_count >= link.max_visits:
        return "link has reached its visit limit"
    return None


def ensure_redirectable(link: Link, now: datetime) -> Link:
    """The link, or LinkNotYetValid, or LinkGone with the reason it may no longer redirect."""
    if link.valid_since is not None and link.valid_since > now:
        raise LinkNotYetValid(link.short_id, link.fallback_url)
    reason = why_not_redirectable(link, now)
    if reason is not None:
        raise LinkGone(link.short_id, reason, link.fallback_url)
    return link


def ensure_countable(link: Link, now: datetime, unlocked_with: str | None = None) -> Link:
    """The link if a visit may count now: redirectable, and unlocked if it has a password.

    `unlocked_with` is the password hash a correct password was checked against; a
    password link visited without it raises PasswordRequired and counts nothing.
    """
    ensure_redirectable(link, now)
    if link.password_hash is not None and link.password_hash != unlocked_with:
        raise PasswordRequired(link.short_id)
    return link


def cache_control(link: Target, now: datetime) -> str:
    """Cache-Control of a successful redirect.

    Temporary redirects (302/307) are never kept by shared caches, so every visit reaches
    the service and counts. Permanent ones (301/308) may be kept by the browser, but never
    past the link's expiry, and not at all when a visit limit needs every visit counted or
    when rules, variants or a forwarded query may send two visitors to different places;
    `s-maxage=0` keeps them out of shared caches (CloudFront in front of the redirect keeps
    a short link's 404 for seconds, and would otherwise keep a 301 too).
    """
    if link.redirect_status not in PERMANENT_STATUSES or link.max_visits is not None:
        return CACHE_TEMPORARY
    if link.personal:
        return CACHE_TEMPORARY
    max_age = PERMANENT_MAX_AGE_S
    if link.expires_at is not None:
        max_age = min(max_age, int((link.expires_at - now).total_seconds()))
    if max_age <= 0:
        return CACHE_TEMPORARY
    return f"public, max-age={max_age}, s-maxage=0"
