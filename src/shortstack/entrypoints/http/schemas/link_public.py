"""A short link as the HTTP API answers it (`LinkPublic`).

Apart from the request bodies (links.py): the API Lambda's light front answers a new link
with these alone (it loads the request models on its first create). The values come from
`link_values` (link_values.py), which the front also writes as JSON, without these models,
for one link and for a page of links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from shortstack.domain.link_state import LinkState
from shortstack.domain.links import Link
from shortstack.entrypoints.http.link_values import link_values
from shortstack.entrypoints.http.schemas.common import IsoTime

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
    expires_at: IsoTime | None
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
    created_at: IsoTime
    updated_at: IsoTime
    valid_since: IsoTime | None
    fallback_url: str | None
    password_protected: bool = Field(description="whether a password is set (it is never shown)")
    forward_query: bool
    rules: list[RulePublic]
    variants: list[VariantPublic]
    preview: PreviewPublic | None

    @classmethod
    def of(cls, link: Link, base_url: str, now: datetime) -> LinkPublic:
        values = link_values(link, base_url, now)
        values["rules"] = [holding(RulePublic, rule) for rule in values["rules"]]
        values["variants"] = [holding(VariantPublic, v) for v in values["variants"]]
        if values["preview"] is not None:
            values["preview"] = holding(PreviewPublic, values["preview"])
        return holding(cls, values)
