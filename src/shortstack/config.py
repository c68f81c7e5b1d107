"""The only reader of the environment: one typed settings object.

Everything configurable is here, with local-friendly defaults. Unsafe
combinations refuse to start instead of running half-configured. The redirect
Lambda, which must not load Pydantic, reads its few settings through
`redirect_config.py`, and the API Lambda's light front its own through `api_config.py`;
tests keep those readers in agreement with this one. The rules they share are in
`env_settings.py`.

Each field is read from the environment variable of the same name, in any case
(`TABLE_NAME` or `table_name`); values given to `Settings(...)` win over the
environment. Pydantic validates and converts the strings. pydantic-settings
would do the same reading, and costs the API Lambda's cold start about a tenth
of a second of imports (dotenv, its cloud secret sources, its CLI parser) for
features we do not use (bench/README.md, "Cold starts").
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shortstack import __version__
from shortstack.domain.import_limits import LAMBDA_IMPORT_MAX_BYTES, MAX_ROWS
from shortstack.env_settings import Derived, endpoint_url, lowered, refusal, table_name

_REPO_WEB_DIR = Path(__file__).resolve().parents[2] / "web"


class Settings(BaseModel, Derived):
    model_config = ConfigDict(extra="ignore", validate_default=True)

    service_name: str = "shortstack"
    version: str = __version__
    stage: Literal["local", "aws"] = "local"

    storage: Literal["sqlite", "dynamodb", "memory"] = "sqlite"
    data_dir: Path = Path(".data")
    sqlite_synchronous: Literal["full", "normal"] = Field(
        default="full",
        description="full: every acknowledged write, a click before its 302 included, is "
        "on disk (fsync) and survives a power cut; normal: it survives a crash of the "
        "process, the last writes may not survive a power cut (decision 0104)",
    )
    table_name: str = "shortstack"
    aws_endpoint_url: str | None = Field(default=None, description="for DynamoDB Local and tests")
    event_bus_name: str = Field(default="shortstack", description="the EventBridge bus on AWS")
    events_endpoint_url: str | None = Field(
        default=None, description="EventBridge/SQS endpoint override (tests); AWS's by default"
    )
    events_queue_url: str | None = Field(default=None, description="the consumer's SQS queue")
    events_dlq_url: str | None = Field(default=None, description="its dead-letter queue")
    imports_bucket: str = Field(default="", description="S3 bucket for uploaded CSVs (AWS)")
    import_state_machine_arn: str = Field(
        default="", description="the bulk-import state machine; empty: run it in-process"
    )
    import_max_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="body limit of POST /api/v1/imports; on AWS at most, and by default, "
        "what a Lambda event can carry (domain/uploads.py)",
    )
    click_events_on_bus: bool = Field(
        default=False,
        description="announce every click (LinkClicked, LinkVisitedByBot) as an event: on the "
        "EventBridge bus on AWS ($1 per million), in the local queue locally; off, clicks are "
        "folded into stats without one (locally a LinkClicked is still queued for a link "
        "whose owner has a webhook subscribed to it)",
    )
    visitor_hash_salt: str = Field(
        default="", description="key of the daily visitor hash of clicks; empty: none is kept"
    )
    orphan_visits_daily_keys: int = Field(
        default=1000,
        ge=0,
        le=1_000_000,
        description="distinct (path, referrer host, browser) counters of orphan visits a UTC "
        "day may add; 0: orphan visits are not counted",
    )
    orphan_visits_retention_days: int = Field(
        default=30, ge=1, le=3650, description="days orphan-visit counters are kept"
    )
    import_upload_max_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        le=5 * 1024**3,
        description="the largest file POST /api/v1/imports/uploads takes (one S3 PUT: 5 GiB)",
    )
    import_upload_url_ttl_s: int = Field(
        default=900, ge=60, le=43_200, description="how long an upload URL stays valid"
    )
    import_max_rows: int = Field(default=MAX_ROWS, ge=1, le=1_000_000)
    events_max_attempts: int = Field(default=3, ge=1, le=100)
    events_visibility_timeout_s: float = Field(default=30.0, gt=0, le=43_200)
    events_backoff_base_s: float = Field(default=1.0, ge=0, le=3600)

    default_link_ttl_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="expiry of a link created with neither expires_at nor ttl_days; 0: never",
    )

    # Scheduled maintenance (docs/decisions/0900-scheduled-maintenance.md).
    maintenance_expired_link_grace_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="delete links (then their stats) this many days after they expired; "
        "until then their owner still sees them and can extend them",
    )
    maintenance_interval_s: float = Field(
        default=3600.0, ge=0, description="the local server runs maintenance this often; 0: never"
    )
    maintenance_extra_dlq_urls: str = Field(
        default="", description="more SQS dead-letter queues to report, comma-separated"
    )
    maintenance_scan_pages: int = Field(
        default=100, ge=1, le=100_000, description="DynamoDB Scan pages a maintenance sweep reads"
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_base_url: str | None = None
    frontend_origin: str = ""
    web_dir: Path = _REPO_WEB_DIR

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    rate_limit_creates_per_minute: int = Field(
        default=120,
        ge=0,
        le=1_000_000,
        description="POSTs per client IP per minute on the local server (0: off); "
        "API Gateway's throttling does this on AWS",
    )
    trust_cloudfront_viewer_headers: bool = Field(
        default=False,
        description="believe every request's CloudFront-Viewer-Address and -Country (only "
        "behind your own CloudFront that sets them); off: the connection's address, no country",
    )
    cloudfront_origin_secret: str = Field(
        default="",
        repr=False,
        description="the value our distribution sends the API in X-Shortstack-Origin-Secret; "
        "only a request carrying it has its CloudFront-Viewer-* headers believed (set by the IaC)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Auth (docs/decisions/0600, 0601). An unknown AUTH_MODE fails validation (Literal).
    auth_mode: Literal["none", "jwt"] = "none"
    jwt_issuer: str = ""
    jwt_audience: str = Field(default="", description="the app client id(s), comma-separated")
    jwt_jwks_url: str = ""
    jwt_public_key: str = Field(default="", description="a PEM public key (RS256 or ES256)")
    trust_gateway_claims: bool = Field(
        default=False,
        description="read claims API Gateway's JWT authorizer verified (set only behind it)",
    )
    api_keys_enabled: bool = True
    webhooks_refuse_private_addresses: bool | None = Field(
        default=None,
        description="refuse webhook URLs whose host resolves to a private, loopback or "
        "link-local address; unset: refused unless AUTH_MODE=none (a receiver on the laptop)",
    )
    webhook_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=10,
        description="the time every delivery of one event shares, connect to answer",
    )
    webhook_rest_s: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="how long the local dispatcher leaves a receiver that did not answer in "
        "time before it tries it again; its events wait without spending an attempt (0: never)",
    )
    admin_group: str = Field(
        default="",
        description="members of this group (the token's cognito:groups) see every user; "
        "empty: nobody beyond AUTH_MODE=none's operator",
    )

    @model_validator(mode="before")
    @classmethod
    def _read_environment(cls, given: Any) -> Any:
        """The environment's values under the ones given explicitly."""
        if not isinstance(given, dict):
            return given
        environ = lowered(os.environ)
        found = {name: environ[name] for name in cls.model_fields if name in environ}
        return {**found, **given}

    @field_validator("table_name")
    @classmethod
    def _a_table_dynamodb_takes(cls, value: str) -> str:
        return table_name(value)

    @field_validator("aws_endpoint_url", "events_endpoint_url")
    @classmethod
    def _an_endpoint_is_a_url(cls, value: str | None) -> str | None:
        return endpoint_url(value)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        jwt = self.jwt_issuer, self.jwt_audiences, self.jwt_jwks_url, self.jwt_public_key
        refused = refusal(self.stage, self.storage, self.cors_origins, self.auth_mode, jwt)
        if refused:
            raise ValueError(refused)
        if self.stage == "aws":
            self._fit_direct_imports_to_lambda()
        return self

    def _fit_direct_imports_to_lambda(self) -> None:
        # A bigger body never reaches the function: API Gateway would answer a bare error
        # instead of the 413 that points to the upload flow.
        if "import_max_bytes" not in self.model_fields_set:
            self.import_max_bytes = LAMBDA_IMPORT_MAX_BYTES
        elif self.import_max_bytes > LAMBDA_IMPORT_MAX_BYTES:
            raise ValueError(
                f"IMPORT_MAX_BYTES={self.import_max_bytes} on AWS: a Lambda event carries a "
                f"body of at most {LAMBDA_IMPORT_MAX_BYTES} bytes (larger files go through "
                "POST /api/v1/imports/uploads)"
            )

    @cached_property
    def dead_letter_queue_urls(self) -> tuple[str, ...]:
        """EVENTS_DLQ_URL and MAINTENANCE_EXTRA_DLQ_URLS: the SQS queues maintenance reports."""
        extra = (url.strip() for url in self.maintenance_extra_dlq_urls.split(","))
        urls = [self.events_dlq_url or "", *extra]
        return tuple(dict.fromkeys(url for url in urls if url))

    @property
    def _laptop(self) -> bool:
        """The local mode on a local stage: the one place a receiver may be this machine."""
        return self.auth_mode == "none" and self.stage == "local"

    @property
    def webhooks_refuse_private(self) -> bool:
        if self.webhooks_refuse_private_addresses is not None:
            return self.webhooks_refuse_private_addresses
        return not self._laptop

    @property
    def webhooks_allow_http(self) -> bool:
        return self._laptop

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "shortstack.sqlite3"
