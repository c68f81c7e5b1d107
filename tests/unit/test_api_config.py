"""The API's light settings reader agrees with Settings: names, defaults, values, refusals.

Whatever it reads, Settings reads the same; whatever Settings refuses, it leaves to Settings
(None), so that the function fails with Settings' own error.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shortstack import api_config
from shortstack.api_config import ApiSettings, api_settings, load_api_settings
from shortstack.config import Settings

NAMES = [field.name for field in dataclasses.fields(ApiSettings)]
DERIVED = ("cors_origins", "base_url", "jwt_audiences")
FLAGS = api_config._FLAGS
RANGES = api_config._RANGES
CHOICES = api_config._CHOICES
# The API function's environment in the deployment's templates (infra/).
DEPLOYED = {
    "STAGE": "aws",
    "STORAGE": "dynamodb",
    "TABLE_NAME": "shortstack-Table-1",
    "EVENT_BUS_NAME": "shortstack-bus",
    "IMPORTS_BUCKET": "shortstack-imports-abc",
    "IMPORT_STATE_MACHINE_ARN": "arn:aws:states:eu-west-1:123456789012:stateMachine:import",
    "CLOUDFRONT_ORIGIN_SECRET": "s3cret",
    "AUTH_MODE": "jwt",
    "JWT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
    "JWT_AUDIENCE": "client-1, client-2",
    "JWT_JWKS_URL": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json",
    "TRUST_GATEWAY_CLAIMS": "true",
    "API_KEYS_ENABLED": "false",
    "FRONTEND_ORIGIN": "https://app.example.com,https://b.example.com/",
    "LOG_LEVEL": "INFO",
    "POWERTOOLS_SERVICE_NAME": "shortstack",
    "PUBLIC_BASE_URL": "https://s.example.com/",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)


def _set(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _seen(source: Any) -> dict[str, Any]:
    return {name: getattr(source, name) for name in (*NAMES, *DERIVED)}


def _agree(env: dict[str, str]) -> ApiSettings | None:
    """The light reader's settings for `env`, checked against Settings: read alike, or None."""
    light = load_api_settings(env)
    full_error: ValidationError | None = None
    try:
        full = Settings(
            **{n.lower(): v for n, v in env.items() if n.lower() in Settings.model_fields}
        )
    except ValidationError as error:
        full_error = error
    if light is not None:
        assert full_error is None, f"read what Settings refuses: {full_error}"
        assert _seen(light) == _seen(full)
    return light


def test_every_setting_read_is_a_documented_setting_with_the_same_default() -> None:
    for field in dataclasses.fields(ApiSettings):
        assert field.name in Settings.model_fields, field.name
        assert field.default == Settings.model_fields[field.name].default, field.name


def test_every_setting_left_to_settings_that_it_could_refuse_sends_the_reader_to_it() -> None:
    free_text = {str, str | None}
    for name, info in Settings.model_fields.items():
        if name not in NAMES and info.annotation not in free_text:
            assert name in api_config._READ_BY_SETTINGS, name
    assert set(Settings.model_fields) >= api_config._READ_BY_SETTINGS
    assert api_config._READ_BY_SETTINGS.isdisjoint(NAMES)


@pytest.mark.parametrize(
    "env",
    [
        {},
        DEPLOYED,
        {**DEPLOYED, "AUTH_MODE": "none", "PUBLIC_BASE_URL": ""},
        {"table_name": "lower-case-name", "storage": "memory", "Port": "9001"},
        {"AWS_ENDPOINT_URL": "", "JWT_AUDIENCE": " , "},
        {"HOST": "0.0.0.0", "PORT": "65535", "MAX_BODY_BYTES": "1024", "VERSION": "9.9"},
        {"AUTH_MODE": "jwt", "JWT_ISSUER": "i", "JWT_AUDIENCE": "a", "JWT_PUBLIC_KEY": "PEM"},
        {
            "AUTH_MODE": "jwt",
            "JWT_ISSUER": "i",
            "JWT_AUDIENCE": "a",
            "JWT_JWKS_URL": "http://127.0.0.1:9/jwks",
        },
        {"STAGE": "aws", "STORAGE": "dynamodb", "FRONTEND_ORIGIN": "https://a.example, "},
        {"FRONTEND_ORIGIN": "*", "SERVICE_NAME": "links", "ADMIN_GROUP": " admins "},
        {
            "DEFAULT_LINK_TTL_DAYS": "0",
            "RATE_LIMIT_CREATES_PER_MINUTE": "1000000",
            "MAINTENANCE_SCAN_PAGES": "007",
            "LOG_LEVEL": "DEBUG",
        },
    ],
)
def test_both_readers_see_the_same_values(env: dict[str, str]) -> None:
    assert _agree(env) is not None


@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize(
    "spelling", ["1", "0", "true", "False", "TRUE", "yes", "No", "on", "OFF", "t", "F", "y", "n"]
)
def test_every_spelling_of_a_flag_reads_alike(name: str, spelling: str) -> None:
    assert _agree({name.upper(): spelling}) is not None


