"""Settings: defaults, parsing and the refusals that keep deployments from failing open."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shortstack.config import Settings


def test_local_defaults() -> None:
    settings = Settings()
    assert settings.storage == "sqlite"
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.data_dir == Path(".data")
    assert settings.auth_mode == "none"
    assert settings.cors_origins == []
    assert settings.base_url == "http://127.0.0.1:8000"


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FRONTEND_ORIGIN", "https://a.example, https://b.example/")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://s.example/")
    settings = Settings()
    assert settings.port == 9001
    assert settings.data_dir == tmp_path
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.base_url == "https://s.example"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STAGE": "aws", "STORAGE": "sqlite"}, "STORAGE=dynamodb"),
        ({"STAGE": "aws", "STORAGE": "dynamodb", "FRONTEND_ORIGIN": "*"}, "not '*'"),
        ({"STORAGE": "postgres"}, "storage"),
        ({"PORT": "0"}, "port"),
        ({"AUTH_MODE": "open"}, "auth_mode"),
        ({"AWS_ENDPOINT_URL": "localhost:8642"}, r"aws_endpoint_url\n.*http\(s\) URL"),
        ({"EVENTS_ENDPOINT_URL": "ftp://127.0.0.1"}, r"events_endpoint_url\n.*http\(s\) URL"),
        ({"TABLE_NAME": "t"}, r"table_name\n.*3 to 255"),
        ({"TABLE_NAME": "my table"}, r"table_name\n.*3 to 255"),
    ],
)
def test_unsafe_or_unknown_configuration_refuses_to_load(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_an_endpoint_url_is_kept_as_given_and_an_empty_one_is_unset() -> None:
    settings = Settings(aws_endpoint_url="http://127.0.0.1:8642", events_endpoint_url="")
    assert settings.aws_endpoint_url == "http://127.0.0.1:8642"
    assert settings.events_endpoint_url is None
