"""The API Lambda's settings for its light front, read with the standard library only.

`config.Settings` stays the documented configuration; loading it costs Pydantic, about a
quarter of the API function's cold start (bench/README.md, "Cold starts"). A container
whose requests the light front answers (a link, a page of links, health) needs only the
settings below: `load_api_settings` reads them under the same names, with the same
defaults. It never reads a value Settings would refuse: for any value it does not take,
any combination Settings refuses, and any setting it does not read whose value Settings
might refuse (`_READ_BY_SETTINGS`), it returns None and the caller loads Settings, whose
error is then the one the function fails with (`api_settings`).
tests/unit/test_api_config.py holds the two readers in agreement.

The whole app (FastAPI, creates through the container) still loads Settings when it is
first needed (entrypoints/lambda_api.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Literal

from shortstack import __version__
from shortstack.env_settings import Derived, lowered, read_values, refusal

if TYPE_CHECKING:
    from shortstack.config import Settings

_CHOICES = {
    "stage": ("local", "aws"),
    "storage": ("sqlite", "dynamodb", "memory"),
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR"),
    "auth_mode": ("none", "jwt"),
}
# Whole-number settings and their ranges, as config.Settings bounds them.
_RANGES: dict[str, tuple[int, int | None]] = {
    "maintenance_scan_pages": (1, 100_000),
    "default_link_ttl_days": (0, 3650),
    "port": (1, 65535),
    "max_body_bytes": (1024, None),
    "rate_limit_creates_per_minute": (0, 1_000_000),
}
_FLAGS = ("trust_cloudfront_viewer_headers", "trust_gateway_claims", "api_keys_enabled")
# Settings this reader does not read whose values Settings may refuse (numbers, choices,
# flags, paths; IMPORT_MAX_BYTES also against the Lambda's limit): set, they are Settings'
# to check before the function answers anything. The test lists Settings' fields to keep
# this complete; the deployment's templates set none of them for the API function.
_READ_BY_SETTINGS = frozenset(
    {
        "sqlite_synchronous",
        "data_dir",
        "web_dir",
        "import_max_bytes",
        "click_events_on_bus",
        "orphan_visits_daily_keys",
        "orphan_visits_retention_days",
        "import_upload_max_bytes",
        "import_upload_url_ttl_s",
        "import_max_rows",
        "events_max_attempts",
        "events_visibility_timeout_s",
        "events_backoff_base_s",
        "maintenance_expired_link_grace_days",
        "maintenance_interval_s",
        "webhooks_refuse_private_addresses",
        "webhook_timeout_s",
        "webhook_rest_s",
    }
)

Stage = Literal["local", "aws"]


@dataclass(frozen=True)
class ApiSettings(Derived):
    """What the light front, its services and the Lambda's init read of Settings."""

    service_name: str = "shortstack"
    version: str = __version__
    stage: Stage = "local"
    storage: Literal["sqlite", "dynamodb", "memory"] = "sqlite"
    table_name: str = "shortstack"
    aws_endpoint_url: str | None = None
    maintenance_scan_pages: int = 100
    default_link_ttl_days: int = 30
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str | None = None
    frontend_origin: str = ""
    max_body_bytes: int = 1024 * 1024
    rate_limit_creates_per_minute: int = 120
    trust_cloudfront_viewer_headers: bool = False
    cloudfront_origin_secret: str = field(default="", repr=False)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    auth_mode: Literal["none", "jwt"] = "none"
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_jwks_url: str = ""
    jwt_public_key: str = ""
    trust_gateway_claims: bool = False
    api_keys_enabled: bool = True
    admin_group: str = ""

    def refusal(self) -> str | None:
        """What Settings refuses of these values together, or None."""
        jwt = self.jwt_issuer, self.jwt_audiences, self.jwt_jwks_url, self.jwt_public_key
        return refusal(self.stage, self.storage, self.cors_origins, self.auth_mode, jwt)


_NAMES = tuple(f.name for f in fields(ApiSettings))


def load_api_settings(environ: Mapping[str, str] | None = None) -> ApiSettings | None:
    """The settings `environ` (default: the process's) sets, or None: Settings must read it."""
    env = lowered(os.environ if environ is None else environ)
    if not _READ_BY_SETTINGS.isdisjoint(env):
        return None
    try:
        values = read_values(_NAMES, env, choices=_CHOICES, ranges=_RANGES, flags=_FLAGS)
    except ValueError:
        return None
    settings = ApiSettings(**values)
    return None if settings.refusal() else settings


def api_settings() -> ApiSettings | Settings:
    """The process's settings, through Settings (and its error) when the light reader defers."""
    light = load_api_settings()
    if light is not None:
        return light
    from shortstack.config import Settings

    return Settings()