@pytest.mark.parametrize("name", sorted(RANGES))
def test_each_range_is_settings_range(name: str) -> None:
    low, high = RANGES[name]
    assert _agree({name.upper(): str(low)}) is not None
    assert _agree({name.upper(): str(low - 1 if low else "-1")}) is None
    if high is None:
        assert _agree({name.upper(): str(10**15)}) is not None
    else:
        assert _agree({name.upper(): str(high)}) is not None
        assert _agree({name.upper(): str(high + 1)}) is None


@pytest.mark.parametrize(
    "env",
    [
        # Values Settings refuses.
        {"STAGE": "production"},
        {"STAGE": "AWS"},
        {"STORAGE": "postgres"},
        {"LOG_LEVEL": "info"},
        {"AUTH_MODE": "open"},
        {"PORT": "0"},
        {"PORT": "http"},
        {"PORT": ""},
        {"PORT": "5.5"},
        {"PORT": "\u0665"},  # an Arabic-Indic five: int() reads it, Settings does not
        {"MAX_BODY_BYTES": "1023"},
        {"TRUST_GATEWAY_CLAIMS": "2"},
        {"AWS_ENDPOINT_URL": "dynamodb-local:8000"},
        {"TABLE_NAME": "t"},
        {"TABLE_NAME": "links/prod"},
        {"API_KEYS_ENABLED": ""},
        {"TRUST_CLOUDFRONT_VIEWER_HEADERS": " true"},
        {"API_KEYS_ENABLED": "maybe"},
        # Combinations Settings refuses.
        {"STAGE": "aws"},
        {"STAGE": "aws", "STORAGE": "sqlite"},
        {"STAGE": "aws", "STORAGE": "dynamodb", "FRONTEND_ORIGIN": "https://a.example,*"},
        {"AUTH_MODE": "jwt"},
        {"AUTH_MODE": "jwt", "JWT_ISSUER": " ", "JWT_AUDIENCE": "a", "JWT_PUBLIC_KEY": "k"},
        {"AUTH_MODE": "jwt", "JWT_ISSUER": "i", "JWT_AUDIENCE": " , ", "JWT_PUBLIC_KEY": "k"},
        {"AUTH_MODE": "jwt", "JWT_ISSUER": "i", "JWT_AUDIENCE": "a"},
        {
            "AUTH_MODE": "jwt",
            "JWT_ISSUER": "i",
            "JWT_AUDIENCE": "a",
            "JWT_PUBLIC_KEY": "k",
            "JWT_JWKS_URL": "https://idp.example/jwks",
        },
        {
            "AUTH_MODE": "jwt",
            "JWT_ISSUER": "i",
            "JWT_AUDIENCE": "a",
            "JWT_JWKS_URL": "http://idp.example/jwks",
        },
        # Settings it does not read, which Settings refuses.
        {**DEPLOYED, "IMPORT_MAX_BYTES": str(64 * 1024 * 1024)},
        {"WEBHOOK_TIMEOUT_S": "99"},
        {"orphan_visits_daily_keys": "-1"},
    ],
)
def test_what_settings_refuses_is_left_to_settings_and_fails_with_its_error(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    assert _agree(env) is None
    _set(monkeypatch, env)
    with pytest.raises(ValidationError) as expected:
        Settings()
    with pytest.raises(ValidationError) as found:
        api_settings()
    assert str(found.value) == str(expected.value)


@pytest.mark.parametrize(
    "env",
    [
        # Spellings Settings takes and the reader does not: Settings reads them, alike.
        {"PORT": " 9001 "},
        {"PORT": "+9001"},
        {"MAX_BODY_BYTES": "1_048_576"},
        {"PORT": "9001.0"},
        {"WEBHOOK_TIMEOUT_S": "2"},
    ],
)
def test_what_the_reader_does_not_take_settings_reads(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    assert _agree(env) is None
    _set(monkeypatch, env)
    found = api_settings()
    assert isinstance(found, Settings)
    assert found == Settings()


def test_the_processs_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, DEPLOYED)
    found = api_settings()
    assert isinstance(found, ApiSettings)
    assert _seen(found) == _seen(Settings())
    assert found.cors_origins == ["https://app.example.com", "https://b.example.com"]
    assert found.base_url == "https://s.example.com"
    assert found.jwt_audiences == ("client-1", "client-2")


_VALUES = st.sampled_from(
    [
        "",
        " ",
        "0",
        "1",
        "-1",
        "65536",
        "1023",
        "1024",
        "true",
        "no",
        "aws",
        "local",
        "dynamodb",
        "memory",
        "sqlite",
        "jwt",
        "none",
        "INFO",
        "debug",
        "*",
        "https://a.example/",
        "http://localhost/j",
        "https://idp.example/jwks",
        "a, b",
        "٣",
        "1e3",
    ]
) | st.text(max_size=8)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES).map(str.upper), _VALUES, max_size=8))
def test_any_environment_is_read_as_settings_reads_it_or_left_to_it(env: dict[str, str]) -> None:
    _agree(env)
