"""The optional routing fields of a link, checked: redirect rules, A/B variants, a social
preview and a fallback URL.

How a visit is routed by them is `link_routing`; this module only decides what may be
stored, and every refusal names the field it is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from shortstack.domain.errors import InvalidInput, UnsafeUrl
from shortstack.domain.link_routing import (
    COUNTRY_PATTERN,
    DEVICES,
    LANGUAGE_PATTERN,
    QUERY_KEY_MAX,
    QUERY_VALUE_MAX,
    RULE_QUERY_MAX,
    RULES_MAX,
    VARIANTS_MAX,
    VARIANTS_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
    RedirectRule,
    Variant,
)

PREVIEW_TITLE_MAX = 200
PREVIEW_DESCRIPTION_MAX = 500
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
_COUNTRY = re.compile(COUNTRY_PATTERN)


@dataclass(frozen=True, slots=True)
class Preview:
    """What a link-preview fetcher is shown instead of the redirect (Open Graph, Twitter card)."""

    title: str | None = None
    description: str | None = None
    image_url: str | None = None


# Checks a URL against the target rules and returns its stored form (target_urls.py);
# the caller binds the service's own hosts.
UrlCheck = Callable[[str], str]


def _checked_url(check_url: UrlCheck, url: str, name: str) -> str:
    try:
        return check_url(url)
    except UnsafeUrl as exc:
        raise InvalidInput(f"{name}: {exc.message}", field=name) from exc


def _rule(raw: RedirectRule, index: int, check_url: UrlCheck) -> RedirectRule:
    name = f"rules[{index}]"
    url = _checked_url(check_url, raw.url, f"{name}.url")
    device = raw.device
    if device is not None and device not in DEVICES:
        raise InvalidInput(f"{name}.device must be one of {', '.join(DEVICES)}", f"{name}.device")
    language = raw.language.strip().lower() if raw.language is not None else None
    if language is not None and not _LANGUAGE.match(language):
        raise InvalidInput(
            f"{name}.language must be a primary language subtag such as en or fr (2-3 letters)",
            f"{name}.language",
        )
    country = raw.country.strip().upper() if raw.country is not None else None
    if country is not None and not _COUNTRY.match(country):
        raise InvalidInput(
            f"{name}.country must be an ISO 3166 alpha-2 code such as DE", f"{name}.country"
        )
    if len(raw.query) > RULE_QUERY_MAX:
        raise InvalidInput(f"{name}.query: at most {RULE_QUERY_MAX} pairs", f"{name}.query")
    for key, value in raw.query:
        if not 1 <= len(key) <= QUERY_KEY_MAX or len(value) > QUERY_VALUE_MAX:
            raise InvalidInput(
                f"{name}.query: keys are 1-{QUERY_KEY_MAX} characters, values at most "
                f"{QUERY_VALUE_MAX}",
                f"{name}.query",
            )
    rule = RedirectRule(url, device, language, country, tuple(sorted(raw.query)))
    if not rule.conditions():
        raise InvalidInput(
            f"{name} needs at least one condition: device, language, country or query", name
        )
    return rule


def check_rules(rules: Iterable[RedirectRule], check_url: UrlCheck) -> tuple[RedirectRule, ...]:
    """Rules as stored: URLs checked, languages lower-case, countries upper-case, in order."""
    given = list(rules)
    if len(given) > RULES_MAX:
        raise InvalidInput(f"at most {RULES_MAX} rules", field="rules")
    return tuple(_rule(rule, index, check_url) for index, rule in enumerate(given))


def check_variants(variants: Iterable[Variant], check_url: UrlCheck) -> tuple[Variant, ...]:
    """Variants as stored: none at all, or VARIANTS_MIN-VARIANTS_MAX with weights in range."""
    given = list(variants)
    if given and not VARIANTS_MIN <= len(given) <= VARIANTS_MAX:
        raise InvalidInput(
            f"variants: give {VARIANTS_MIN}-{VARIANTS_MAX} (or none)", field="variants"
        )
    checked = []
    for index, variant in enumerate(given):
        name = f"variants[{index}]"
        if not WEIGHT_MIN <= variant.weight <= WEIGHT_MAX:
            raise InvalidInput(
                f"{name}.weight must be {WEIGHT_MIN}-{WEIGHT_MAX}", field=f"{name}.weight"
            )
        checked.append(Variant(_checked_url(check_url, variant.url, f"{name}.url"), variant.weight))
    return tuple(checked)


def check_preview(preview: Preview | None, check_url: UrlCheck) -> Preview | None:
    """A preview with bounded text and a safe image URL; None when every part is empty."""
    if preview is None:
        return None
    title = preview.title or None
    description = preview.description or None
    if title is not None and len(title) > PREVIEW_TITLE_MAX:
        raise InvalidInput(
            f"preview.title must be at most {PREVIEW_TITLE_MAX} characters", "preview.title"
        )
    if description is not None and len(description) > PREVIEW_DESCRIPTION_MAX:
        raise InvalidInput(
            f"preview.description must be at most {PREVIEW_DESCRIPTION_MAX} characters",
            "preview.description",
        )
    image = preview.image_url
    image = _checked_url(check_url, image, "preview.image_url") if image else None
    if title is None and description is None and image is None:
        raise InvalidInput("preview needs a title, a description or an image_url", "preview")
    return Preview(title, description, image)


def check_fallback_url(fallback_url: str | None, check_url: UrlCheck) -> str | None:
    """The fallback in its stored form: it follows the same rules as `url`."""
    if fallback_url is None:
        return None
    return _checked_url(check_url, fallback_url, "fallback_url")


def rule_from(
    url: str,
    device: str | None = None,
    language: str | None = None,
    country: str | None = None,
    query: Mapping[str, str] | None = None,
) -> RedirectRule:
    """A rule as a client gives it (unchecked: `check_rules` validates and normalizes it)."""
    return RedirectRule(url, device, language, country, tuple(sorted((query or {}).items())))
