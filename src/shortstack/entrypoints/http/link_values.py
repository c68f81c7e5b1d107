"""A link's answer values (`LinkPublic`'s fields) and their JSON, by the standard library.

`link_values` is the one list of what the API shows of a link: `LinkPublic.of` wraps
these values in its models (the OpenAPI document and FastAPI's routes), and the API
Lambda's light front writes them with `link_json`, which needs no Pydantic: a container
whose first request reads a link, or a page of links, does not import it (decision 0405).
`link_json` writes the bytes pydantic-core writes for `LinkPublic` (by alias, compact,
UTF-8 not escaped), `page_json` those FastAPI writes for a page (`list[LinkPublic]`), and
`answer_json` those of another answer model from its values (`Health`);
tests/unit/test_link_public.py compares them for every kind of link, page and health.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shortstack.domain.clock import to_iso
from shortstack.domain.link_state import state_of
from shortstack.domain.links import Link


def link_values(link: Link, base_url: str, now: datetime) -> dict[str, Any]:
    """LinkPublic's fields in its order; nested objects as dicts, moments as datetimes."""
    preview = link.preview
    return {
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
        "rules": [
            {
                "url": rule.url,
                "device": rule.device,
                "language": rule.language,
                "country": rule.country,
                "query": dict(rule.query) or None,
            }
            for rule in link.rules
        ],
        "variants": [{"url": v.url, "weight": v.weight} for v in link.variants],
        "preview": (
            {
                "title": preview.title,
                "description": preview.description,
                "image_url": preview.image_url,
            }
            if preview
            else None
        ),
    }


def _moment(value: object) -> str:
    if isinstance(value, datetime):
        return to_iso(value)
    raise TypeError(f"{type(value).__name__} is not a value of a link's answer")


# What pydantic-core writes: no spaces, non-ASCII as UTF-8, only '"', '\' and the control
# characters escaped ("/", "<", U+2028 and U+2029 as they are). The state is a str enum:
# its text.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_moment)


def answer_json(values: Any) -> bytes:
    """The body pydantic-core writes for an answer model (or a list of them) holding
    `values`: text, numbers, booleans, None, moments, lists and dicts of them."""
    return _ENCODER.encode(values).encode()


def link_json(values: dict[str, Any]) -> bytes:
    """The answer's body for `link_values(...)`, as FastAPI and the front send LinkPublic."""
    return answer_json(values)


def page_json(page: list[dict[str, Any]]) -> bytes:
    """A page's body for `[link_values(...), ...]`: the JSON array FastAPI sends for
    `list[LinkPublic]` (the next page's cursor travels in headers, not in the body)."""
    return answer_json(page)
