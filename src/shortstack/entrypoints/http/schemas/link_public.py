"""A short link as the HTTP API answers it (`LinkPublic`).

Apart from the request bodies (links.py): the API Lambda's light front answers a link or
a page of links with these alone, and loads the request models on its first create.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, field_serializer

from shortstack.domain.clock import to_iso
from shortstack.domain.link_routing import RedirectRule
from shortstack.domain.link_state import LinkState, state_of
from shortstack.domain.links import Link

Device = Literal["ios", "android", "mobile", "desktop"]

_Model = TypeVar("_Model", bound=BaseModel)
_set = object.__setattr__


def holding(cls: type[_Model], values: dict[str, Any]) -> _Model:
    """An answer model holding `values`, every field given, without validating them again.

    For answers built from a domain object whose values already have the fields' types
    (the domain checked them): validating them would only copy them, and for a link that
    is about half of what the answer costs. As `model_construct` stores them, without
    its loop over the fields. tests/unit/test_link_public.py shows that each kind of link
    gives the model, and the bytes, that validation gives.
    """
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


class RulePublic(BaseModel):
    url: str
    device: Device | None = None
    language: str | None = None
    country: str | None = None
    query: dict[str, str] | None = None

    @classmethod
    def of(cls, rule: RedirectRule) -> RulePublic:
        return holding(
            cls,
            {
                "url": rule.url,
                "device": rule.device,
                "language": rule.language,
                "country": rule.country,
                "query": dict(rule.query) or None,
            },
        )


class VariantPublic(BaseModel):
    url: str
    weight: int


class PreviewPublic(BaseModel):
    title: str | None
    description: str | None
    image_url: str | None


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
    bot_count: int = Field(
        description="crawlers' and preview fetchers' visits: redirected, never in click_count "
        "or against max_visits"
    )
    state: LinkState = Field(
        description="active, disabled, expired, used_up (max_visits reached) or scheduled"
    )
    imported_clicks: int = Field(
        description="visits the shortener this link was migrated from had counted; never part "
        "of click_count"
    )
    created_at: datetime
    updated_at: datetime
    valid_since: datetime | None
    fallback_url: str | None
    password_protected: bool = Field(description="whether a password is set (it is never shown)")
    forward_query: bool
    rules: list[RulePublic]
    variants: list[VariantPublic]
    preview: PreviewPublic | None

    @field_serializer("created_at", "updated_at", "expires_at", "valid_since")
    def _iso(self, value: datetime | None) -> str | None:
        return to_iso(value) if value is not None else None

    @classmethod
    def of(cls, link: Link, base_url: str, now: datetime) -> LinkPublic:
        preview = link.preview
        return holding(
            cls,
            {
                "short_id": link.short_id,
                "short_url": f"{base_url}/{link.short_id}",
                "url": link.url,
                "title": link.title,
                "tags": list(link.tags),
                "is_active": link.is_active,
                "redirect_status": link.redirect_status,
                "expires_at": link.expires_at,
                "max_visits": link.max_visits,
                "click_count": link.click_count,
                "bot_count": link.bot_count,
                "state": state_of(link, now),
                "imported_clicks": link.imported_clicks,
                "created_at": link.created_at,
                "updated_at": link.updated_at,
                "valid_since": link.valid_since,
                "fallback_url": link.fallback_url,
                "password_protected": link.password_protected,
                "forward_query": link.forward_query,
                "rules": [RulePublic.of(rule) for rule in link.rules],
                "variants": [
                    holding(VariantPublic, {"url": v.url, "weight": v.weight})
                    for v in link.variants
                ],
                "preview": (
                    holding(
                        PreviewPublic,
                        {
                            "title": preview.title,
                            "description": preview.description,
                            "image_url": preview.image_url,
                        },
                    )
                    if preview
                    else None
                ),
            },
        )
