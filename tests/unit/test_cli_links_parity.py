"""`shortstack links list` searches, filters and sorts as the links page does, and `update`
changes every field `PATCH /api/v1/links/{id}` changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shortstack.bootstrap import bootstrap
from shortstack.domain.visits import Visit
from shortstack.entrypoints.cli import main
from tests.conftest import settings_for
from tests.unit.test_cli_links import links, local_env  # noqa: F401 (a fixture)


def _click(data: Path, short_id: str, times: int) -> None:
    container = bootstrap(settings_for("sqlite", data))
    try:
        for _ in range(times):
            container.redirects.follow(short_id, Visit.from_headers(None, "curl/8", None))
    finally:
        container.close()


def _ids(out: str) -> list[str]:
    return [json.loads(line)["short_id"] for line in out.splitlines()]


def test_list_searches_filters_by_state_sorts_by_clicks_and_stops_at_a_limit(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    for alias, title in (("spring-sale", "Spring"), ("winter", "Winter SALE"), ("plain", "Other")):
        assert links(capsys, "create", f"https://example.com/{alias}", "--alias", alias,
                     "--title", title)[0] == 0  # fmt: skip
    assert links(capsys, "update", "plain", "--disable")[0] == 0
    _click(local_env, "winter", 3)
    _click(local_env, "spring-sale", 1)

    # The alias, the target or the title, any case; newest first.
    assert _ids(links(capsys, "--json", "list", "--search", "sale")[1]) == ["winter", "spring-sale"]
    assert _ids(links(capsys, "--json", "list", "--state", "disabled")[1]) == ["plain"]
    states = ("--state", "disabled", "--state", "active")
    assert len(_ids(links(capsys, "--json", "list", *states)[1])) == 3
    by_clicks = _ids(links(capsys, "--json", "list", "--sort", "clicks")[1])
    assert by_clicks == ["winter", "spring-sale", "plain"]
    assert _ids(links(capsys, "--json", "list", "--sort", "clicks", "--limit", "1")[1]) == [
        "winter"
    ]
    code, out, _ = links(capsys, "list", "--csv", "--search", "sale", "--sort", "clicks")
    assert code == 0
    assert [line.split(",")[0] for line in out.splitlines()] == [
        "short_id",
        "winter",
        "spring-sale",
    ]

    code, out, err = links(capsys, "list", "--search", "nothing-like-it")
    assert (code, out) == (0, "")
    assert "no links matching 'nothing-like-it'" in err
    for bad in (["--state", "gone"], ["--sort", "name"], ["--limit", "0"], ["--search", " "]):
        with pytest.raises(SystemExit) as refused:
            main(["links", "list", *bad])
        out, err = capsys.readouterr()
        assert (refused.value.code, out) == (2, ""), bad
        assert bad[0] in err


def test_update_changes_every_field_the_api_changes_and_clears_each(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert links(capsys, "create", "https://example.com/x", "--alias", "full")[0] == 0
    code, out, err = links(
        capsys, "--json", "update", "full",
        "--valid-since", "2026-01-01T00:00:00Z",
        "--fallback-url", "https://example.com/over",
        "--password", "open sesame",
        "--forward-query",
        "--rule", '{"url": "https://apps.apple.com/app", "device": "ios"}',
        "--variant", "https://example.com/a=60", "--variant", "https://example.com/b=40",
        "--preview-title", "Launch", "--preview-description", "All about it",
        "--preview-image", "https://example.com/card.png",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    shown = json.loads(out)
    assert shown["valid_since"] == "2026-01-01T00:00:00.000Z"
    assert (shown["fallback_url"], shown["password_protected"], shown["forward_query"]) == (
        "https://example.com/over",
        True,
        True,
    )
    assert [rule["device"] for rule in shown["rules"]] == ["ios"]
    assert [variant["weight"] for variant in shown["variants"]] == [60, 40]
    assert shown["preview"] == {
        "title": "Launch",
        "description": "All about it",
        "image_url": "https://example.com/card.png",
    }

    code, out, err = links(
        capsys, "--json", "update", "full",
        "--no-valid-since", "--fallback-url", "", "--no-password", "--no-forward-query",
        "--no-rules", "--no-variants", "--no-preview",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    shown = json.loads(out)
    assert (shown["valid_since"], shown["fallback_url"], shown["password_protected"]) == (
        None,
        None,
        False,
    )
    assert (shown["forward_query"], shown["rules"], shown["variants"], shown["preview"]) == (
        False,
        [],
        [],
        None,
    )

    # Refused as the API refuses, and nothing stored.
    for args, reason in (
        (["--password", "abc"], "password"),
        (["--rule", '{"url": "https://a.example"}'], "one condition"),
        (["--variant", "https://a.example"], "write URL=WEIGHT"),
        (["--preview-image", "javascript:alert(1)"], "scheme 'javascript' is not allowed"),
    ):
        code, out, err = links(capsys, "update", "full", *args)
        assert (code, out) == (1, ""), args
        assert reason in err, (args, err)
    assert json.loads(links(capsys, "--json", "show", "full")[1])["rules"] == []


def test_create_takes_a_preview(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = links(
        capsys, "--json", "create", "https://example.com/card", "--alias", "card",
        "--preview-title", "A card",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    assert json.loads(out)["preview"] == {"title": "A card", "description": None, "image_url": None}


def test_a_limit_beyond_any_count_lists_every_link(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert links(capsys, "create", "https://example.com/x", "--alias", "only")[0] == 0
    for limit in ("99999999999999999999", str(2**63)):
        code, out, _ = links(capsys, "--json", "list", "--limit", limit)
        assert code == 0
        assert _ids(out) == ["only"]


@pytest.mark.parametrize(
    "argv",
    [["--json", "list", "--csv"], ["list", "--csv", "--json"], ["stats", "x", "--csv", "--json"]],
)
def test_csv_and_json_together_are_refused_not_one_silently_dropped(
    local_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    code, out, err = links(capsys, *argv)
    assert (code, out) == (2, "")
    assert "--csv" in err
    assert "--json" in err
