"""A link's rules, variants and preview as compact JSON text, the same in SQLite and DynamoDB.

Text, not nested attributes: the redirect reads them back with one `json.loads`
each, and both stores (and the stream consumer reading the table's images)
share one format. Absent parts are left out, so a link without them stores
nothing. Standard library only: the redirect Lambda imports this module.
"""

from __future__ import annotations

import json
from typing import Any

from shortstack.domain.link_options import Preview
from shortstack.domain.link_routing import RedirectRule, Variant


def _dump(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def rules_to_text(rules: tuple[RedirectRule, ...]) -> str | None:
    if not rules:
        return None
    return _dump([{"url": rule.url, **rule.conditions()} for rule in rules])


def rules_from_text(text: str | None) -> tuple[RedirectRule, ...]:
    if not text:
        return ()
    return tuple(
        RedirectRule(
            url=raw["url"],
            device=raw.get("device"),
            language=raw.get("language"),
            country=raw.get("country"),
            query=tuple(sorted((raw.get("query") or {}).items())),
        )
        for raw in json.loads(text)
    )


def variants_to_text(variants: tuple[Variant, ...]) -> str | None:
    if not variants:
        return None
    return _dump([[variant.url, variant.weight] for variant in variants])


def variants_from_text(text: str | None) -> tuple[Variant, ...]:
    if not text:
        return ()
    return tuple(Variant(url, int(weight)) for url, weight in json.loads(text))


def preview_to_text(preview: Preview | None) -> str | None:
    if preview is None:
        return None
    parts: dict[str, Any] = {
        "title": preview.title,
        "description": preview.description,
        "image_url": preview.image_url,
    }
    return _dump({name: value for name, value in parts.items() if value is not None})


def preview_from_text(text: str | None) -> Preview | None:
    if not text:
        return None
    raw = json.loads(text)
    return Preview(raw.get("title"), raw.get("description"), raw.get("image_url"))
