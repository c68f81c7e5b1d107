"""/docs, /redoc and / reference nothing on another host, and carry the strict CSP.

The browser test (tests/e2e/test_browser.py) loads the same pages in chromium and fails
on any request that leaves the origin; this one reads every file those pages name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from shortstack.entrypoints.http.docs import REDOC_LOGO_URL

# src="..." and href="..." in the HTML, url(...) in stylesheets.
_REFERENCES = re.compile(r"""(?:src|href|spec-url|data-openapi-url)="([^"]*)"|url\(([^)]*)\)""")


def references(text: str) -> list[str]:
    return [a or b.strip("'\"") for a, b in _REFERENCES.findall(text)]


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/"])
def test_a_page_and_its_files_name_only_this_origin(client: Any, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    for reference in references(page.text):
        assert reference.startswith(("/", "#", "data:")), (path, reference)
        if reference.startswith("/") and not reference.startswith("/openapi.json"):
            asset = client.get(reference)
            assert asset.status_code == 200, reference
            if reference.endswith(".css"):
                for inner in references(asset.text):
                    assert inner.startswith(("data:", "#")) or "//" not in inner, inner


def test_docs_pages_have_no_inline_script(client: Any) -> None:
    for path in ("/docs", "/redoc"):
        text = client.get(path).text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) is None, path


def test_redoc_is_served_without_its_cdn_logo(client: Any) -> None:
    script = client.get("/docs/static/redoc.standalone.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert REDOC_LOGO_URL.decode() not in script.text
    assert "/docs/static/favicon.svg" in script.text


def test_an_unknown_docs_file_is_a_json_404(client: Any) -> None:
    response = client.get("/docs/static/..%2Fsecrets")
    assert response.status_code == 404
    assert response.json()["message"]


@pytest.mark.parametrize(("path", "other"), [("/docs", "/redoc"), ("/redoc", "/docs")])
def test_each_docs_page_links_back_to_the_app_and_to_the_other_view(
    client: Any, path: str, other: str
) -> None:
    page = client.get(path).text
    nav = re.search(r'<nav class="docs-nav"[^>]*>(.*?)</nav>', page, re.S)
    assert nav is not None, path
    links = dict(re.findall(r'<a[^>]*href="([^"]*)"[^>]*>([^<]*)</a>', nav.group(1)))
    assert links["/"].endswith("shortstack app")
    assert other in links
    assert f'href="{path}" aria-current="page"' in nav.group(1)
    assert client.get("/").headers["content-type"].startswith("text/html")
