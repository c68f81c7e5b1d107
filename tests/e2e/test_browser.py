"""The web frontend in a real browser (Debian's chromium, driven by Playwright) on the real server.

Chromium comes from Debian (`make test` installs it when it can; docs/decisions/0500).
Without it these tests are skipped with the reason printed, never silently.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

# axe-core itself (axe.min.js), as the PyPI package pinned in pyproject.toml bundles it: no npm.
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.server import Server, call, running_server
from tests.webhook_support import webhook_receiver

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
    # Behind CloudFront, as on AWS: the dashboard test's visitors are CloudFront-Viewer-Address.
    directory = tmp_path_factory.mktemp("browser")
    with running_server(directory, TRUST_CLOUDFRONT_VIEWER_HEADERS="true") as running:
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


ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
PAGES = {
    "shorten": "/#/",
    "dashboard": "/#/dashboard",
    "links": "/#/links",
    "stats": "/#/links/page-tour/stats",
    "import": "/#/import",
    "items": "/#/items",
    "users": "/#/users",
    "keys": "/#/keys",
    "webhooks": "/#/webhooks",
    "signin": "/#/signin",
}
# How far a page scrolls sideways. Not against innerWidth: on a phone (is_mobile) the layout
# viewport grows to hold what is too wide, so innerWidth grew with the overflow it measured.
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Words of validators that must never reach a person.
VALIDATOR_WORDS = re.compile(r"String should|Input should|function-after|pattern '|\^\[")


def api(server: Server, path: str, method: str = "GET", body: Any = None) -> Any:
    """The API's JSON answer to a call the test expects to succeed."""
    status, _, answer = call(server, method, path, body)
    assert 200 <= status < 300, (status, answer)
    return answer


def link(server: Server, alias: str, **fields: Any) -> Any:
    return api(
        server,
        "/api/v1/links",
        "POST",
        {"url": f"https://example.com/{alias}", "alias": alias, **fields},
    )


def visit(server: Server, alias: str, **headers: str) -> None:
    assert call(server, "GET", f"/{alias}", headers=headers)[0] == 302  # not followed


def field_error(form: Any, label: str) -> Any:
    """The error line of the control labelled `label` (its aria-describedby target)."""
    control = form.get_by_label(label, exact=True)
    return form.locator(f"#{control.get_attribute('id')}-error")


