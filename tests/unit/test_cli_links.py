"""`shortstack links` on a local SQLite store: the API's rules, from a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shortstack.bootstrap import bootstrap
from shortstack.domain.auth import LOCAL_USER
from shortstack.domain.visits import Visit
from shortstack.entrypoints.cli import main
from shortstack.service_layer.redirects import Redirect
from tests.conftest import settings_for

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148 Safari/604.1"


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    return tmp_path


def links(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["links", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_link_made_here_has_every_option_and_redirects_by_its_rules(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = links(
        capsys,
        "--json",
        "create",
        "https://example.com/launch",
        "--alias", "launch",
        "--title", "Launch",
        "--tag", "News", "--tag", "ios",
        "--max-visits", "100",
        "--redirect-status", "307",
        "--forward-query",
        "--fallback-url", "https://example.com/over",
        "--rule", '{"url": "https://apps.apple.com/app", "device": "ios"}',
        "--variant", "https://example.com/b?x=1=30",
        "--variant", "https://example.com/c=70",
    )  # fmt: skip
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert shown["short_id"] == "launch"
    assert shown["tags"] == ["news", "ios"]
    assert (shown["max_visits"], shown["redirect_status"], shown["forward_query"]) == (
        100,
        307,
        True,
    )
    assert [v["url"] for v in shown["variants"]] == [
        "https://example.com/b?x=1",
        "https://example.com/c",
    ]

    # Stored for the local server: its redirect follows the rule for an iPhone.
    container = bootstrap(settings_for("sqlite", local_env))
    try:
        answer = container.redirects.follow("launch", Visit.from_headers(None, IPHONE, None))
        assert isinstance(answer, Redirect)
        assert answer.location == "https://apps.apple.com/app"
        assert container.links.get(LOCAL_USER, "launch").title == "Launch"
    finally:
        container.close()


def test_list_show_and_delete(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for alias, tag in (("first", "a"), ("second", "b")):
        assert (
            links(capsys, "create", f"https://example.com/{alias}", "--alias", alias, "--tag", tag)[
                0
            ]
            == 0
        )
    code, out, _ = links(capsys, "list")
    assert code == 0
    assert [line.split()[0].rsplit("/", 1)[1] for line in out.splitlines()] == ["second", "first"]
    assert "https://example.com/second" in out
    assert "[active, 0 clicks]" in out
    code, out, _ = links(capsys, "--json", "list", "--tag", "a")
    assert [json.loads(line)["short_id"] for line in out.splitlines()] == ["first"]
    assert (
        json.loads(links(capsys, "--json", "show", "first")[1])["url"]
        == "https://example.com/first"
    )
    assert links(capsys, "delete", "first")[0] == 0
    code, _, err = links(capsys, "show", "first")
    assert code == 1
    assert "'first' not found" in err


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["ftp://example.com/x"], "scheme 'ftp' is not allowed"),
        (["https://example.com", "--alias", "a b"], "alias"),
        (["https://example.com", "--max-visits", "0"], "max_visits"),
        (["https://example.com", "--password", "abc"], "password"),
        (["https://example.com", "--rule", "{not json"], "--rule '{not json' is not JSON"),
        (["https://example.com", "--rule", '{"url": "https://a.io", "device": "tv"}'], "device"),
        (["https://example.com", "--rule", '{"url": "https://a.example"}'], "one condition"),
        (["https://example.com", "--variant", "https://a.example"], "write URL=WEIGHT"),
        # str.isdigit takes a superscript two; int() does not (it said "invalid literal").
        (["https://example.com", "--variant", "https://a.example=\u00b2"], "write URL=WEIGHT"),
        (["https://example.com", "--variant", "https://a.example=500", "--variant", "https://b.example=1"],
         "weight"),
        (["https://example.com", "--expires-at", "tomorrow"], "expires_at"),
    ],
)  # fmt: skip
def test_a_refused_link_says_why_in_one_line_and_stores_nothing(
    local_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], reason: str
) -> None:
    code, out, err = links(capsys, "create", *args)
    assert code == 1
    assert out == ""
    message = err.strip().splitlines()[-1]
    assert message.startswith("shortstack: ")
    assert reason in message, err
    assert links(capsys, "list")[1] == ""


def test_a_taken_alias_is_refused(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert links(capsys, "create", "https://example.com/1", "--alias", "taken")[0] == 0
    code, _, err = links(capsys, "create", "https://example.com/2", "--alias", "taken")
    assert code == 1
    assert "'taken' is already taken" in err


def test_a_missing_data_directory_is_refused_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("STORAGE", "sqlite")
    monkeypatch.setenv("DATA_DIR", str(missing))
    code, _, err = links(capsys, "list")
    assert code == 2
    assert "no data directory" in err
    assert not missing.exists()


def test_update_changes_only_the_options_given_and_refuses_as_the_api_does(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = ("create", "https://example.com/a", "--alias", "edited", "--title", "Old", "--tag", "x")
    assert links(capsys, *made)[0] == 0
    code, out, err = links(
        capsys,
        "--json",
        "update",
        "edited",
        "--title",
        "Ünïcode ☃",
        "--disable",
        "--max-visits",
        "5",
    )
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert (shown["title"], shown["is_active"], shown["max_visits"]) == ("Ünïcode ☃", False, 5)
    assert (shown["url"], shown["tags"]) == ("https://example.com/a", ["x"])  # untouched
    code, out, _ = links(
        capsys,
        "--json",
        "update",
        "edited",
        "--enable",
        "--title", "",
        "--tag", "",
        "--never-expires",
        "--no-max-visits",
        "--url", "https://example.org/moved",
        "--redirect-status", "308",
    )  # fmt: skip
    shown = json.loads(out)
    assert (shown["is_active"], shown["title"], shown["tags"]) == (True, None, [])
    assert (shown["expires_at"], shown["max_visits"]) == (None, None)
    assert (shown["url"], shown["redirect_status"]) == ("https://example.org/moved", 308)

    for args, reason in (
        ([], "nothing to change"),
        (["--url", "javascript:alert(1)"], "scheme 'javascript' is not allowed"),
        (["--expires-at", "2020-01-01T00:00:00Z"], "expires_at must be in the future"),
        (["--max-visits", "0"], "max_visits"),
    ):
        code, out, err = links(capsys, "update", "edited", *args)
        assert (code, out) == (1, ""), args
        assert reason in err
        assert err.count("\n") == 2  # where the data is, then the one line saying why
    code, _, err = links(capsys, "update", "missing", "--enable")
    assert code == 1
    assert "short link 'missing' not found" in err


def test_stats_give_the_days_and_top_values_as_lines_json_or_csv(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    assert links(capsys, "create", "https://example.com/s", "--alias", "counted")[0] == 0
    container = bootstrap(settings_for("sqlite", local_env))
    try:
        for _ in range(3):
            visit = Visit.from_headers("https://news.example.org/post", IPHONE, None)
            assert isinstance(container.redirects.follow("counted", visit), Redirect)
    finally:
        container.close()

    code, out, _ = links(capsys, "--json", "stats", "counted")
    assert code == 0
    report = json.loads(out)
    assert report["short_id"] == "counted"
    assert len(report["days"]) == 30  # the API's default range
    assert report["clicks"] == 3
    assert report["referrers"] == [{"value": "news.example.org", "clicks": 3}]

    code, out, _ = links(capsys, "stats", "counted")
    assert code == 0
    assert out.startswith(f"counted  {report['from']} to {report['to']} (UTC)  3 clicks")
    assert "referrers: news.example.org 3" in out

    code, out, _ = links(capsys, "stats", "counted", "--csv", "--from", report["to"])
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"dimension": "all", "value": "", "clicks": "3"}.items() <= rows[0].items()

    code, out, _ = links(capsys, "--json", "stats", "counted", "--tz", "Pacific/Kiritimati")
    zoned = json.loads(out)
    assert (code, zoned["time_zone"], zoned["clicks"]) == (0, "Pacific/Kiritimati", 3)
    code, out, _ = links(capsys, "stats", "counted", "--tz", "Asia/Tokyo")
    assert "(Asia/Tokyo)  3 clicks" in out.splitlines()[0]

    for args, reason in (
        (["--from", "2026-12-05", "--to", "2026-12-01"], "from must not be after to"),
        (["--from", "2020-01-01", "--to", "2026-12-01"], "at most 366 days"),
        (["--tz", "Mars/Olympus"], "tz must be an IANA time zone name"),
    ):
        code, out, err = links(capsys, "stats", "counted", *args)
        assert (code, out) == (1, "")
        assert reason in err
    with pytest.raises(SystemExit) as refused:
        main(["links", "stats", "counted", "--from", "86400"])  # only YYYY-MM-DD, as the API
    assert refused.value.code == 2
    assert "not a day like 2026-12-31: '86400'" in capsys.readouterr().err


def test_list_as_csv_is_the_export_of_every_link(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    for n in range(105):  # more than one page of the store's listing
        alias = f"row-{n:03d}"
        assert links(capsys, "create", f"https://example.com/{n}", "--alias", alias)[0] == 0
    assert links(capsys, "create", "https://example.com/=1+1", "--title", "=SUM(A1)")[0] == 0
    code, out, _ = links(capsys, "list", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 106
    assert rows[0]["title"] == "'=SUM(A1)"  # a formula defused, as in the API's export
    assert rows[-1]["short_id"] == "row-000"
    assert out.count("short_id,short_url,url") == 1


def test_an_empty_listing_says_so_to_a_person_and_nothing_to_a_script(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = links(capsys, "list", "--tag", "none-here")
    assert (code, out) == (0, "")
    assert "shortstack: no links tagged 'none-here' (owner 'local')" in err
    code, out, err = links(capsys, "--json", "list")
    assert (code, out, err) == (0, "", "")


def test_show_prints_every_field_the_link_has(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`list` is one line a link; `show` is the one place a terminal user sees a link whole."""
    options = {
        "--title": "Launch day", "--max-visits": "100", "--redirect-status": "307",
        "--password": "open sesame", "--valid-since": "2026-01-01T00:00:00Z",
        "--fallback-url": "https://example.com/over", "--expires-at": "2030-01-01T00:00:00Z",
    }  # fmt: skip
    rules = [
        '{"url": "https://apps.apple.com/app", "device": "ios", "country": "NZ"}',
        '{"url": "https://example.com/de", "language": "de", "query": {"ref": "mail"}}',
    ]
    args = ["create", "https://example.com/launch", "--alias", "launch", "--forward-query"]
    args += [part for pair in options.items() for part in pair]
    args += [part for rule in rules for part in ("--rule", rule)]
    args += ["--tag", "news", "--tag", "ios"]
    args += ["--variant", "https://example.com/a=70", "--variant", "https://example.com/b=30"]
    assert links(capsys, *args)[0] == 0
    code, out, err = links(capsys, "show", "launch")
    assert (code, err.count("\n")) == (0, 1)  # only the "data in ..." line
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0].endswith("/launch  ->  https://example.com/launch")
    for expected in (
        "state: active",
        "title: Launch day",
        "tags: news, ios",
        "clicks: 0 of 100 (0 from bots)",
        "redirect: 307, query forwarded",
        "expires: 2030-01-01T00:00:00.000Z",
        "valid since: 2026-01-01T00:00:00.000Z",
        "fallback: https://example.com/over",
        "password: set",
        "rule 1: device ios, country NZ -> https://apps.apple.com/app",
        "rule 2: language de, query ref=mail -> https://example.com/de",
        "variant: 70 https://example.com/a",
        "variant: 30 https://example.com/b",
    ):
        assert any(" ".join(line.split()) == expected for line in lines), (expected, out)
    assert any(line.startswith("created:") for line in lines)
    assert "open sesame" not in out

    # A plain link shows no empty fields.
    assert links(capsys, "create", "https://example.com/plain", "--alias", "plain")[0] == 0
    _, out, _ = links(capsys, "show", "plain")
    names = [line.split(":", 1)[0].strip() for line in out.splitlines()[1:]]
    assert names == ["state", "clicks", "redirect", "created", "updated", "expires"]


