"""The redirect Lambda's stdlib settings reader agrees with Settings: names, defaults, refusals."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from shortstack.config import Settings
from shortstack.redirect_config import RedirectSettings, load_redirect_settings, redirect_settings

NAMES = [field.name for field in dataclasses.fields(RedirectSettings)]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)


def test_every_redirect_setting_is_a_documented_setting_with_the_same_default() -> None:
    for field in dataclasses.fields(RedirectSettings):
        assert field.name in Settings.model_fields, field.name
        assert field.default == Settings.model_fields[field.name].default, field.name


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "STAGE": "aws",
            "STORAGE": "dynamodb",
            "TABLE_NAME": "prod-table",
            "EVENT_BUS_NAME": "prod-bus",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:8000",
            "LOG_LEVEL": "DEBUG",
            "SERVICE_NAME": "links",
        },
        {"table_name": "lower-case-name", "storage": "memory"},
        {"AWS_ENDPOINT_URL": ""},
    ],
)
def test_both_readers_see_the_same_values(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    light = load_redirect_settings()
    assert {name: getattr(settings, name) for name in NAMES} == dataclasses.asdict(light)


@pytest.mark.parametrize(
    "env",
    [
        {"STAGE": "aws", "STORAGE": "sqlite"},
        {"STAGE": "aws"},
        {"STORAGE": "postgres"},
        {"LOG_LEVEL": "loud"},
        {"STAGE": "production"},
        {"ORPHAN_VISITS_DAILY_KEYS": "\u0665"},  # an Arabic-Indic five: int() would read it
        {"ORPHAN_VISITS_RETENTION_DAYS": "0"},
        {"AWS_ENDPOINT_URL": "dynamodb-local:8000"},  # no scheme: botocore's traceback
        {"TABLE_NAME": "t"},  # DynamoDB's names hold 3 to 255 characters
    ],
)
def test_both_readers_refuse_the_same_configurations(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
    with pytest.raises(ValueError, match=next(iter(env)).upper()):
        load_redirect_settings()


def test_an_explicit_mapping_is_read_instead_of_the_environment() -> None:
    light = load_redirect_settings({"TABLE_NAME": "given"})
    assert light.table_name == "given"
    assert light.storage == "sqlite"


@pytest.mark.parametrize("spelling", [" 5", "+5", "5_0", "5 "])
def test_a_number_only_settings_reads_is_read_by_settings(
    monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    monkeypatch.setenv("ORPHAN_VISITS_RETENTION_DAYS", spelling)
    with pytest.raises(ValueError, match="ORPHAN_VISITS_RETENTION_DAYS"):
        load_redirect_settings()
    assert redirect_settings().orphan_visits_retention_days == (
        Settings().orphan_visits_retention_days
    )


@pytest.mark.parametrize(
    "env",
    [{"ORPHAN_VISITS_DAILY_KEYS": "\u0665"}, {"STAGE": "aws"}, {"LOG_LEVEL": "loud"}],
)
def test_what_both_refuse_fails_with_settings_error(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=f"(?i){next(iter(env))}"):
        redirect_settings()