def serious_accessibility_violations(p: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    p.evaluate(AXE_SCRIPT)  # evaluated by the browser's debugger protocol: no CSP applies
    found = p.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id} (${v.impact}): ` +
                    v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", "));
        }"""
    )
    return list(found)


def screenshot(page: Any, name: str) -> None:
    """A full-page picture under test-results/screenshots/, for a reviewer to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_for_folded_clicks(p: Any, clicks: str) -> None:
    """Reload the stats page until the fold, which runs shortly after the clicks, shows them."""
    for _ in range(30):
        if p.get_by_test_id("clicks-in-range").inner_text() == clicks:
            break
        p.wait_for_timeout(500)
        p.reload()
    expect(p.get_by_test_id("clicks-in-range")).to_have_text(clicks)


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
    # Both views lead to each other and back to the app.
    p.get_by_role("navigation", name="shortstack").get_by_role("link", name="Swagger UI").click()
    expect(p.locator(".swagger-ui .info .title")).to_contain_text("shortstack")
    p.get_by_role("link", name="shortstack app").click()
    expect(p.get_by_test_id("shorten-url")).to_be_visible()


def test_shorten_shows_the_short_url_copy_qr_downloads_and_a_taken_alias(
    page: Watched, server: Server
) -> None:
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").fill("https://example.com/launch")
    p.get_by_text("More options").click()
    p.get_by_label("Alias", exact=True).fill("launch-day")
    p.get_by_test_id("shorten-submit").click()
    # expect() retries until the text arrives: the element may exist before the answer does.
    expect(p.get_by_test_id("short-url")).to_have_text(f"{server.base_url}/launch-day")
    expect(p.get_by_test_id("copy-short-url")).to_be_visible()
    expect(p.get_by_test_id("qr-code")).to_have_count(1)
    screenshot(p, "shorten-result-1280")
    with p.expect_download() as png:
        p.get_by_test_id("qr-png").click()
    assert png.value.suggested_filename.endswith(".png")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with p.expect_download() as svg:
        p.get_by_test_id("qr-svg").click()
    assert svg.value.suggested_filename.endswith(".svg")
    assert b"<svg" in Path(svg.value.path()).read_bytes()
    assert api(server, "/api/v1/links/launch-day")["url"] == "https://example.com/launch"
    # The alias taken: the API's 409 sentence, shown once, as an alert.
    p.get_by_test_id("shorten-url").fill("https://example.com/other")
    p.get_by_label("Alias", exact=True).fill("launch-day")
    p.get_by_test_id("shorten-submit").click()
    expect(p.get_by_role("alert")).to_contain_text("already taken")
    expect(p.get_by_text(re.compile("already taken"))).to_have_count(1)


def test_keyboard_only_shortening(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").wait_for()
    p.keyboard.type("https://example.com/typed")  # the URL field has focus on arrival
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("short-url")).to_have_text(re.compile("^" + re.escape(server.base_url)))


def test_field_errors_are_sentences_next_to_their_field_once(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/")
    form = p.locator("form").first
    p.get_by_test_id("shorten-url").fill("https://example.com/x")
    p.get_by_text("More options").click()
    form.get_by_label("Alias", exact=True).fill("a b")
    form.get_by_label("Visit limit", exact=True).fill("0")
    p.get_by_test_id("shorten-submit").click()
    alias_error = field_error(form, "Alias")
    expect(alias_error).to_have_text(
        "Use 3 to 64 letters, digits, hyphens or underscores, without spaces."
    )
    expect(field_error(form, "Visit limit")).to_have_text(
        "Allow at least 1 visit, or leave it empty for no limit."
    )
    expect(form.get_by_label("Alias", exact=True)).to_have_attribute("aria-invalid", "true")
    # Shown once (the live region says it too, for screen readers only).
    shown = p.get_by_text(re.compile("hyphens or underscores, without")).and_(
        p.locator(":not(.sr-only)")
    )
    expect(shown).to_have_count(1)
    assert not VALIDATOR_WORDS.search(p.locator("main").inner_text())
    screenshot(p, "shorten-errors-1280")
    # An unsafe URL: our own reason, worded for people, next to the URL.
    p.get_by_test_id("shorten-url").fill("javascript:alert(1)")
    form.get_by_label("Alias", exact=True).fill("")
    form.get_by_label("Visit limit", exact=True).fill("")
    p.get_by_test_id("shorten-submit").click()
    expect(field_error(form, "Long URL")).to_contain_text("not allowed")
    expect(alias_error).to_have_text("")

    # Items: a negative price, then an edit dialog whose error leaves with Cancel.
    p.goto(f"{server.base_url}/#/items")
    items = p.get_by_test_id("item-form")
    items.get_by_label("Name").fill("Lamp")
    items.get_by_label("Price").fill("-5")
    items.get_by_label("Category", exact=True).fill("home")
    items.get_by_role("button", name="Add item").click()
    expect(field_error(items, "Price")).to_have_text("Enter a price above 0.")
    items.get_by_label("Price").fill("12.50")
    items.get_by_role("button", name="Add item").click()
    row = p.get_by_test_id("items-table").locator("tr", has_text="Lamp")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Edit Lamp").click()
    editor = p.get_by_test_id("item-edit")
    editor.get_by_label("Name").fill("")
    editor.get_by_role("button", name="Save item").click()
    expect(field_error(editor, "Name")).to_have_text("Name is required.")
    assert not VALIDATOR_WORDS.search(editor.inner_text())
    editor.get_by_role("button", name="Cancel").click()
    expect(p.get_by_test_id("item-edit")).to_have_count(0)
    row.get_by_role("button", name="Edit Lamp").click()
    expect(field_error(p.get_by_test_id("item-edit"), "Name")).to_have_text("")


def test_a_message_never_outlives_its_page(page: Watched, server: Server) -> None:
    link(server, "short-lived")
    p = page.page
    p.goto(f"{server.base_url}/#/links?q=short-lived")
    p.get_by_role("button", name="Delete short-lived").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    status = p.get_by_role("status").filter(has_text="Deleted short-lived")
    expect(status).to_be_visible()
    p.get_by_role("link", name="Items").click()
    expect(p.locator("#status")).to_be_hidden()
    expect(p.get_by_text("Deleted short-lived")).to_have_count(0)


def test_links_search_filters_sort_pages_in_the_url_and_edit_every_field(
    page: Watched, server: Server
) -> None:
    for n in range(23):
        link(server, f"needle-{n:02d}", title=f"Needle {n}", tags=["hay"] if n % 2 else [])
    link(server, "other-thing")
    api(server, "/api/v1/links/needle-03", "PATCH", {"is_active": False})
    link(server, "spent", max_visits=1)
    visit(server, "spent")
    for _ in range(3):
        visit(server, "needle-07")
    p = page.page
    p.goto(f"{server.base_url}/#/links")
    p.get_by_test_id("links-search").fill("NEEDLE")
    expect(p.get_by_test_id("links-total")).to_have_text("23 links match")
    expect(p).to_have_url(re.compile(r"q=NEEDLE"))
    table = p.get_by_test_id("links-table")
    expect(table.locator("tbody tr")).to_have_count(20)
    p.get_by_test_id("next-page").click()
    expect(p).to_have_url(re.compile(r"page=2"))
    expect(table.locator("tbody tr")).to_have_count(3)
    p.reload()  # the page, the search and the filters live in the URL
    expect(p.get_by_test_id("links-search")).to_have_value("NEEDLE")
    expect(p.get_by_text("Page 2 of 2")).to_be_visible()
    p.get_by_test_id("links-sort").select_option("clicks")
    expect(table.locator("tbody tr").first).to_contain_text("needle-07")
    p.get_by_test_id("links-state").select_option("disabled")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_contain_text("Disabled")
    p.goto(f"{server.base_url}/#/links?state=used_up")
    expect(table.locator("tbody tr", has_text="spent")).to_contain_text("Used up")
    p.goto(f"{server.base_url}/#/links?tag=hay&q=needle-1")
    expect(table.locator("tbody tr")).to_have_count(5)  # 11, 13, 15, 17, 19
    screenshot(p, "links-filtered-1280")

    p.goto(f"{server.base_url}/#/links?q=needle-05")
    p.get_by_role("button", name="Edit needle-05").click()
    editor = p.get_by_test_id("link-edit")
    editor.get_by_label("Long URL", exact=True).fill("https://example.org/moved")
    editor.get_by_label("Title", exact=True).fill("Moved for good")
    editor.get_by_label("Tags", exact=True).fill("Moved, kept")
    editor.get_by_label("Expires", exact=True).select_option("never")
    editor.get_by_label("Visit limit", exact=True).fill("50")
    editor.get_by_label("Redirect", exact=True).select_option("301")
    screenshot(p, "link-edit-dialog-1280")
    editor.get_by_test_id("link-save").click()
    expect(p.get_by_test_id("link-edit")).to_have_count(0)
    row = table.locator("tbody tr", has_text="needle-05")
    expect(row).to_contain_text("Moved for good")
    expect(row).to_contain_text("never")
    saved = api(server, "/api/v1/links/needle-05")
    assert saved["url"] == "https://example.org/moved"
    assert (saved["title"], saved["tags"], saved["max_visits"]) == (
        "Moved for good",
        ["moved", "kept"],
        50,
    )
    assert (saved["expires_at"], saved["redirect_status"]) == (None, 301)


def test_a_keyboard_user_keeps_their_place_after_delete_save_and_disable(
    page: Watched, server: Server
) -> None:
    # Newest first: the first link made is alone on page 2.
    for n in range(21):
        link(server, f"kept-{n:02d}", tags=["kept-place"])
    p = page.page
    table = p.get_by_test_id("links-table")
    p.goto(f"{server.base_url}/#/links?tag=kept-place&page=2")
    expect(table.locator("tbody tr")).to_have_count(1)
    p.get_by_role("button", name="Delete kept-00").focus()
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("confirm")).to_be_visible()
    p.keyboard.press("Enter")  # the confirming button has focus
    # Page 2 is gone with its one link: the list moves to the last page there is, never
    # "Page 2 of 1" with an empty table that says no link matches.
    expect(p).not_to_have_url(re.compile(r"page=2"))
    expect(p.get_by_text("Page 1 of 1")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(20)
    expect(p.get_by_test_id("links-total")).to_be_focused()  # not the top of the document

    p.get_by_role("button", name="Edit kept-05").focus()
    p.keyboard.press("Enter")
    editor = p.get_by_test_id("link-edit")
    editor.get_by_label("Title", exact=True).fill("Edited by keyboard")
    p.keyboard.press("Enter")
    expect(editor).to_have_count(0)
    expect(table.locator("tbody tr", has_text="kept-05")).to_contain_text("Edited by keyboard")
    expect(p.get_by_role("button", name="Edit kept-05")).to_be_focused()

    p.keyboard.press("Tab")  # Edit, QR, then Disable
    p.keyboard.press("Tab")
    expect(p.get_by_role("button", name="Disable kept-05")).to_be_focused()
    p.keyboard.press("Enter")
    expect(p.get_by_role("button", name="Enable kept-05")).to_be_focused()

    # A page past the end, typed or kept in a bookmark, shows the last page, not a refusal.
    p.goto(f"{server.base_url}/#/links?tag=kept-place&page=999999")
    expect(p.get_by_text("Page 1 of 1")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(20)
    expect(p.get_by_text("Check the form")).to_have_count(0)


def test_the_links_filters_keep_focus_and_typing_across_pauses_and_say_why_a_tag_is_refused(
    page: Watched, server: Server
) -> None:
    link(server, "typed-tag", tags=["typed-filter"])
    p = page.page
    p.goto(f"{server.base_url}/#/links")
    tag = p.get_by_label("Tag", exact=True)
    tag.click()
    p.keyboard.type("typed")
    expect(p).to_have_url(re.compile(r"tag=typed$"))  # the pause applied the filter
    p.keyboard.type("-filter")  # the person keeps typing where they were
    expect(p).to_have_url(re.compile(r"tag=typed-filter$"))
    expect(tag).to_have_value("typed-filter")
    expect(tag).to_be_focused()
    expect(p.get_by_test_id("links-table").locator("tbody tr")).to_have_count(1)

    state = p.get_by_label("State", exact=True)
    state.focus()
    state.select_option("disabled")
    expect(p).to_have_url(re.compile(r"state=disabled"))
    expect(state).to_be_focused()  # not moved to another control

    tag.fill("launch day")  # a space: no tag can hold it
    expect(p).to_have_url(re.compile(r"tag=launch"))  # the toolbar is drawn again
    toolbar = p.get_by_role("search")
    expect(field_error(toolbar, "Tag")).to_have_text("A tag is 1-32 characters of a-z 0-9 _ . -.")
    expect(p.get_by_text("Check the form")).to_have_count(0)
    expect(tag).to_be_focused()


def test_paging_with_the_keyboard_lands_on_the_new_page_s_count(
    page: Watched, server: Server
) -> None:
    for n in range(21):
        link(server, f"paged-{n:02d}", tags=["paged-focus"])
    p = page.page
    p.goto(f"{server.base_url}/#/links?tag=paged-focus")
    p.get_by_test_id("next-page").focus()
    p.keyboard.press("Enter")
    expect(p).to_have_url(re.compile(r"page=2"))
    expect(p.get_by_test_id("links-table").locator("tbody tr")).to_have_count(1)
    # Where the new page starts, not the top of the document.
    expect(p.get_by_test_id("links-total")).to_be_focused()
    # What is read there says which page this is.
    expect(p.get_by_test_id("links-total")).to_have_accessible_description("Page 2 of 2")
    p.get_by_test_id("previous-page").focus()
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("links-table").locator("tbody tr")).to_have_count(20)
    expect(p.get_by_test_id("links-total")).to_be_focused()


def test_a_slow_answer_for_an_older_range_never_draws_over_the_newer_one(
    page: Watched, server: Server
) -> None:
    p = page.page
    # The week's answer arrives 1.5 s late, after the quarter's: as on a slow network.
    p.add_init_script(
        """(() => {
            const fetchNow = window.fetch.bind(window);
            window.fetch = async (url, init) => {
                const answer = await fetchNow(url, init);
                const query = new URL(url, location.href).searchParams;
                const span = Date.parse(query.get("to")) - Date.parse(query.get("from"));
                const days = span / 864e5 + 1;
                if (String(url).includes("/api/v1/stats?") && days === 7) {
                    await new Promise((resolve) => setTimeout(resolve, 1500));
                }
                return answer;
            };
        })()"""
    )
    p.goto(f"{server.base_url}/#/dashboard?days=7")
    p.goto(f"{server.base_url}/#/dashboard?days=90")
    table = p.get_by_test_id("stats-table").locator("tbody tr")
    expect(table).to_have_count(90)
    p.wait_for_timeout(2500)  # the week's answer has come by now, and was dropped
    expect(table).to_have_count(90)
    expect(p.get_by_role("button", name="90 days")).to_have_attribute("aria-pressed", "true")


def test_the_phone_menu_closes_with_escape_and_says_so_after_a_page_is_chosen(
    browser: Any, server: Server
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    p = context.new_page()
    p.goto(f"{server.base_url}/#/links")
    menu = p.get_by_role("button", name="Menu")
    nav = p.get_by_role("navigation", name="Main")
    menu.focus()
    p.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    p.keyboard.press("Tab")
    p.keyboard.press("Escape")  # closes the menu, back on its button
    expect(nav.get_by_role("link", name="Dashboard")).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    p.keyboard.press("Enter")
    p.keyboard.press("Tab")
    p.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_focused()
    p.keyboard.press("Enter")
    expect(p).to_have_url(re.compile(r"#/dashboard$"))
    # The menu closed, its button says so, and focus is in the page chosen, not lost.
    expect(nav.get_by_role("link", name="Dashboard")).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(p.locator("main")).to_be_focused()
    context.close()


def test_stats_page_has_a_chart_a_day_table_ranges_and_breakdowns(
    page: Watched, server: Server
) -> None:
    link(server, "page-tour", title="A tour of the pages")
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
    )
    for _ in range(3):
        visit(server, "page-tour", referer="https://news.example.com/x", **{"user-agent": iphone})
    p = page.page
    p.goto(f"{server.base_url}/#/links/page-tour/stats?days=7")
    expect(p.get_by_test_id("stats-table").locator("tbody tr")).to_have_count(7)
    expect(p.get_by_test_id("clicks-chart").locator("canvas")).to_have_count(1)
    wait_for_folded_clicks(p, "3")
    expect(p.get_by_test_id("referrers")).to_contain_text("news.example.com")
    expect(p.get_by_role("heading", name="Operating systems")).to_be_visible()
    p.get_by_role("button", name="90 days").click()
    expect(p).to_have_url(re.compile(r"days=90"))
    expect(p.get_by_test_id("stats-table").locator("tbody tr")).to_have_count(90)


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "Pacific/Kiritimati"])
def test_the_stats_pages_ask_in_the_browsers_time_zone_and_say_so(
    browser: Any, server: Server, zone: str
) -> None:
    """Decision 0114: the days are the viewer's, and the page names their zone."""
    alias = f"zone-{zone.split('/')[1].lower()}"
    link(server, alias)
    visit(server, alias)
    context = browser.new_context(timezone_id=zone)
    watched = Watched(context.new_page(), server.base_url)
    p = watched.page
    asked: list[str] = []
    p.on(
        "request",
        lambda r: asked.append(r.url) if "/api/v1/" in r.url and "/stats" in r.url else None,
    )
    for place in (f"/#/links/{alias}/stats?days=7", "/#/dashboard?days=7"):
        p.goto(f"{server.base_url}{place}")
        # The browser's own name for it: Chromium says Asia/Katmandu, an alias the zone
        # database keeps (as Asia/Calcutta for Asia/Kolkata).
        named = p.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
        expect(p.get_by_test_id("stats-table").locator("caption")).to_have_text(
            f"Clicks per day ({named})"
        )
        expect(p.get_by_test_id("zone-note")).to_contain_text(
            f"Days and hours are in {named} (your browser's time zone)."
        )
        expect(p.get_by_role("heading", name=f"Clicks by hour of day ({named})")).to_be_visible()
        # The range ends on the browser's today there, not on the UTC date.
        today = p.evaluate(
            "z => new Intl.DateTimeFormat('en-CA', {timeZone: z}).format(new Date())", zone
        )
        expect(p.get_by_label("To", exact=True)).to_have_value(today)
    assert asked
    assert all(f"tz={named.replace('/', '%2F')}" in url for url in asked)
    # A zone given in the address wins, and stays in it.
    p.goto(f"{server.base_url}/#/links/{alias}/stats?days=7&tz=UTC")
    expect(p.get_by_test_id("zone-note")).to_contain_text("Days and hours are in UTC.")
    p.get_by_role("button", name="30 days").click()
    expect(p).to_have_url(re.compile(r"days=30&tz=UTC"))
    context.close()
    assert watched.problems == []


@pytest.mark.parametrize("place", ["/#/links/range-kept/stats", "/#/dashboard"])
def test_a_range_the_api_cannot_show_is_said_next_to_the_range_picker(
    page: Watched, server: Server, place: str
) -> None:
    if place.startswith("/#/links"):
        call(
            server, "POST", "/api/v1/links", {"url": "https://example.com/r", "alias": "range-kept"}
        )
    p = page.page
    p.goto(f"{server.base_url}{place}?days=7")
    picker = p.get_by_role("group", name="Date range")
    picker.get_by_label("From", exact=True).fill("2026-11-20")
    picker.get_by_label("To", exact=True).fill("2026-11-10")
    picker.get_by_label("To", exact=True).press("Enter")
    # Not sent: the range is refused where it was typed, and the page stays as it was.
    expect(picker.get_by_role("alert")).to_have_text(
        "The first day must be on or before the last day."
    )
    expect(picker.get_by_label("From", exact=True)).to_be_focused()
    expect(p).to_have_url(re.compile(r"days=7"))

    # The same ranges in an address (a bookmark, a hand edit) keep the picker to fix them,
    # never a lone "Check the form" with no form on the page.
    for query, said in (
        ("from=2026-11-20&to=2026-11-10", "The first day must be on or before the last day."),
        ("from=2024-01-01&to=2026-11-30", "Pick at most 366 days."),
        ("from=someday&to=2026-11-30", "Pick both days from the calendar."),
    ):
        p.goto(f"{server.base_url}{place}?{query}")
        expect(picker.get_by_role("alert")).to_have_text(said)
        expect(p.get_by_text("Check the form")).to_have_count(0)
        picker.get_by_role("button", name="30 days").click()
        expect(p).to_have_url(re.compile(r"days=30"))
        expect(picker.get_by_role("alert")).to_have_count(0)


def test_the_dashboard_shows_every_link_at_once_and_leads_to_each_ones_stats(
    browser: Any, server: Server
) -> None:
    link(server, "dash-top", title="The most clicked")
    link(server, "dash-two")
    phone = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131 Mobile"
    for n in range(4):
        visit(
            server,
            "dash-top",
            referer="https://news.example.com/x",
            **{"user-agent": phone, "cloudfront-viewer-address": f"198.51.100.{n}:443"},
        )
    visit(
        server, "dash-two", **{"user-agent": phone, "cloudfront-viewer-address": "198.51.100.0:443"}
    )
    for width in (1280, 390):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, is_mobile=width < 500
        )
        watched = Watched(context.new_page(), server.base_url)
        p = watched.page
        p.goto(f"{server.base_url}/#/dashboard?days=7")
        for _ in range(30):  # the fold runs shortly after the clicks
            expect(p.locator("main [aria-busy='true']")).to_have_count(0)
            clicks = p.get_by_test_id("overview-clicks")
            if clicks.count() and int(clicks.inner_text()) >= 5:
                break
            p.wait_for_timeout(500)
            p.reload()
        assert int(p.get_by_test_id("overview-clicks").inner_text()) >= 5
        assert int(p.get_by_test_id("overview-visitors").inner_text()) >= 4
        expect(p.get_by_test_id("clicks-chart").locator("canvas")).to_have_count(1)
        expect(p.get_by_test_id("stats-table").locator("tbody tr")).to_have_count(7)
        expect(p.get_by_test_id("referrers")).to_contain_text("news.example.com")
        expect(p.locator("nav a[href='#/dashboard']")).to_have_attribute("aria-current", "page")
        overflow = p.evaluate(SIDEWAYS)
        assert overflow <= 0, (width, overflow)
        assert serious_accessibility_violations(p) == []
        screenshot(p, f"dashboard-tour-{width}")
        top = p.get_by_test_id("top-links").get_by_role("link", name="The most clicked")
        top.click()
        expect(p).to_have_url(re.compile(r"#/links/dash-top/stats"))
        expect(p.get_by_test_id("clicks-in-range")).to_have_text("4")
        assert watched.problems == []
        context.close()


def _download(p: Any, testid: str) -> tuple[str, list[dict[str, str]]]:
    """Click the export button `testid`: the file's suggested name and its CSV rows."""
    import csv
    import io

    with p.expect_download() as downloading:
        p.get_by_test_id(testid).click()
    got = downloading.value
    return got.suggested_filename, list(csv.DictReader(io.StringIO(Path(got.path()).read_text())))


def test_export_buttons_download_the_links_a_link_s_stats_and_the_overview_as_csv(
    page: Watched, server: Server
) -> None:
    link(server, "export-me", title="Export, with a comma", tags=["exported"])
    link(server, "export-too", tags=["exported"])
    visit(server, "export-me", referer="https://blog.example.org/post")
    p = page.page
    p.goto(f"{server.base_url}/#/links?tag=exported")
    expect(p.get_by_test_id("links-total")).to_contain_text("2 links")
    name, rows = _download(p, "links-export")
    assert name == "links.csv"
    assert sorted(row["short_id"] for row in rows) == ["export-me", "export-too"]  # the filter
    assert {row["title"] for row in rows} == {"Export, with a comma", ""}

    # A link's stats, and the dashboard's (every link's clicks by day under "links").
    for place, testid, filename in (
        ("links/export-me/stats", "stats-export", "export-me-stats.csv"),
        ("dashboard", "overview-export", "stats.csv"),
    ):
        p.goto(f"{server.base_url}/#/{place}?days=7")
        expect(p.get_by_test_id("stats-table").locator("tbody tr")).to_have_count(7)
        name, stats = _download(p, testid)
        assert name == filename
        assert len([row for row in stats if row["dimension"] == "all"]) == 7
        assert any(row["value"] == "blog.example.org" for row in stats)
        expect(p.locator("#status")).to_contain_text(f"Downloaded {filename}")


def test_import_page_shows_progress_and_each_refused_row(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/import")
    csv = "url,alias\nhttps://example.com/i1,imported-1\njavascript:alert(1),bad\nhttps://example.com/i2,imported-2\n"
    p.get_by_test_id("import-file").set_input_files(
        files=[{"name": "links.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    p.get_by_test_id("import-submit").click()
    expect(p.get_by_test_id("import-counts")).to_contain_text("2 of 2 valid rows loaded; 1 refused")
    errors = p.get_by_test_id("import-errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors).to_contain_text("3")
    screenshot(p, "import-done-1280")
    assert api(server, "/api/v1/links/imported-2")["url"] == "https://example.com/i2"
    expect(p.get_by_test_id("import-format")).to_have_text("Read as shortstack CSV.")

    shlink = (Path(__file__).parents[1] / "fixtures" / "imports" / "shlink.csv").read_bytes()
    p.get_by_test_id("import-file").set_input_files(
        files=[{"name": "short_urls.csv", "mimeType": "text/csv", "buffer": shlink}]
    )
    p.get_by_test_id("import-submit").click()
    expect(p.get_by_test_id("import-format")).to_have_text("Read as Shlink export.")
    expect(p.get_by_test_id("import-errors")).to_contain_text("short code 'health' cannot be kept")
    assert api(server, "/api/v1/links/launch")["imported_clicks"] == 3120


def test_an_import_file_the_api_refuses_is_said_under_the_file_field(
    page: Watched, server: Server
) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/import")
    picker = p.get_by_test_id("import-file")
    for content, said in (
        (b"url,alias\nhttps://example.com/caf\xe9,cafe\n", "save it as UTF-8"),
        (b"u\x00r\x00l\x00\n\x00", "NUL bytes"),
        (b"", "no rows to import"),
    ):
        picker.set_input_files(
            files=[{"name": "links.csv", "mimeType": "text/csv", "buffer": content}]
        )
        p.get_by_test_id("import-submit").click()
        # The API's reason, which says what to do, next to the control; never "Check the form".
        expect(field_error(p.locator("form"), "CSV file")).to_contain_text(said)
        expect(picker).to_be_focused()
        expect(p.get_by_text("Check the form")).to_have_count(0)
        expect(p.get_by_test_id("import-progress")).to_have_count(0)


def test_users_list_and_keys_page_show_a_secret_once_and_revoke(
    page: Watched, server: Server
) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/users")
    form = p.get_by_test_id("user-form")
    form.get_by_label("User id").fill("grace")
    form.get_by_label("Name").fill("Grace Hopper")
    form.get_by_label("E-mail").fill("not-an-address")
    form.get_by_role("button", name="Register").click()
    expect(field_error(form, "E-mail")).to_have_text(
        "Enter a valid e-mail address, like ada@example.com."
    )
    form.get_by_label("E-mail").fill("grace@example.com")
    form.get_by_role("button", name="Register").click()
    expect(
        p.get_by_test_id("users-table").locator("tr", has_text="grace@example.com")
    ).to_have_count(1)

    p.goto(f"{server.base_url}/#/keys")
    p.get_by_test_id("key-name").fill("ci runner")
    p.get_by_test_id("key-create").click()
    secret = p.get_by_test_id("key-secret").locator(".secret-value")
    expect(secret).to_have_text(re.compile(r"^sk_"))
    key = secret.inner_text()
    row = p.get_by_test_id("keys-table").locator("tr", has_text="ci runner")
    expect(row).to_have_count(1)
    screenshot(p, "keys-created-1280")
    me = call(server, "GET", "/api/v1/users/me", headers={"authorization": f"Bearer {key}"})
    assert me[2]["via"] == "api_key"
    p.reload()
    expect(p.get_by_test_id("keys-table")).to_be_visible()
    expect(p.get_by_test_id("key-secret")).to_have_count(0)  # shown once only
    assert key not in p.content()
    p.get_by_role("button", name="Revoke ci runner").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Revoke").click()
    expect(p.get_by_test_id("keys-table").locator("tr", has_text="ci runner")).to_have_count(0)


def test_webhooks_page_adds_a_receiver_shows_its_deliveries_and_deletes_it(
    page: Watched, server: Server
) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/webhooks")
    form = p.get_by_test_id("webhook-form")
    p.get_by_test_id("webhook-url").fill("ftp://example.com/in")
    p.get_by_test_id("webhook-create").click()
    expect(field_error(form, "Receiver URL")).to_have_text("Receiver URL must be https or http.")
    with webhook_receiver() as receiver:
        p.get_by_test_id("webhook-url").fill(receiver.url)
        p.get_by_test_id("webhook-create").click()
        secret = p.get_by_test_id("webhook-secret").locator(".secret-value")
        expect(secret).to_have_text(re.compile(r"^whsec_"))
        row = p.get_by_test_id("webhooks-table").locator("tr", has_text=receiver.url)
        expect(row).to_have_count(1)
        link(server, "hooked")
        for _ in range(30):
            if receiver.requests:
                break
            p.wait_for_timeout(200)
        row.get_by_test_id("webhook-deliveries").click()
        table = p.get_by_test_id("deliveries-table")
        expect(table.locator("tr", has_text="LinkCreated")).to_have_count(1)
        expect(table).to_contain_text("delivered")
        screenshot(p, "webhooks-deliveries-1280")
        row.get_by_test_id("webhook-test").click()
        expect(table.locator("tr", has_text="WebhookTest")).to_have_count(1)
        assert [r for r in receiver.requests if b'"WebhookTest"' in r.body]
        receiver.status = 503  # a failure reads as a sentence, not as Python's words
        row.get_by_test_id("webhook-test").click()
        expect(table.locator("tr", has_text="failed")).to_contain_text(
            "the receiver answered 503 Service Unavailable: it failed while handling the delivery"
        )
        receiver.status = 204  # fixed: the failed attempt is sent again from its row
        table.locator("tr", has_text="failed").get_by_test_id("webhook-redeliver").click()
        again = table.locator("tr", has_text="WebhookTest (sent again)")
        expect(again).to_contain_text("delivered")
        expect(again.get_by_test_id("webhook-redeliver")).to_have_count(0)
        assert receiver.requests[-1].body == receiver.requests[-2].body
        first = secret.inner_text()
        row.get_by_test_id("webhook-rotate").click()
        p.get_by_test_id("confirm").get_by_role("button", name="New secret").click()
        expect(secret).not_to_have_text(first)
        expect(secret).to_have_text(re.compile(r"^whsec_"))
        expect(p.get_by_test_id("webhook-secret")).to_contain_text("switch your receiver")
        [hook] = [w for w in api(server, "/api/v1/webhooks") if w["url"] == receiver.url]
        api(server, f"/api/v1/webhooks/{hook['webhook_id']}", "PATCH", {"active": False})
        p.reload()
        status = row.get_by_test_id("webhook-status")
        expect(status).to_contain_text("off")
        expect(status).to_contain_text("turned off by its owner")
        p.get_by_role("button", name=f"Turn on the webhook to {receiver.url}").click()
        expect(status).to_have_text("on")
        expect(row.get_by_test_id("webhook-turn-on")).to_have_count(0)
        p.get_by_role("button", name=f"Delete {receiver.url}").click()
        p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
        expect(
            p.get_by_test_id("webhooks-table").locator("tr", has_text=receiver.url)
        ).to_have_count(0)


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_fits_the_screen_passes_axe_and_is_photographed(
    browser: Any, server: Server, width: int
) -> None:
    if not api(server, "/api/v1/links?q=page-tour"):
        link(server, "page-tour", title="A tour of the pages", tags=["tour"])
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 500)
    watched = Watched(context.new_page(), server.base_url)
    p = watched.page
    findings = {}
    for name, route in PAGES.items():
        p.goto(f"{server.base_url}{route}")
        expect(p.locator("main h1")).to_be_visible()
        expect(p.locator("main [aria-busy='true']")).to_have_count(0)
        overflow = p.evaluate(SIDEWAYS)
        assert overflow <= 0, (name, width, overflow)
        findings[name] = serious_accessibility_violations(p)
        screenshot(p, f"{name}-{width}")
    # Dark mode follows the system: the same pages, checked and photographed dark.
    p.emulate_media(color_scheme="dark")
    for name in PAGES:
        p.goto(f"{server.base_url}{PAGES[name]}")
        expect(p.locator("main [aria-busy='true']")).to_have_count(0)
        findings[f"{name} (dark)"] = serious_accessibility_violations(p)
        screenshot(p, f"{name}-{width}-dark")
    p.emulate_media(color_scheme="light")
    for name, route in (("docs", "/docs"), ("redoc", "/redoc")):
        p.goto(f"{server.base_url}{route}")
        p.wait_for_load_state("networkidle")
        screenshot(p, f"{name}-{width}")
    context.close()
    assert {name: found for name, found in findings.items() if found} == {}
    assert watched.problems == []


@pytest.mark.parametrize("width", [1280, 390])
def test_long_aliases_and_urls_never_push_a_page_or_a_dialog_sideways(
    browser: Any, server: Server, width: int
) -> None:
    # The longest alias the API takes (64 characters, no break in it) and a target URL of
    # the length campaign links reach: on the links page, the stats page and the edit dialog;
    # a webhook receiver's long URL on its deliveries.
    alias = f"long-{width}-".ljust(64, "x")
    if not api(server, f"/api/v1/links?q={alias}"):
        link(server, alias, url=f"https://example.com/{'campaign/' * 40}?utm_source=newsletter")
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 500)
    watched = Watched(context.new_page(), server.base_url)
    p = watched.page
    p.goto(f"{server.base_url}/#/links?q={alias}")
    expect(p.get_by_test_id("links-table").locator("tbody tr")).to_have_count(1)
    assert p.evaluate(SIDEWAYS) <= 0, ("links page", width, p.evaluate(SIDEWAYS))
    p.get_by_role("button", name=f"Edit {alias}").click()
    editor = p.get_by_test_id("link-edit")
    expect(editor.get_by_label("Long URL")).to_be_visible()
    assert editor.evaluate("d => d.scrollWidth - d.clientWidth") <= 0, ("edit dialog", width)
    p.keyboard.press("Escape")
    p.goto(f"{server.base_url}/#/links/{alias}/stats")
    expect(p.locator("main h1")).to_have_text(f"Statistics: {alias}")
    expect(p.locator("main [aria-busy='true']")).to_have_count(0)
    assert p.evaluate(SIDEWAYS) <= 0, ("stats page", width, p.evaluate(SIDEWAYS))
    # A receiver's URL with a token in its path, named in the deliveries' heading. Only
    # ImportFinished, so that the other tests' links send it nothing, and deleted after.
    receiver = f"http://127.0.0.1:9/hooks/{width}/{'0123456789abcdef' * 12}"
    hook = api(server, "/api/v1/webhooks", "POST", {"url": receiver, "events": ["ImportFinished"]})
    try:
        p.goto(f"{server.base_url}/#/webhooks")
        row = p.get_by_test_id("webhooks-table").locator("tr", has_text=receiver)
        row.get_by_test_id("webhook-deliveries").click()
        expect(p.get_by_text("Nothing sent yet.")).to_be_visible()
        assert p.evaluate(SIDEWAYS) <= 0, ("webhook deliveries", width, p.evaluate(SIDEWAYS))
    finally:
        api(server, f"/api/v1/webhooks/{hook['webhook_id']}", "DELETE")
    context.close()
    assert watched.problems == []


def test_the_page_is_served_with_a_strict_csp(server: Server) -> None:
    policy = call(server, "GET", "/")[1]["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_a_link_made_to_last_forever_shows_never(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").fill("https://example.com/evergreen")
    p.get_by_text("More options").click()
    p.get_by_label("Alias", exact=True).fill("evergreen")
    p.get_by_label("Expires", exact=True).select_option("never")
    p.get_by_test_id("shorten-submit").click()
    expect(p.get_by_text("Never expires")).to_be_visible()
    assert api(server, "/api/v1/links/evergreen")["expires_at"] is None
    p.goto(f"{server.base_url}/#/links?q=evergreen")
    row = p.get_by_test_id("links-table").locator("tbody tr", has_text="evergreen")
    expect(row).to_contain_text("Expires never")


@contextmanager
def dev_token_server(data_dir: Path) -> Iterator[tuple[Server, Any]]:
    """A server in AUTH_MODE=jwt as `shortstack dev-token --env` sets it up, and a function
    that signs a token for a `sub`."""
    cli = [sys.executable, "-m", "shortstack.entrypoints.cli"]
    base_env = {**os.environ, "DATA_DIR": str(data_dir), "STORAGE": "sqlite"}
    exports = subprocess.run(
        [*cli, "dev-token", "--env"], env=base_env, capture_output=True, text=True, check=True
    ).stdout
    settings = dict(word.partition("=")[::2] for word in shlex.split(exports) if word != "export")

    def token_for(sub: str) -> str:
        return subprocess.run(
            [*cli, "dev-token", "--sub", sub],
            env={**base_env, **settings},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    with running_server(data_dir, **settings) as jwt_server:
        yield jwt_server, token_for


def test_jwt_mode_locally_signs_in_with_a_dev_token(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with dev_token_server(tmp_path_factory.mktemp("jwt")) as (jwt_server, token_for):
        token = token_for("alice")
        # Signed out, every page passes axe at both widths.
        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900})
            p = context.new_page()
            for name, route in PAGES.items():
                p.goto(f"{jwt_server.base_url}{route}")
                expect(p.locator("main h1")).to_be_visible()
                expect(p.locator("main [aria-busy='true']")).to_have_count(0)
                assert serious_accessibility_violations(p) == [], (name, width)
            context.close()
        # Sign in and out with the keyboard alone.
        context = browser.new_context()
        p = context.new_page()
        p.goto(f"{jwt_server.base_url}/#/links")
        expect(p.get_by_role("alert")).to_contain_text("Sign in first")
        tab_to(p, p.locator("#session").get_by_role("link", name="Sign in"))
        p.keyboard.press("Enter")
        tab_to(p, p.get_by_test_id("signin-token"))
        p.keyboard.insert_text(token)
        p.keyboard.press("Tab")
        p.keyboard.press("Enter")
        expect(p.get_by_test_id("links-total")).to_have_text("0 links")
        expect(p.locator("#session")).to_contain_text("alice")
        screenshot(p, "signed-in-jwt-1280")
        tab_to(p, p.locator("#session").get_by_role("button", name="Sign out"))
        p.keyboard.press("Enter")
        expect(p).to_have_url(re.compile("#/signin$"))
        # The header says so at once, and so does the page-wide message.
        expect(p.locator("#session")).not_to_contain_text("alice")
        expect(p.locator("#session").get_by_role("link", name="Sign in")).to_be_visible()
        expect(p.get_by_role("status").filter(has_text="Signed out")).to_have_count(1)
        context.close()


def test_a_long_signed_in_name_never_pushes_sign_out_off_a_phone(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The header names who is signed in by the token's sub, which some providers make an
    # e-mail address: one word with no break, that pushed Sign out past a 390 px screen.
    with dev_token_server(tmp_path_factory.mktemp("jwt-long-sub")) as (jwt_server, token_for):
        sub = "alexandra.konstantinopoulou@example.com"
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        watched = Watched(context.new_page(), jwt_server.base_url)
        p = watched.page
        p.goto(f"{jwt_server.base_url}/#/signin")
        p.get_by_test_id("signin-token").fill(token_for(sub))
        p.get_by_test_id("signin-token").press("Tab")
        p.keyboard.press("Enter")
        expect(p.locator("#session")).to_contain_text(sub)
        sign_out = p.locator("#session").get_by_role("button", name="Sign out")
        assert p.evaluate(SIDEWAYS) <= 0
        box = sign_out.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 390
        context.close()


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@contextmanager
def landing_site() -> Iterator[str]:
    """A site on 127.0.0.1 that answers every path with a page naming it; its origin.

    The browser reaches it as `apps.example` (`resolving_apps`): the service refuses
    links to its own host, and Playwright cannot fulfil a request a redirect leads to.
    """

    class Landing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            body = f"<!doctype html><title>Landing</title><h1>{escape(path)}</h1>".encode()
            # ?prefetch=URL: a page that asks the browser to prefetch URL and links to it.
            for target in parse_qs(query).get("prefetch", []):
                href = escape(target)
                body += f'<link rel="prefetch" href="{href}"><a href="{href}">Open</a>'.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    site = ThreadingHTTPServer(("127.0.0.1", 0), Landing)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield f"http://apps.example:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


@contextmanager
def resolving_apps(browser: Any) -> Iterator[Any]:
    """A second chromium that reaches `landing_site`'s `apps.example` on 127.0.0.1."""
    resolving = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*FLAGS, "--host-resolver-rules=MAP apps.example 127.0.0.1"]
    )
    try:
        yield resolving
    finally:
        resolving.close()


def test_a_link_with_rules_made_in_the_form_sends_an_iphone_to_its_rule(
    page: Watched, server: Server, browser: Any
) -> None:
    with landing_site() as apps:
        p = page.page
        p.goto(f"{server.base_url}/#/")
        p.get_by_test_id("shorten-url").fill(f"{apps}/desktop")
        p.get_by_text("More options: alias").click()
        p.get_by_label("Alias", exact=True).fill("get-the-app")
        p.get_by_test_id("link-options").locator("summary").click()
        for path, device in (("/ios", "ios"), ("/android", "android")):
            p.get_by_test_id("add-rules").click()
            rule = p.get_by_test_id("rule-row").last
            expect(rule.get_by_label("Go to")).to_be_focused()
            rule.get_by_label("Go to").fill(apps + path)
            rule.get_by_label("Device").select_option(device)
        p.get_by_label("Password", exact=True).fill("for the team")
        screenshot(p, "shorten-with-rules-1280")
        assert serious_accessibility_violations(p) == []
        p.get_by_test_id("shorten-submit").click()
        expect(p.get_by_test_id("short-url")).to_have_text(f"{server.base_url}/get-the-app")
        saved = api(server, "/api/v1/links/get-the-app")
        assert [(rule["url"], rule["device"]) for rule in saved["rules"]] == [
            (f"{apps}/ios", "ios"),
            (f"{apps}/android", "android"),
        ]
        assert saved["password_protected"] is True
        expect(p.get_by_test_id("rule-row")).to_have_count(0)  # the form is empty again

        p.goto(f"{server.base_url}/#/links?q=get-the-app")
        row = p.get_by_test_id("links-table").locator("tbody tr").first
        expect(row.get_by_test_id("link-badges")).to_contain_text("Protected")
        expect(row.get_by_test_id("link-badges")).to_contain_text("2 rules")
        p.get_by_role("button", name="Edit get-the-app").click()
        editor = p.get_by_test_id("link-edit")
        expect(editor.get_by_test_id("password-status")).to_contain_text("A password is set")
        expect(editor.get_by_test_id("rule-row")).to_have_count(2)
        editor.get_by_test_id("remove-password").check()
        editor.get_by_role("button", name="Remove rule 2").click()
        editor.get_by_test_id("link-save").click()
        expect(p.get_by_test_id("link-edit")).to_have_count(0)
        edited = api(server, "/api/v1/links/get-the-app")
        assert (edited["password_protected"], len(edited["rules"])) == (False, 1)

        # Followed from an iPhone, the link leads to its rule's URL; from a desktop, to its own.
        with resolving_apps(browser) as resolving:
            phone = resolving.new_context(
                user_agent=IPHONE_SAFARI,
                viewport={"width": 390, "height": 844},
                device_scale_factor=3,
                is_mobile=True,
                has_touch=True,
            ).new_page()
            phone.goto(f"{server.base_url}/get-the-app")
            expect(phone).to_have_url(f"{apps}/ios")
            expect(phone.get_by_role("heading")).to_have_text("/ios")
            desktop = resolving.new_context().new_page()
            desktop.goto(f"{server.base_url}/get-the-app")
            expect(desktop).to_have_url(f"{apps}/desktop")
    assert api(server, "/api/v1/links/get-the-app")["click_count"] == 2


def test_stats_show_clicks_per_variant_and_bots_apart(page: Watched, server: Server) -> None:
    variants = [
        {"url": "https://a.example/", "weight": 50},
        {"url": "https://b.example/", "weight": 50},
    ]
    link(server, "ab-test", variants=variants)
    for _ in range(6):
        visit(server, "ab-test")
    for _ in range(2):
        visit(server, "ab-test", **{"user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    p = page.page
    p.goto(f"{server.base_url}/#/links?q=ab-test")
    row = p.get_by_test_id("links-table").locator("tbody tr").first
    expect(row.get_by_test_id("link-badges")).to_contain_text("A/B")
    expect(row).to_contain_text("+2 bots")
    p.goto(f"{server.base_url}/#/links/ab-test/stats")
    wait_for_folded_clicks(p, "6")
    stats = api(server, "/api/v1/links/ab-test/stats")
    split = p.get_by_test_id("variants")
    for entry in stats["variants"]:
        name = "AB"[int(entry["value"])] + ": " + variants[int(entry["value"])]["url"]
        expect(split.locator(".bar-row", has_text=name)).to_contain_text(str(entry["clicks"]))
    assert sum(entry["clicks"] for entry in stats["variants"]) == 6
    expect(p.get_by_test_id("bots")).to_contain_text("Googlebot")
    screenshot(p, "stats-variants-bots-1280")


SCREENS = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}


def fits_the_screen(p: Any, width: int, name: str) -> None:
    """No sideways scroll, the form's controls (if any) inside the screen, axe, a picture."""
    overflow = p.evaluate(SIDEWAYS)
    assert overflow <= 0, (name, overflow)
    for control in p.locator("input, button").all():
        expect(control).to_be_in_viewport(ratio=1)
    assert serious_accessibility_violations(p) == []
    screenshot(p, f"{name}-{width}")


def submit(p: Any, password: str) -> Any:
    """Type `password` into a link's form and send it as a person does; the answer."""
    p.get_by_label("Password", exact=True).fill(password)
    with p.expect_navigation() as answer:
        p.get_by_role("button", name="Open").click()
    return answer.value


@pytest.mark.parametrize("width", list(SCREENS))
def test_a_protected_link_s_form_refuses_limits_and_opens_on_a_phone_and_a_desktop(
    browser: Any, server: Server, width: int
) -> None:
    vault, locked = f"vault-{width}", f"locked-{width}"
    with landing_site() as apps, resolving_apps(browser) as resolving:
        link(server, vault, url=f"{apps}/vault", password="open sesame")
        link(server, locked, url=f"{apps}/locked", password="open sesame")
        context = resolving.new_context(
            viewport=SCREENS[width], is_mobile=width < 500, has_touch=width < 500
        )
        p = context.new_page()
        assert p.goto(f"{server.base_url}/{vault}").status == 200
        expect(p.get_by_role("heading")).to_have_text("This link is protected")
        expect(p.get_by_label("Password", exact=True)).to_be_focused()
        fits_the_screen(p, width, "password-form")

        p.keyboard.type("not the one")
        with p.expect_navigation() as answer:
            p.keyboard.press("Enter")
        assert answer.value.status == 401
        expect(p.get_by_role("alert")).to_have_text("That password is not right.")
        fits_the_screen(p, width, "password-wrong")

        # The address bar shows the form's target now: Enter there (a GET) is the form again.
        assert p.url == f"{server.base_url}/api/v1/unlock/{vault}"
        assert p.goto(p.url).status == 200
        expect(p).to_have_url(f"{server.base_url}/{vault}")
        expect(p.get_by_role("heading")).to_have_text("This link is protected")

        # The same form labelled gzip on its way: refused before any attempt or click.
        p.route(
            "**/api/v1/unlock/*",
            lambda route, request: route.continue_(
                headers={**request.headers, "content-encoding": "gzip"}
            ),
        )
        refused = submit(p, "open sesame")
        assert (refused.status, refused.headers["accept-encoding"]) == (415, "identity")
        expect(p.get_by_role("heading")).to_have_text("The form could not be read")
        expect(p.locator("main")).to_contain_text("Content-Encoding gzip is not supported")
        fits_the_screen(p, width, "password-coded")
        p.unroute("**/api/v1/unlock/*")

        # The page leads back to the form, which opens the link as it should.
        with p.expect_navigation():
            p.get_by_role("link", name="Back to the password form").click()
        expect(p).to_have_url(f"{server.base_url}/{vault}")
        expect(p.get_by_role("heading")).to_have_text("This link is protected")
        submit(p, "open sesame")
        expect(p).to_have_url(f"{apps}/vault")
        expect(p.get_by_role("heading")).to_have_text("/vault")
        assert api(server, f"/api/v1/links/{vault}")["click_count"] == 1

        p.goto(f"{server.base_url}/{locked}")
        statuses = [submit(p, f"guess {n}").status for n in range(6)]
        assert statuses == [401] * 5 + [429]
        expect(p.get_by_role("heading")).to_have_text("Too many attempts")
        expect(p.locator("main")).to_contain_text("Try again in")
        fits_the_screen(p, width, "password-too-many")
        with p.expect_navigation():
            p.get_by_role("link", name="Back to the password form").click()
        expect(p).to_have_url(f"{server.base_url}/{locked}")
        expect(p.get_by_role("heading")).to_have_text("This link is protected")
        context.close()
    assert api(server, f"/api/v1/links/{locked}")["click_count"] == 0


def test_a_prefetched_link_counts_no_click_until_a_person_follows_it(
    browser: Any, server: Server
) -> None:
    with landing_site() as apps, resolving_apps(browser) as resolving:
        link(server, "one-visit-sale", url=f"{apps}/sale", max_visits=1)
        short_url = f"{server.base_url}/one-visit-sale"
        p = resolving.new_context(viewport=SCREENS[1280]).new_page()
        with p.expect_response(short_url) as prefetched:
            p.goto(f"{apps}/news?prefetch={short_url}")
        assert prefetched.value.request.headers.get("sec-purpose") == "prefetch"
        assert prefetched.value.status == 302
        # The prefetch used nothing of the link's one visit: the person's click still lands.
        assert api(server, "/api/v1/links/one-visit-sale")["click_count"] == 0
        p.get_by_role("link", name="Open").click()
        expect(p).to_have_url(f"{apps}/sale")
        p.context.close()
    assert api(server, "/api/v1/links/one-visit-sale")["click_count"] == 1


# Keyboard and screen reader: what a person who cannot see the page or use a mouse relies on.


def test_the_page_wide_message_region_stays_in_the_accessibility_tree_while_empty(
    page: Watched, server: Server
) -> None:
    # Screen readers announce changes inside a live region they already know; one that is
    # display:none when its message is written (and shown at the same moment) is often not
    # announced at all. So the empty region is rendered but takes no room.
    p = page.page
    region = p.locator("#status").and_(p.get_by_role("status"))  # roles skip display:none
    p.goto(f"{server.base_url}/")
    expect(region).to_have_count(1)
    expect(p.locator("#status")).to_be_hidden()  # nothing to see while it is empty
    p.get_by_test_id("shorten-url").fill("https://example.com/announced")
    p.get_by_test_id("shorten-submit").click()
    expect(region).to_have_text(re.compile("^Short link created"))
    expect(region).to_be_visible()
    p.get_by_role("link", name="Items").click()
    expect(region).to_have_text("")
    expect(region).to_have_count(1)


def test_a_field_error_is_announced_when_enter_was_pressed_in_that_field(
    page: Watched, server: Server
) -> None:
    # Focus already on the refused field does not move, so nothing reads its new description:
    # the sentence must also reach a live region.
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").wait_for()
    p.keyboard.type("javascript:alert(1)")  # the URL field has focus on arrival
    p.keyboard.press("Enter")
    url = p.get_by_test_id("shorten-url")
    expect(url).to_have_attribute("aria-invalid", "true")
    expect(url).to_be_focused()
    sentence = p.locator(f"#{url.get_attribute('id')}-error")
    expect(sentence).to_contain_text("not allowed")
    live = p.locator("main [aria-live], main [role=alert]").filter(has_text="not allowed")
    expect(live).to_have_count(1)
    # Shown once: the announcement is for screen readers only.
    expect(
        p.get_by_text(re.compile("not allowed")).and_(p.locator(":not(.sr-only)"))
    ).to_have_count(1)


def test_a_refused_submit_keeps_a_keyboard_user_in_the_form(page: Watched, server: Server) -> None:
    # A button pressed is busy while its request runs. Disabled, it dropped its focus to the
    # page: a refusal with no field to go to (a taken alias, 409) or whose field is a group
    # that takes no focus (a rule or variant without its URL) left a keyboard user nowhere.
    link(server, "taken-by-keys")
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").fill("https://example.com/keys")
    p.get_by_text("More options: alias").click()
    p.get_by_label("Alias", exact=True).fill("taken-by-keys")
    submit = p.get_by_test_id("shorten-submit")
    submit.focus()
    p.keyboard.press("Enter")
    expect(p.get_by_role("alert")).to_contain_text("already taken")
    expect(submit).to_be_focused()
    p.get_by_label("Alias", exact=True).fill("")
    p.get_by_test_id("link-options").locator("summary").click()
    p.get_by_test_id("add-rules").click()
    submit.focus()
    p.keyboard.press("Enter")
    rules = p.get_by_test_id("rules-list")
    expect(rules).to_have_attribute("aria-invalid", "true")
    expect(rules.get_by_label("Go to")).to_be_focused()
    # The same in a link's edit dialog: an A/B split without its URLs, saved by keyboard.
    p.goto(f"{server.base_url}/#/links?q=taken-by-keys")
    p.get_by_role("button", name="Edit taken-by-keys").click()
    editor = p.get_by_test_id("link-edit")
    editor.get_by_test_id("link-options").locator("summary").click()
    editor.get_by_test_id("add-variants").click()
    editor.get_by_test_id("add-variants").click()
    editor.get_by_test_id("link-save").focus()
    p.keyboard.press("Enter")
    variants = editor.get_by_test_id("variants-list")
    expect(variants).to_have_attribute("aria-invalid", "true")
    expect(variants.get_by_label("Go to").first).to_be_focused()


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two CSS colours given as rgb()/rgba() (alpha ignored)."""

    def luminance(css: str) -> float:
        channels = [int(float(c)) / 255 for c in re.findall(r"[\d.]+", css)[:3]]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# The focused element's ring colour, and the first opaque background behind the ring.
RING = """() => {
    const focused = document.activeElement;
    let node = focused.parentElement;
    let behind = "rgb(255, 255, 255)";
    for (; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (!/^rgba\\(.*, 0\\)$/.test(colour) && colour !== "transparent") {
            behind = colour;
            break;
        }
    }
    const style = getComputedStyle(focused);
    const name = focused.getAttribute("aria-label") || focused.textContent.trim() || focused.name;
    return { name, ring: style.outlineStyle === "none" ? null : style.outlineColor, behind };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_from_what_is_around_it_in_both_themes(
    browser: Any, server: Server, scheme: str
) -> None:
    # WCAG 1.4.11: a focus indicator needs 3:1 against what is next to it.
    context = browser.new_context(color_scheme=scheme)
    p = context.new_page()
    p.goto(f"{server.base_url}/#/links")
    expect(p.locator("main [aria-busy='true']")).to_have_count(0)
    weak = []
    for _ in range(14):  # the skip link, the header's links, then the page's own controls
        p.keyboard.press("Tab")
        seen = p.evaluate(RING)
        if seen["ring"] is None or contrast(seen["ring"], seen["behind"]) < 3:
            weak.append(seen)
    context.close()
    assert weak == []


def test_an_error_message_is_readable_in_the_dark_theme(browser: Any, server: Server) -> None:
    link(server, "gone-meanwhile")
    context = browser.new_context(color_scheme="dark")
    watched = Watched(context.new_page(), server.base_url)
    p = watched.page
    p.goto(f"{server.base_url}/#/links?q=gone-meanwhile")
    delete = p.get_by_role("button", name="Delete gone-meanwhile")
    expect(delete).to_be_visible()
    api(server, "/api/v1/links/gone-meanwhile", "DELETE")  # from another tab, say
    delete.click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(p.locator("#status[data-tone='error']")).not_to_have_text("")
    assert serious_accessibility_violations(p) == []
    context.close()


def tab_to(p: Any, target: Any, most: int = 80) -> None:
    """Press Tab until `target` has focus: it is reached by keyboard, in the page's order."""
    for _ in range(most):
        if target.evaluate("(node) => node === document.activeElement"):
            return
        p.keyboard.press("Tab")
    raise AssertionError(f"{most} presses of Tab never reached {target}")


def test_keyboard_only_shorten_copy_and_a_link_with_rules_and_a_password(
    browser: Any, server: Server
) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    watched = Watched(context.new_page(), server.base_url)
    p = watched.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").wait_for()
    p.keyboard.type("https://example.com/by-keys")  # the URL field has focus on arrival
    p.keyboard.press("Enter")
    short = p.get_by_test_id("short-url")
    expect(short).to_have_text(re.compile("^" + re.escape(server.base_url)))
    tab_to(p, p.get_by_test_id("copy-short-url"))
    p.keyboard.press("Enter")
    expect(p.get_by_role("status").filter(has_text="Copied")).to_have_count(1)
    assert p.evaluate("navigator.clipboard.readText()") == short.inner_text()

    # Every option is reached with Tab, opened with Enter, filled by typing.
    p.get_by_test_id("shorten-url").focus()
    p.keyboard.type("https://example.com/keyed")
    tab_to(p, p.get_by_text("More options"))
    p.keyboard.press("Enter")
    tab_to(p, p.get_by_label("Alias", exact=True))
    p.keyboard.type("keyed-rules")
    tab_to(p, p.get_by_text("Rules, A/B split"))
    p.keyboard.press("Enter")
    tab_to(p, p.get_by_label("Password", exact=True))
    p.keyboard.type("open sesame")
    tab_to(p, p.get_by_test_id("add-rules"))
    p.keyboard.press("Enter")  # the new rule's first control has focus
    p.keyboard.type("https://example.com/ios")
    p.keyboard.press("Tab")
    expect(p.get_by_label("Device")).to_be_focused()
    p.keyboard.type("iPhone")  # a closed select follows typed letters
    expect(p.get_by_label("Device")).to_have_value("ios")
    p.keyboard.press("Shift+Tab")
    p.keyboard.press("Enter")  # submits the form from the rule's URL
    expect(short).to_have_text(f"{server.base_url}/keyed-rules")
    saved = api(server, "/api/v1/links/keyed-rules")
    assert [(rule["url"], rule["device"]) for rule in saved["rules"]] == [
        ("https://example.com/ios", "ios")
    ]
    assert saved["password_protected"] is True
    context.close()
    assert watched.problems == []


def test_dialogs_keep_focus_inside_close_on_escape_and_give_it_back_to_their_opener(
    page: Watched, server: Server
) -> None:
    link(server, "dialog-keys")
    p = page.page
    p.goto(f"{server.base_url}/#/links?q=dialog-keys")
    for opener, dialog in (
        ("QR code for dialog-keys", "qr-dialog"),
        ("Edit dialog-keys", "link-edit"),
        ("Delete dialog-keys", "confirm"),
    ):
        button = p.get_by_role("button", name=opener)
        tab_to(p, button)
        p.keyboard.press("Enter")
        expect(p.get_by_test_id(dialog)).to_be_visible()
        for _ in range(25):
            # Inside the dialog, or past its end in the browser's own controls (the body
            # here), never on the page under it.
            assert p.evaluate(
                "document.activeElement === document.body"
                " || document.activeElement.closest('dialog') !== null"
            )
            p.keyboard.press("Tab")
        p.keyboard.press("Escape")
        expect(p.get_by_test_id(dialog)).to_have_count(0)
        expect(button).to_be_focused()
    assert api(server, "/api/v1/links/dialog-keys")["is_active"] is True  # nothing happened


def test_keyboard_only_import_of_a_csv(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/import")
    tab_to(p, p.get_by_test_id("import-file"))
    # Headless chromium now and then drops a keyboard-opened chooser (about one run in
    # three here, with the input focused): a person would press again, so does the test.
    for attempt in range(3):
        try:
            with p.expect_file_chooser(timeout=3_000) as chooser:
                p.keyboard.press("Enter")
            break
        except PlaywrightTimeout:
            assert attempt < 2, "Enter on the focused file field never opened a file chooser"
    csv = "url,alias\nhttps://example.com/k1,keyed-import\n"
    chooser.value.set_files(
        files=[{"name": "k.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    tab_to(p, p.get_by_test_id("import-submit"))
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("import-counts")).to_contain_text("1 of 1 valid rows loaded")
    expect(p.get_by_role("status").filter(has_text="links loaded")).to_have_count(1)
    assert api(server, "/api/v1/links/keyed-import")["url"] == "https://example.com/k1"


def test_the_skip_link_moves_focus_to_the_page_and_leaves_it_where_it_was(
    page: Watched, server: Server
) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/links")
    expect(p.locator("main h1")).to_have_text("Your links")
    p.keyboard.press("Tab")  # the first stop of every page
    expect(p.get_by_role("link", name="Skip to content")).to_be_focused()
    p.keyboard.press("Enter")
    expect(p.locator("main")).to_be_focused()
    expect(p).to_have_url(f"{server.base_url}/#/links")
    expect(p.locator("main h1")).to_have_text("Your links")
    p.keyboard.press("Tab")  # the page's first control, past the header
    expect(p.get_by_test_id("links-export")).to_be_focused()


def test_a_required_field_says_so_on_screen_and_to_screen_readers(
    page: Watched, server: Server
) -> None:
    p = page.page
    for route, label in (("/", "Long URL"), ("/#/items", "Name"), ("/#/keys", "Name")):
        p.goto(f"{server.base_url}{route}")
        control = p.get_by_role("textbox", name=label, exact=True)
        expect(control).to_have_attribute("required", "")  # said by screen readers
        expect(p.locator(".field", has=control)).to_contain_text("required")  # and seen
    # An optional one says nothing of the kind.
    p.goto(f"{server.base_url}/")
    p.get_by_text("More options").click()
    alias = p.get_by_label("Alias", exact=True)
    expect(p.locator(".field", has=alias)).not_to_contain_text("required")


# A text field's border against the background around it, and the field's own background.
FIELD_EDGE = """(control) => {
    let node = control.parentElement;
    let behind = "rgb(255, 255, 255)";
    for (; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (!/^rgba\\(.*, 0\\)$/.test(colour) && colour !== "transparent") {
            behind = colour;
            break;
        }
    }
    const style = getComputedStyle(control);
    return { border: style.borderTopColor, behind, inside: style.backgroundColor };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_text_field_s_edge_stands_out_in_both_themes(
    browser: Any, server: Server, scheme: str
) -> None:
    # WCAG 1.4.11: an empty field is found by its border alone, so the border needs 3:1
    # against the card or page around it (the field's inside is the card's colour).
    context = browser.new_context(color_scheme=scheme)
    p = context.new_page()
    weak = {}
    for route, control in (("/", "shorten-url"), ("/#/links", "links-search")):
        p.goto(f"{server.base_url}{route}")
        seen = p.get_by_test_id(control).evaluate(FIELD_EDGE)
        if contrast(seen["border"], seen["behind"]) < 3:
            weak[control] = seen
    context.close()
    assert weak == {}


def test_each_page_names_itself_in_the_document_title(page: Watched, server: Server) -> None:
    # The title is what a screen reader says first on arrival, and what a tab is called.
    p = page.page
    p.goto(f"{server.base_url}/")
    expect(p).to_have_title("Shorten a link · shortstack")
    p.get_by_role("navigation", name="Main").get_by_role("link", name="Links").click()
    expect(p).to_have_title("Your links · shortstack")
    p.goto(f"{server.base_url}/#/nowhere")
    expect(p).to_have_title("Not found · shortstack")


def test_items_and_users_keep_a_keyboard_user_in_the_list_after_a_page_or_a_delete(
    page: Watched, server: Server
) -> None:
    category = "kept-focus"
    for n in range(11):  # two pages of ten
        api(
            server, "/api/v1/items", "POST", {"name": f"Kept {n}", "price": 1, "category": category}
        )
    api(
        server,
        "/api/v1/users",
        "POST",
        {"userId": "kept-user", "name": "K", "email": "k@example.com"},
    )
    p = page.page
    in_table = "document.activeElement.closest('table') !== null"
    p.goto(f"{server.base_url}/#/items?category={category}")
    table = p.get_by_test_id("items-table")
    expect(table.locator("tbody tr")).to_have_count(10)
    p.get_by_test_id("next-page").focus()
    p.keyboard.press("Enter")
    expect(table.locator("tbody tr")).to_have_count(1)
    # The button pressed is gone with the page it was on: focus goes to the new rows, not
    # to the top of the document.
    expect(p.locator("body")).not_to_be_focused()
    assert p.evaluate(in_table)
    expect(table).to_have_accessible_description("Page 2")
    tab_to(p, p.get_by_role("button", name=re.compile("^Delete Kept")))
    p.keyboard.press("Enter")
    p.keyboard.press("Enter")  # the confirming button has focus
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("No item in this category.")
    expect(p.locator("body")).not_to_be_focused()
    assert p.evaluate(in_table)

    p.goto(f"{server.base_url}/#/users")
    p.get_by_role("button", name="Delete kept-user").focus()
    p.keyboard.press("Enter")
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("users-table")).not_to_contain_text("kept-user")
    expect(p.locator("body")).not_to_be_focused()
    assert p.evaluate(in_table)


def test_a_phone_s_table_cards_keep_their_column_names_visual_only(
    browser: Any, server: Server
) -> None:
    # On a phone each cell shows its column's name, which a screen reader already says from
    # the column header: read twice ("State, State Active") if the shown name were text.
    link(server, "card-cells")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    p = context.new_page()
    p.goto(f"{server.base_url}/#/links?q=card-cells")
    row = p.get_by_test_id("links-table").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name="Active", exact=True)).to_have_count(1)
    expect(row.get_by_role("cell", name="0", exact=True)).to_have_count(1)
    context.close()


# Every rule of every stylesheet that moves something: a transition, an animation, smooth scroll.
MOTION = """() => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
    .map((rule) => rule.cssText)
    .filter((text) => /transition|animation|scroll-behavior:\\s*smooth/.test(text))"""


def test_nothing_moves_so_reduced_motion_has_nothing_to_stop(page: Watched, server: Server) -> None:
    # The page has no motion at all, with or without prefers-reduced-motion: a rule that adds
    # some must come with its reduced-motion fallback, and change this test.
    link(server, "still-page")
    p = page.page
    p.emulate_media(reduced_motion="reduce")
    p.goto(f"{server.base_url}/#/links?q=still-page")
    expect(p.get_by_test_id("links-table").locator("tbody tr")).to_have_count(1)
    assert p.evaluate(MOTION) == []
    p.get_by_role("button", name="QR code for still-page").click()
    p.keyboard.press("Escape")
    p.get_by_role("button", name="Disable still-page").click()
    expect(p.get_by_role("status").filter(has_text="still-page disabled")).to_have_count(1)
    assert p.evaluate("document.getAnimations().length") == 0


def test_a_link_that_opens_a_new_tab_says_so(page: Watched, server: Server) -> None:
    # A new tab changes where Back goes; a screen reader user should know before following.
    link(server, "new-tab-target")
    p = page.page
    p.goto(f"{server.base_url}/#/links?q=new-tab-target")
    target = p.get_by_test_id("links-table").locator("a[target=_blank]")
    expect(target).to_have_count(1)
    expect(target).to_have_accessible_name(
        "https://example.com/new-tab-target (opens in a new tab)"
    )
    expect(target).to_have_text(re.compile("^https://example.com/new-tab-target"))


# The focused element: a key that stays the same for the same element, whether it shows a
# focus ring, and whether it is on screen. None when focus is past the page's end (the body).
FOCUS_STOP = """() => {
    const focused = document.activeElement;
    if (!focused || focused === document.body) return null;
    focused.dataset.walk = focused.dataset.walk || String(Math.random());
    const style = getComputedStyle(focused);
    const box = focused.getBoundingClientRect();
    return {
        key: focused.dataset.walk,
        name: (focused.getAttribute("aria-label") || focused.textContent || focused.name || "")
            .trim().slice(0, 40),
        ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
        shown: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight,
    };
}"""


def test_tab_walks_every_page_with_a_visible_ring_on_each_stop_and_comes_back_around(
    page: Watched, server: Server
) -> None:
    # Focus visible everywhere, and no keyboard trap: Tab reaches the end of every page, goes
    # round through the header (its skip link first) and comes back to where it started.
    link(server, "tab-walk")
    routes = {**PAGES, "links": "/#/links?q=tab-walk", "stats": "/#/links/tab-walk/stats"}
    p = page.page
    problems = {}
    for name, route in routes.items():
        p.goto(f"{server.base_url}{route}")
        expect(p.locator("main h1")).to_be_visible()
        expect(p.locator("main [aria-busy='true']")).to_have_count(0)
        p.evaluate("document.activeElement.blur()")
        stops: list[dict[str, Any]] = []
        for _ in range(150):
            p.keyboard.press("Tab")
            stop = p.evaluate(FOCUS_STOP)
            if stop is None:
                continue
            if stops and stop["key"] == stops[0]["key"]:
                break
            stops.append(stop)
        else:
            problems[name] = f"Tab never came back to the first stop: {stops[-3:]}"
            continue
        assert "Skip to content" in [stop["name"] for stop in stops], name
        unseen = [stop["name"] for stop in stops if not (stop["ring"] and stop["shown"])]
        if unseen:
            problems[name] = f"no ring, or off screen: {unseen}"
    assert problems == {}


@pytest.mark.parametrize(
    ("zoom", "viewport"),
    [(200, {"width": 640, "height": 450}), (400, {"width": 320, "height": 225})],
)
def test_every_page_reflows_when_a_1280_px_window_is_zoomed(
    browser: Any, server: Server, zoom: int, viewport: dict[str, int]
) -> None:
    # Zoom divides the CSS pixels a window has: 1280 x 900 at 200% is 640 x 450, and WCAG
    # 1.4.10 asks that 400% (320 px wide) still need no sideways scrolling.
    context = browser.new_context(viewport=viewport, device_scale_factor=zoom // 100)
    p = context.new_page()
    sideways = {}
    for name, route in PAGES.items():
        p.goto(f"{server.base_url}{route}")
        expect(p.locator("main h1")).to_be_visible()
        expect(p.locator("main [aria-busy='true']")).to_have_count(0)
        overflow = p.evaluate(SIDEWAYS)
        if overflow > 0:
            sideways[name] = overflow
    context.close()
    assert sideways == {}


def test_a_message_never_hides_the_control_that_has_focus(browser: Any, server: Server) -> None:
    # WCAG 2.4.11: the message sits at the bottom of the screen for 8 s; the button a person
    # just pressed there must not be under it.
    for n in range(6):  # a page long enough to scroll
        link(server, f"under-toast-{n}")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    p = context.new_page()
    p.goto(f"{server.base_url}/#/links?q=under-toast")
    copy = p.get_by_role("button", name=f"Copy {server.base_url}/under-toast-3")
    expect(copy).to_be_visible()
    # Scroll so the button sits on the screen's bottom edge, where the message appears.
    p.evaluate(
        """(button) => {
            const box = button.getBoundingClientRect();
            window.scrollBy(0, box.bottom - window.innerHeight + 12);
        }""",
        copy.element_handle(),
    )
    copy.focus()
    p.keyboard.press("Enter")
    expect(copy).to_be_focused()
    expect(p.locator("#status")).to_contain_text("Copied")
    p.wait_for_timeout(300)  # the message is drawn
    message = p.locator("#status").bounding_box()
    button = copy.bounding_box()
    assert message is not None
    assert button is not None
    assert button["y"] + button["height"] <= message["y"], (button, message)
    context.close()


def test_a_refused_custom_range_is_tied_to_its_field(page: Watched, server: Server) -> None:
    p = page.page
    p.goto(f"{server.base_url}/#/dashboard")
    picker = p.get_by_role("group", name="Date range")
    picker.get_by_label("From", exact=True).fill("2026-11-20")
    picker.get_by_label("To", exact=True).fill("2026-11-10")
    picker.get_by_role("button", name="Show").click()
    expect(picker.get_by_role("alert")).to_contain_text("on or before the last day")
    first_day = picker.get_by_label("From", exact=True)
    expect(first_day).to_be_focused()
    expect(first_day).to_have_attribute("aria-invalid", "true", timeout=2_000)
    expect(first_day).to_have_accessible_description(
        re.compile("on or before the last day"), timeout=2_000
    )


def test_revoking_a_key_by_keyboard_keeps_focus_in_the_list(page: Watched, server: Server) -> None:
    api(server, "/api/v1/keys", "POST", {"name": "kept-a"})
    api(server, "/api/v1/keys", "POST", {"name": "kept-b"})
    p = page.page
    p.goto(f"{server.base_url}/#/keys")
    tab_to(p, p.get_by_role("button", name="Revoke kept-a"))
    p.keyboard.press("Enter")
    p.keyboard.press("Enter")  # the confirming button has focus
    expect(p.get_by_test_id("keys-table")).not_to_contain_text("kept-a")
    expect(p.locator("body")).not_to_be_focused()
    assert p.evaluate("document.activeElement.closest('table') !== null")


def test_deleting_a_webhook_by_keyboard_keeps_focus_in_the_list(
    page: Watched, server: Server
) -> None:
    for name in ("kept-a", "kept-b"):
        hook = {"url": f"http://127.0.0.1:9/{name}", "events": ["LinkCreated"]}
        api(server, "/api/v1/webhooks", "POST", hook)
    p = page.page
    p.goto(f"{server.base_url}/#/webhooks")
    tab_to(p, p.get_by_role("button", name=re.compile("^Delete .*kept-a")))
    p.keyboard.press("Enter")
    p.keyboard.press("Enter")  # the confirming button has focus
    expect(p.get_by_test_id("webhooks-table")).not_to_contain_text("kept-a")
    expect(p.locator("body")).not_to_be_focused(timeout=2_000)


def test_an_import_s_progress_is_not_read_out_at_every_poll_only_its_end(
    page: Watched, server: Server
) -> None:
    # The progress card is drawn again every 400 ms while an import runs: inside a live
    # region a screen reader would read it out each time. The end is said once, by the
    # page-wide message.
    p = page.page
    p.goto(f"{server.base_url}/#/import")
    csv = "url,alias\nhttps://example.com/quiet,quiet-import\n"
    p.get_by_test_id("import-file").set_input_files(
        files=[{"name": "q.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    p.get_by_test_id("import-submit").click()
    expect(p.get_by_test_id("import-counts")).to_contain_text("1 of 1 valid rows loaded")
    live = p.get_by_test_id("import-progress").evaluate(
        "(bar) => bar.closest('[aria-live], [role=status], [role=alert]') !== null"
    )
    assert live is False
    expect(p.get_by_role("status").filter(has_text="links loaded")).to_have_count(1)


def test_a_search_says_how_many_links_match_without_reading_the_table(
    page: Watched, server: Server
) -> None:
    # Typing in the search keeps focus there; the count is said, not the whole new table
    # (which a live region round the table would read out at every pause).
    link(server, "counted-search")
    p = page.page
    p.goto(f"{server.base_url}/#/links")
    p.get_by_test_id("links-search").click()
    p.keyboard.type("counted-search")
    expect(p.get_by_test_id("links-total")).to_have_text("1 link match")
    table_is_live = p.get_by_test_id("links-table").evaluate(
        "(table) => table.closest('[aria-live], [role=status], [role=alert]') !== null"
    )
    assert table_is_live is False
    said = p.locator("[aria-live], [role=status]").filter(has_text="1 link match")
    expect(said).to_have_count(1)
    expect(p.get_by_test_id("links-search")).to_be_focused()


def test_a_new_short_link_is_said_once(page: Watched, server: Server) -> None:
    # The page-wide message says it; the result card (link, copy, dates, QR, downloads)
    # inside a live region would be read out whole after it.
    p = page.page
    p.goto(f"{server.base_url}/")
    p.get_by_test_id("shorten-url").fill("https://example.com/said-once")
    p.get_by_test_id("shorten-submit").click()
    short = p.get_by_test_id("short-url")
    expect(short).to_be_visible()
    card_is_live = short.evaluate(
        "(link) => link.closest('[aria-live], [role=status], [role=alert]') !== null"
    )
    assert card_is_live is False
    expect(p.get_by_role("status").filter(has_text="Short link created")).to_have_count(1)
