"""Settings read from the environment by the standard library, and the rules they share.

`config.Settings` is the one documented configuration; it costs Pydantic to load. The
Lambdas whose cold start must not pay for it read the few settings their path needs with
these functions: under the same names, in any case, with the same defaults and refusals
(redirect_config.py for the redirect, api_config.py for the API's light front; each has a
test that holds it to Settings). The rules Settings and those readers both apply (the JWT
settings' checks, the lists split on commas, the base URL) are written once, here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

# Whole numbers as plain ASCII digits (int() would also read other scripts' digits, which
# Settings refuses). Settings also takes signs, spaces, "1_000" and "5.0": not these readers.
_WHOLE = re.compile(r"[0-9]{1,18}")
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
# Pydantic's spellings of a boolean, in any case.
_FLAGS = {
    **dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
    **dict.fromkeys(("0", "off", "f", "false", "n", "no"), False),
}


class Derived:
    """The settings made of others, alike for Settings and the readers (a base of both)."""

    if TYPE_CHECKING:
        jwt_audience: str
        frontend_origin: str
        public_base_url: str | None
        host: str
        port: int

    @cached_property
    def jwt_audiences(self) -> tuple[str, ...]:
        """JWT_AUDIENCE split on commas: the app client ids whose tokens are accepted."""
        return tuple(comma_list(self.jwt_audience))

    @cached_property
    def cors_origins(self) -> list[str]:
        """FRONTEND_ORIGIN split on commas, without trailing slashes."""
        return [origin.rstrip("/") for origin in comma_list(self.frontend_origin)]

    @cached_property
    def base_url(self) -> str:
        """Where short links point: PUBLIC_BASE_URL, or the local server's own address."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


def lowered(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment by lower-case name, as Settings reads it: TABLE_NAME is table_name."""
    return {name.lower(): value for name, value in environ.items()}


def endpoint_url(value: str | None) -> str | None:
    """An AWS endpoint override as read: None when unset or empty, else an http(s) URL.

    ValueError for anything else: botocore would raise its own from deep inside a client's
    creation, a traceback where a sentence belongs.
    """
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"must be an http(s) URL such as http://127.0.0.1:8642, or unset; got {value!r}"
        )
    return value


def table_name(value: str) -> str:
    """A DynamoDB table's name as DynamoDB takes it; ValueError otherwise (each call on the
    table would fail with a ValidationException, long after start-up)."""
    if not _TABLE_NAME.fullmatch(value):
        raise ValueError(f"must be 3 to 255 of A-Z a-z 0-9 _ . - (DynamoDB's names); got {value!r}")
    return value


# Text settings every reader checks as Settings does (an empty endpoint is unset).
_TEXT_CHECKS: dict[str, Callable[[str], str | None]] = {
    "table_name": table_name,
    "aws_endpoint_url": endpoint_url,
    "events_endpoint_url": endpoint_url,
}


def read_values(
    names: Iterable[str],
    env: Mapping[str, str],
    *,
    choices: Mapping[str, tuple[str, ...]],
    ranges: Mapping[str, tuple[int, int | None]],
    flags: Iterable[str] = (),
) -> dict[str, Any]:
    """The values `env` (lowered) sets for `names`; ValueError for one it does not take.

    It takes no value Settings refuses; of those Settings takes, it refuses a few spellings
    of numbers (signs, spaces, underscores, "5.0") rather than read them differently.

    A name in `ranges` is a whole number within (low, high) (None: no upper bound), one in
    `choices` one of its texts, one in `flags` a boolean; any other is text as given.
    """
    values: dict[str, Any] = {name: env[name] for name in names if name in env}
    for name, (low, high) in ranges.items():
        if name in values:
            text = values[name]
            if not _WHOLE.fullmatch(text):
                raise ValueError(f"{name.upper()} must be a whole number")
            values[name] = number = int(text)
            if number < low or (high is not None and number > high):
                raise ValueError(f"{name.upper()} must be between {low} and {high}")
    for name, allowed in choices.items():
        if name in values and values[name] not in allowed:
            raise ValueError(f"{name.upper()} must be one of {', '.join(allowed)}")
    for name in values.keys() & _TEXT_CHECKS.keys():
        try:
            values[name] = _TEXT_CHECKS[name](values[name])
        except ValueError as exc:
            raise ValueError(f"{name.upper()} {exc}") from None
    for name in flags:
        if name in values:
            text = values[name]
            flag = _FLAGS.get(text.lower()) if text.isascii() else None
            if flag is None:
                raise ValueError(f"{name.upper()} must be true or false")
            values[name] = flag
    return values


def refusal(
    stage: str,
    storage: str,
    cors_origins: list[str],
    auth_mode: str,
    jwt: tuple[str, tuple[str, ...], str, str],
) -> str | None:
    """What Settings refuses of these settings together, or None.

    `jwt` holds the issuer, the audiences, the JWKS URL and the public key.
    """
    return (
        any_origin_refusal(stage, cors_origins)
        or (jwt_refusal(*jwt) if auth_mode == "jwt" else None)
        or needs_dynamodb(stage, storage)
    )


def needs_dynamodb(stage: str, storage: str) -> str | None:
    """Settings' refusal of a stage and storage, or None."""
    if stage == "aws" and storage != "dynamodb":
        return "STAGE=aws needs STORAGE=dynamodb: Lambda has no durable local disk"
    return None


def any_origin_refusal(stage: str, cors_origins: list[str]) -> str | None:
    """Settings' refusal of FRONTEND_ORIGIN=* on AWS, or None."""
    if stage == "aws" and "*" in cors_origins:
        return "FRONTEND_ORIGIN must name origins, not '*', in the AWS deployment"
    return None


def comma_list(text: str) -> list[str]:
    """The non-empty items of a comma-separated setting, stripped."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def jwt_refusal(
    issuer: str, audiences: tuple[str, ...], jwks_url: str, public_key: str
) -> str | None:
    """Why AUTH_MODE=jwt cannot start with these settings, or None."""
    missing = [
        name
        for name, value in (("JWT_ISSUER", issuer.strip()), ("JWT_AUDIENCE", audiences))
        if not value
    ]
    if not (jwks_url or public_key):
        missing.append("JWT_JWKS_URL or JWT_PUBLIC_KEY")
    if missing:
        return f"AUTH_MODE=jwt needs {', '.join(missing)}: refusing to start"
    if jwks_url and public_key:
        return "set JWT_JWKS_URL or JWT_PUBLIC_KEY, not both: refusing to start"
    if jwks_url:
        url = urlsplit(jwks_url)
        # Keys fetched over plain HTTP could be swapped on the way: only on loopback.
        if not url.hostname or not (
            url.scheme == "https" or (url.scheme == "http" and _is_loopback(url.hostname))
        ):
            return "JWT_JWKS_URL must be an https:// URL: refusing to start"
    return None
