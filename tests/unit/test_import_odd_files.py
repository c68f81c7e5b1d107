"""Bulk import: files as spreadsheets and editors really save them (found by the outsider pass).

A file whose rows cannot be read as we read them must never load a link that differs
from what its row says: it is refused whole (a 422 naming the problem), or the row is
an error. A link with the wrong URL or a cut title is worse than no link.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.errors import InvalidCursor, InvalidInput
from shortstack.domain.imports import ImportStatus
from shortstack.domain.pagination import encode_cursor
from tests.conftest import settings_for


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(settings_for("sqlite", tmp_path))
    yield built
    built.close()


@pytest.mark.parametrize(
    ("data", "separator"),
    [
        # Excel in a locale whose decimal mark is a comma saves "CSV" with semicolons.
        (b"url;alias\r\nhttps://example.com/a;promo-a\r\n", "semicolons"),
        (b"url\talias\nhttps://example.com/a\tpromo-a\n", "tabs"),
        ("\ufeffurl;alias;title\r\nhttps://example.com/a;promo-a;Sale\r\n".encode(), "semicolons"),
    ],
)
def test_a_file_separated_by_something_else_than_commas_is_refused_whole(
    container: Container, data: bytes, separator: str
) -> None:
    # Read as one column, "https://example.com/a;promo-a" is a valid URL: every row would
    # load a link to the wrong address, without its alias.
    with pytest.raises(InvalidInput, match=separator):
        container.imports.submit("local", data, "links.csv")
    assert container.links.list("local", tag=None, limit=10, cursor=None).items == []


def test_a_cell_with_a_line_break_costs_its_row_instead_of_loading_a_cut_title(
    container: Container,
) -> None:
    data = (
        b"url,alias,title\r\n"
        b'https://example.com/a,promo-a,"Winter\r\n'  # line 2: the title goes on ...
        b'sale"\r\n'  # line 3: ... here
        b"https://example.com/b,promo-b,Spring\r\n"  # line 4: fine
        b'https://example.com/c,promo-c,"never closed\r\n'  # line 5: a stray quote
    )
    job = container.imports.submit("local", data, "links.csv")
    done = container.imports.get("local", job.import_id)
    _, page = container.imports.status("local", job.import_id, limit=100, cursor=None)
    reasons = {error.row: error.reason for error in page.items}
    assert set(reasons) == {2, 3, 5}, reasons
    assert "line break" in reasons[2]
    assert "line break" in reasons[5]
    links = container.links.list("local", tag=None, limit=10, cursor=None).items
    assert [(link.short_id, link.title) for link in links] == [("promo-b", "Spring")]
    assert done.status is ImportStatus.PARTIALLY_SUCCEEDED


def test_a_space_after_a_closing_quote_still_reads_its_row_and_its_header(
    container: Container,
) -> None:
    # Only a quote left open at the end of its line is a cell with a line break: a closed
    # quoted cell followed by a space (as hand-edited files have) reads as it always did.
    data = (
        b'"url" ,alias,title\r\n'  # line 1: the header
        b'https://example.com/a,promo-a,"Sale" \r\n'  # line 2
        b'https://example.com/b,promo-b,"Spring"\r\n'  # line 3
    )
    job = container.imports.submit("local", data, "links.csv")
    done = container.imports.get("local", job.import_id)
    _, page = container.imports.status("local", job.import_id, limit=100, cursor=None)
    assert [(error.row, error.reason) for error in page.items] == []
    assert done.status is ImportStatus.SUCCEEDED
    links = container.links.list("local", tag=None, limit=10, cursor=None).items
    assert sorted((link.short_id, link.title) for link in links) == [
        ("promo-a", "Sale"),
        ("promo-b", "Spring"),
    ]


@pytest.mark.parametrize(
    "ttl", ["\u00b2", "\u2460", "\u0663"]
)  # superscript 2, circled 1, Arabic 3
def test_a_ttl_of_digits_python_reads_as_digits_but_not_as_a_number_costs_only_its_row(
    container: Container, ttl: str
) -> None:
    data = (
        f"url,alias,ttl_days\nhttps://example.com/a,odd-ttl,{ttl}\nhttps://example.com/b,good,7\n"
    )
    job = container.imports.submit("local", data.encode(), "links.csv")
    done = container.imports.get("local", job.import_id)
    assert (done.status, done.error) == (ImportStatus.PARTIALLY_SUCCEEDED, None)
    _, page = container.imports.status("local", job.import_id, limit=100, cursor=None)
    [error] = page.items
    assert (error.row, error.reason) == (2, "ttl_days must be a whole number 1-3650")
    assert [
        link.short_id
        for link in container.links.list("local", tag=None, limit=10, cursor=None).items
    ] == ["good"]


def test_a_cursor_whose_row_is_a_digit_python_cannot_read_is_refused_not_a_500(
    container: Container,
) -> None:
    job = container.imports.submit("local", b"https://example.com/a\n", "links.csv")
    # encode_cursor's shape with a row of "²": str.isdigit says yes, int() says no.
    with pytest.raises(InvalidCursor):
        container.imports.status(
            "local", job.import_id, limit=10, cursor=encode_cursor({"r": "\u00b2"})
        )


@pytest.mark.parametrize(
    ("typed", "browsers_go_to"),
    [
        # UTS #46 without the transitional mappings, as browsers resolve hosts today:
        # straße.de and strasse.de are two domains (DENIC registers both since 2010).
        ("https://straße.de/", "https://xn--strae-oqa.de/"),
        ("https://STRASSE.de/x", "https://strasse.de/x"),
        ("https://\u03c3\u03bf\u03c6\u03bf\u03c2.gr/", "https://xn--0xaajbq.gr/"),  # final sigma
        ("https://\u03a3\u039f\u03a6\u039f\u03a3.gr/", "https://xn--0xaakcn.gr/"),  # capitals
        ("https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com/", "https://example.com/"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
    ],
)
def test_an_imported_host_is_stored_as_the_host_a_browser_would_visit(
    container: Container, typed: str, browsers_go_to: str
) -> None:
    # The IDNA 2003 codec maps sharp s to ss and final sigma to sigma: the link would send
    # its visitors to
    # another domain than the one in the file, which may belong to someone else.
    data = f"url,alias\n{typed},idn-row\n".encode()
    container.imports.submit("local", data, "links.csv")
    assert container.links.get("local", "idn-row").url == browsers_go_to
