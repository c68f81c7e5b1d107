"""The HTML pages of short links: each case named, values escaped, no-store and a strict CSP."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from shortstack.domain.link_options import Preview
from shortstack.entrypoints.redirect_pages import (
    Page,
    gone_page,
    not_found_page,
    password_page,
    preview_page,
    too_many_attempts_page,
    unsupported_coding_page,
)


class Collected(HTMLParser):
    """The meta tags, forms, inputs and inline styles of a page, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.forms: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.scripts = 0
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            self.meta[str(values.get("property") or values.get("name"))] = str(values["content"])
        self.forms += [values] if tag == "form" else []
        self.inputs += [values] if tag == "input" else []
        self.scripts += tag == "script"
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
            self._in_style = False


def parsed(page: Page) -> Collected:
    collected = Collected()
    collected.feed(page.body.decode())
    return collected


def check_headers(page: Page) -> str:
    headers = dict(page.headers)
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    # The page's one inline style is exactly the one the policy allows.
    [style] = parsed(page).styles
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert parsed(page).scripts == 0
    return policy


@pytest.mark.parametrize(
    ("page", "status", "heading"),
    [
        (not_found_page(), 404, "No link here"),
        (not_found_page(not_yet_valid=True), 404, "not active yet"),
        (gone_page("link is disabled"), 410, "turned off"),
        (gone_page("link has expired"), 410, "expired"),
        (gone_page("link has reached its visit limit"), 410, "used up"),
        (gone_page("link is changing; try again"), 410, "no longer available"),
        (too_many_attempts_page(61, "/abc1234"), 429, "Try again in 2 minutes"),
        (unsupported_coding_page("Content-Encoding gzip", "/abc1234"), 415, "could not be read"),
    ],
)
def test_each_case_has_its_page(page: Page, status: int, heading: str) -> None:
    assert page.status == status
    assert heading in page.body.decode()
    assert "form-action 'none'" in check_headers(page)


def test_the_password_form_posts_only_the_password_where_it_is_told() -> None:
    page = password_page('/abc"1234')
    assert page.status == 200
    policy = check_headers(page)
    assert "form-action 'self' https: http:" in policy
    collected = parsed(page)
    assert [(form["method"], form["action"]) for form in collected.forms] == [("post", '/abc"1234')]
    assert [(field["name"], field["type"]) for field in collected.inputs] == [
        ("password", "password")
    ]
    assert "not right" not in page.body.decode()


def test_a_wrong_password_is_a_401_with_the_form_again() -> None:
    page = password_page("/abc1234", wrong=True)
    assert page.status == 401
    assert "That password is not right." in page.body.decode()
    assert len(parsed(page).forms) == 1


@pytest.mark.parametrize(
    "page",
    [
        too_many_attempts_page(900, '/abc"<1234'),
        unsupported_coding_page("Content-Encoding <gzip>", '/abc"<1234'),
    ],
)
def test_the_429_and_415_pages_lead_back_to_the_form_escaped(page: Page) -> None:
    body = page.body.decode()
    assert '<p><a href="/abc&quot;&lt;1234">Back to the password form</a></p>' in body
    assert "<gzip>" not in body
    assert parsed(page).forms == []


def test_the_preview_page_carries_open_graph_and_twitter_card_tags_escaped() -> None:
    preview = Preview('Big "launch" <script>', "Tom & Jerry's", "https://img.example/a.png?x=1&y=2")
    page = preview_page(preview, "https://sho.rt/abc1234")
    assert page.status == 200
    check_headers(page)
    meta = parsed(page).meta
    assert meta == {
        "viewport": "width=device-width,initial-scale=1",
        "robots": "noindex",
        "og:type": "website",
        "og:url": "https://sho.rt/abc1234",
        "twitter:card": "summary_large_image",
        "og:title": 'Big "launch" <script>',
        "twitter:title": 'Big "launch" <script>',
        "og:description": "Tom & Jerry's",
        "twitter:description": "Tom & Jerry's",
        "og:image": "https://img.example/a.png?x=1&y=2",
        "twitter:image": "https://img.example/a.png?x=1&y=2",
    }
    assert "<script>" not in page.body.decode()


def test_a_preview_without_an_image_is_a_summary_card() -> None:
    meta = parsed(preview_page(Preview(title="Only a title"), "https://sho.rt/x")).meta
    assert meta["twitter:card"] == "summary"
    assert "og:image" not in meta
    assert "og:description" not in meta


def test_pages_never_show_a_target_url() -> None:
    for page in (password_page("/abc1234"), gone_page("link has expired"), not_found_page()):
        assert not re.search(r"https?://", page.body.decode())
