"""Other shorteners' CSV exports, told apart by their header rows (pure domain, no stores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shortstack.domain.errors import InvalidInput
from shortstack.domain.import_csv import RawRow, open_rows
from shortstack.domain.import_formats import (
    ImportFormat,
    code_of_short_url,
    parse_count,
    split_tags,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"


def rows_of(data: bytes) -> tuple[ImportFormat, list[RawRow]]:
    found, rows = open_rows(data)
    return found, [row for row in rows if isinstance(row, RawRow)]


@pytest.mark.parametrize(
    ("name", "expected", "first"),
    [
        (
            "yourls.csv",
            ImportFormat.YOURLS,
            ("spring", "https://example.com/spring-sale", "Spring sale, 20% off", None, "1523"),
        ),
        (
            "bitly.csv",
            ImportFormat.BITLY,
            (
                "spring",
                "https://example.com/spring?utm_source=bitly",
                "Spring campaign",
                "Marketing, Q1 Launch",
                "2048",
            ),
        ),
        (
            "shlink.csv",
            ImportFormat.SHLINK,
            ("launch", "https://example.com/launch", "Launch day", "product|launch", "3120"),
        ),
        (
            "kutt.csv",
            ImportFormat.KUTT,
            ("newsletter", "https://example.com/newsletter", "Newsletter sign-up", None, "1,234"),
        ),
    ],
)
def test_each_sample_export_is_recognised_by_its_header(
    name: str, expected: ImportFormat, first: tuple[str | None, ...]
) -> None:
    found, rows = rows_of((FIXTURES / name).read_bytes())
    assert found is expected
    row = rows[0]
    assert (row.alias, row.url, row.title, row.tags, row.clicks) == first
    assert row.row == 2  # the header is line 1
    assert all(row.source is expected for row in rows)


def test_bitly_falls_back_to_the_generated_bitlink_when_no_custom_link_is_set() -> None:
    _, rows = rows_of((FIXTURES / "bitly.csv").read_bytes())
    assert [row.alias for row in rows] == ["spring", "4kLmNo2", "status", "5pQrSt3"]


@pytest.mark.parametrize(
    ("header", "line", "expected"),
    [
        # Bitly's API field names (long_url, link, custom_bitlinks), as API-based exports write.
        (
            "id,link,long_url,title,created_at,custom_bitlinks,tags",
            "bit.ly/abc1234,https://bit.ly/abc1234,https://example.com/x,T,2020-01-01,,",
            (ImportFormat.BITLY, "abc1234", "https://example.com/x"),
        ),
        # Shlink's own CSV import columns.
        (
            "Long URL,Short code,Domain,Title,Tags",
            "https://example.com/y,my-code,,Y,a|b",
            (ImportFormat.SHLINK, "my-code", "https://example.com/y"),
        ),
        # An older Shlink web client: no shortCode column, the code is in shortUrl.
        (
            "createdAt,shortUrl,longUrl,title,tags,visits",
            "2020-01-01,https://s.example/old-code,https://example.com/z,,,3",
            (ImportFormat.SHLINK, "old-code", "https://example.com/z"),
        ),
        (
            "keyword,url",
            "kw1,https://example.com/k",
            (ImportFormat.YOURLS, "kw1", "https://example.com/k"),
        ),
        (
            "url,title,tags,alias",
            "https://example.com/n,Native,x|y,native-alias",
            (ImportFormat.SHORTSTACK, "native-alias", "https://example.com/n"),
        ),
        (
            "https://example.com/no-header,plain",
            "https://example.com/second,",
            (ImportFormat.SHORTSTACK, "plain", "https://example.com/no-header"),
        ),
    ],
)
def test_header_variants_each_tool_has_written(
    header: str, line: str, expected: tuple[ImportFormat, str, str]
) -> None:
    found, rows = rows_of(f"{header}\n{line}\n".encode())
    assert (found, rows[0].alias, rows[0].url) == expected


def test_a_header_of_our_own_columns_with_an_unknown_one_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput, match="unknown column 'colour'"):
        open_rows(b"url,colour\nhttps://example.com/,red\n")


def test_an_export_row_with_more_cells_than_its_header_is_a_row_error() -> None:
    _, rows = open_rows(b"keyword,url\nk1,https://example.com/,extra\n")
    [error] = list(rows)
    assert not isinstance(error, RawRow)
    assert (error.row, error.reason) == (2, "expected at most 2 columns, found 3")


@pytest.mark.parametrize(
    ("short_url", "code"),
    [
        ("https://bit.ly/abc", "abc"),
        ("bit.ly/abc", "abc"),
        ("abc", "abc"),
        ("https://s.example/abc/", "abc"),
        ("https://s.example/abc?x=1", "abc"),
        ("https://s.example/a/b", "a/b"),
        ("https://s.example/", ""),
    ],
)
def test_the_code_is_the_path_of_a_short_url(short_url: str, code: str) -> None:
    assert code_of_short_url(short_url) == code


def test_tags_split_on_bars_and_commas_and_counts_accept_thousands_separators() -> None:
    assert split_tags("Marketing, Q1 Launch|x") == ["Marketing", "Q1-Launch", "x"]
    assert split_tags(" | ") == []
    assert [parse_count(c) for c in ("1234", "1,234", "1 234", "-3", "1.5", "١٢")] == [
        1234,
        1234,
        1234,
        None,
        None,
        None,
    ]