def test_update_of_one_preview_field_keeps_the_card_s_others(
    local_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = (
        "create", "https://example.com/story", "--alias", "card",
        "--preview-title", "Title", "--preview-description", "About",
        "--preview-image", "https://example.com/card.png",
    )  # fmt: skip
    assert links(capsys, *made)[0] == 0
    code, out, _ = links(capsys, "--json", "update", "card", "--preview-title", "New title")
    assert code == 0
    assert json.loads(out)["preview"] == {
        "title": "New title",
        "description": "About",
        "image_url": "https://example.com/card.png",
    }


@pytest.mark.parametrize(
    "given", [["--preview-title", "T"], ["--preview-description", "D"], ["--preview-image", "x"]]
)
def test_no_preview_with_a_preview_field_is_refused_and_changes_nothing(
    local_env: Path, capsys: pytest.CaptureFixture[str], given: list[str]
) -> None:
    made = ("create", "https://example.com/story", "--alias", "card", "--preview-title", "Kept")
    assert links(capsys, *made)[0] == 0
    with pytest.raises(SystemExit) as refused:
        links(capsys, "update", "card", "--no-preview", *given)
    assert refused.value.code == 2
    assert "--no-preview" in capsys.readouterr().err
    _, out, _ = links(capsys, "--json", "show", "card")
    assert json.loads(out)["preview"]["title"] == "Kept"
