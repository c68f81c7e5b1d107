"""The redirect Lambda's settings, read from the environment with the standard library only.

`config.Settings` stays the documented configuration; loading it would cost the
redirect Lambda Pydantic on every cold start. This reader
takes the few settings the redirect path needs, under the same names, with the
same defaults and the same refusals (tests/unit/test_redirect_config.py keeps
them in agreement). A few spellings of a number that Settings takes (" 5", "+5", "5_0")
this reader leaves to Settings: `redirect_settings` then loads it, so the function reads
what the API reads, and fails with Settings' own error where Settings refuses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from shortstack.domain.orphan_visits import DAILY_KEYS_DEFAULT, RETENTION_DAYS_DEFAULT
from shortstack.env_settings import lowered, needs_dynamodb, read_values

_CHOICES = {
    "stage": ("local", "aws"),
    "storage": ("sqlite", "dynamodb", "memory"),
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR"),
}
# Whole-number settings and their ranges, as config.Settings bounds them.
_RANGES: dict[str, tuple[int, int | None]] = {
    "orphan_visits_daily_keys": (0, 1_000_000),
    "orphan_visits_retention_days": (1, 3650),
}


@dataclass(frozen=True, slots=True)
class RedirectSettings:
    service_name: str = "shortstack"
    stage: str = "local"
    storage: str = "sqlite"
    table_name: str = "shortstack"
    aws_endpoint_url: str | None = None
    log_level: str = "INFO"
    visitor_hash_salt: str = ""
    orphan_visits_daily_keys: int = DAILY_KEYS_DEFAULT
    orphan_visits_retention_days: int = RETENTION_DAYS_DEFAULT


def redirect_settings() -> RedirectSettings:
    """The process's settings: this reader's, or Settings' when this reader refuses a value."""
    try:
        return load_redirect_settings()
    except ValueError:
        from shortstack.config import Settings

        judged = Settings()
        return RedirectSettings(
            **{field.name: getattr(judged, field.name) for field in fields(RedirectSettings)}
        )


def load_redirect_settings(environ: Mapping[str, str] | None = None) -> RedirectSettings:
    """Settings from `environ` (default: the process environment); ValueError when invalid."""
    env = lowered(os.environ if environ is None else environ)
    names = (field.name for field in fields(RedirectSettings))
    settings = RedirectSettings(**read_values(names, env, choices=_CHOICES, ranges=_RANGES))
    refusal = needs_dynamodb(settings.stage, settings.storage)
    if refusal:
        raise ValueError(refusal)
    return settings
