"""The web frontend in a real browser (Debian's chromium, driven by Playwright) on the real server.

Chromium comes from Debian (`make test` installs it when it can; docs/decisions/0500).
Without it these tests are skipped with the reason printed, never silently.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.server import Server, call, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="BROWSER TESTS SKIPPED: no chromium (apt-get install chromium; make test does it)",
    ),
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A shared two-core CI machine can take a few seconds to answer; expect() polls until then.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Watched:
    """A page plus what it did that it must not: CSP violations, errors, other origins."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", lambda r: self._request(r, origin))

    def _console(self, message: Any) -> None:
        text = message.text
        # 4xx answers the page shows to the person (422 field errors, 409 alias taken) are
        # logged by the browser as failed loads: expected. Anything else is a problem.
        expected = "the server responded with a status of 4" in text
        if "Content Security Policy" in text or (message.type == "error" and not expected):
            self.problems.append(f"console {message.type}: {text}")

    def _request(self, request: Any, origin: str) -> None:
        if not request.url.startswith((origin, "data:")):
            self.problems.append(f"request to another origin: {request.url}")


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Watched]:
    context = browser.new_context()
    watched = Watched(context.new_page(), server.base_url)
    yield watched
    context.close()
    assert watched.problems == []


def test_shorten_shows_the_short_url_a_copy_button_and_a_qr_code(
    page: Watched, server: Server
) -> None:
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").fill("https://example.com/launch")
    p.get_by_label("Alias").fill("launch-day")
    p.get_by_test_id("shorten-submit").click()
    short = p.get_by_test_id("short-url")
    # expect() retries until the text arrives: the element may exist before the answer does.
    expect(short).to_have_text(f"{server.base_url}/launch-day")
    assert p.get_by_test_id("copy-short-url").is_visible()
    assert p.get_by_test_id("qr-code").count() == 1
    assert call(server, "GET", "/api/v1/links/launch-day")[2]["url"] == "https://example.com/launch"
    # An alias taken: the API's 409 message, shown to the person.
    p.get_by_test_id("shorten-url").fill("https://example.com/other")
    p.get_by_label("Alias").fill("launch-day")
    p.get_by_test_id("shorten-submit").click()
    expect(p.get_by_role("alert")).to_contain_text("already taken")


def test_keyboard_only_shortening(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").wait_for()
    p.keyboard.type("https://example.com/typed")  # the URL field has focus on arrival
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("short-url")).to_have_text(re.compile("^" + re.escape(server.base_url)))


def test_links_list_disable_stats_and_delete(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").fill("https://example.com/listed")
    p.get_by_label("Alias").fill("listed-1")
    p.get_by_test_id("shorten-submit").click()
    p.get_by_test_id("short-url").wait_for()
    assert call(server, "GET", "/listed-1", headers={"referer": "https://t.co/x"})[0] == 302
    p.goto(f"{server.base_url}/#/links")
    table = p.get_by_test_id("links-table")
    row = table.locator("tr", has_text="listed-1")
    assert "active" in row.inner_text(timeout=5000)
    row.get_by_role("button", name="Disable").click()
    # expect() polls from Playwright's own world: the page's CSP forbids eval, so no
    # wait_for_function (which would evaluate a string in the page).
    expect(p.get_by_test_id("links-table").locator("tr", has_text="listed-1")).to_contain_text(
        "disabled"
    )
    assert call(server, "GET", "/api/v1/links/listed-1")[2]["is_active"] is False
    row = p.get_by_test_id("links-table").locator("tr", has_text="listed-1")
    row.get_by_role("link", name="Stats").click()
    stats = p.get_by_test_id("stats")
    stats.wait_for(timeout=5000)
    assert p.get_by_test_id("clicks-chart").count() == 1
    p.goto(f"{server.base_url}/#/links")
    p.once("dialog", lambda dialog: dialog.accept())
    p.get_by_test_id("links-table").locator("tr", has_text="listed-1").get_by_role(
        "button", name="Delete"
    ).click()
    expect(p.get_by_test_id("links-table").locator("tr", has_text="listed-1")).to_have_count(0)


def test_items_show_field_errors_create_edit_filter_and_paginate(
    page: Watched, server: Server
) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/items")
    form = p.get_by_test_id("item-form")
    form.get_by_label("Name").fill("Lamp")
    form.get_by_label("Price").fill("-5")
    form.get_by_label("Category", exact=True).fill("home")
    form.get_by_role("button", name="Add item").click()
    price_error = form.locator("#" + form.get_by_label("Price").get_attribute("id") + "-error")
    expect(price_error).to_contain_text("greater than")
    expect(form.get_by_label("Price")).to_have_attribute("aria-invalid", "true")
    for n in range(12):
        form.get_by_label("Name").fill(f"Item {n:02d}")
        form.get_by_label("Price").fill(f"{n + 1}.50")
        form.get_by_label("Category", exact=True).fill("books" if n % 2 else "toys")
        form.get_by_role("button", name="Add item").click()
        p.get_by_test_id("items-table").locator("td", has_text=f"Item {n:02d}").wait_for()
    table = p.get_by_test_id("items-table")
    assert table.locator("tbody tr").count() == 10
    p.get_by_test_id("next-page").click()
    # expect(), not wait_for_function: the page's CSP forbids evaluating a string in it.
    expect(table.locator("tbody tr")).to_have_count(2)
    p.get_by_test_id("category-filter").fill("books")
    p.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(6)  # the odd-numbered items
    expect(table.locator("tbody tr", has_not_text="books")).to_have_count(0)
    row = p.get_by_test_id("items-table").locator("tr", has_text="books").first
    row.get_by_role("button", name="Edit").click()
    form.get_by_label("Name").fill("Renamed book")
    form.get_by_role("button", name="Save item").click()
    p.get_by_test_id("items-table").locator("td", has_text="Renamed book").wait_for()


def test_phone_width_has_no_horizontal_scroll(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    p = context.new_page()
    for route in ("/", "/#/links", "/#/items", "/#/users"):
        p.goto(f"{server.base_url}{route}")
        p.wait_for_timeout(200)
        overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (route, overflow)
    context.close()


def test_the_page_is_served_with_a_strict_csp(server: Server) -> None:
    policy = call(server, "GET", "/")[1]["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def screenshot(page: Any, name: str) -> None:
    """A full-page picture under test-results/screenshots/, for a reviewer to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_api_docs_render_offline_under_the_strict_csp(page: Watched, server: Server) -> None:
    # Watched fails the test on any request to another origin and on any CSP report.
    p = page.page
    p.goto(f"{server.base_url}/docs")
    expect(p.locator(".swagger-ui .info .title")).to_contain_text("shortstack")
    expect(p.locator(".opblock-summary-path", has_text="/api/v1/links").first).to_be_visible()
    screenshot(p, "docs-swagger")
    p.goto(f"{server.base_url}/redoc")
    expect(p.get_by_role("heading", name=re.compile("^shortstack"))).to_be_visible()
    expect(p.get_by_text("API docs by Redocly")).to_be_visible()
    screenshot(p, "docs-redoc")
