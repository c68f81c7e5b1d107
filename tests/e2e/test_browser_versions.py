"""Two tabs, one record: the web app's writes are guarded by the version it showed (0004).

An edit dialog holds the ETag of what it shows and saves with If-Match; a 412 keeps the
dialog and the person's input and offers "Load the latest" or "Overwrite". A row's Delete
or Disable acts only on the version the list showed. The same page also runs from another
origin than the API's (app and API split, as a page on CloudFront calling an API elsewhere):
the ETag must be readable there and If-Match allowed, or every guard would silently vanish.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import test_browser
from tests.e2e.server import Server, call, free_port, running_server
from tests.e2e.test_browser import (
    ROOT,
    Watched,
    api,
    link,
    screenshot,
    serious_accessibility_violations,
)

# The browser tests' chromium fixture (one launch per module), not written twice.
browser = test_browser.browser
pytestmark = test_browser.pytestmark


class SplitPage(SimpleHTTPRequestHandler):
    """The page's files from another origin, with the CSP the AWS distribution sends."""

    api_origin = ""

    def end_headers(self) -> None:
        self.send_header(
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {self.api_origin}; object-src 'none'; base-uri 'none'",
        )
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(the API's origin, the page's origin): a copy of web/ whose config.js names the API."""
    port = free_port()
    api_origin = f"http://127.0.0.1:{port}"
    web = tmp_path_factory.mktemp("split") / "web"
    shutil.copytree(ROOT / "web", web)
    settings = f'apiBaseUrl: "{api_origin}", cognitoDomain: "", cognitoClientId: ""'
    (web / "assets" / "config.js").write_text(f"export default {{ {settings} }};\n")
    handler = type("Handler", (SplitPage,), {"api_origin": api_origin})
    site = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(web)))
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield api_origin, f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, split: tuple[str, str]) -> Iterator[Server]:
    api_origin, page_origin = split
    port = int(api_origin.rsplit(":", 1)[1])
    directory = tmp_path_factory.mktemp("versions")
    with running_server(directory, port=port, FRONTEND_ORIGIN=page_origin) as running:
        yield running


@pytest.fixture
def tabs(browser: Any, server: Server) -> Iterator[tuple[Any, Any]]:
    """Two tabs of one browser on the page, each watched for errors and CSP reports."""
    context = browser.new_context()
    watched = [Watched(context.new_page(), server.base_url) for _ in range(2)]
    yield watched[0].page, watched[1].page
    context.close()
    assert [problem for w in watched for problem in w.problems] == []


def edit_link(p: Any, base: str, alias: str, by_keyboard: bool = False) -> Any:
    p.goto(f"{base}/#/links?q={alias}")
    opener = p.get_by_role("button", name=f"Edit {alias}")
    if by_keyboard:
        opener.focus()
        p.keyboard.press("Enter")
    else:
        opener.click()
    editor = p.get_by_test_id("link-edit")
    expect(editor.get_by_label("Long URL", exact=True)).to_be_focused()
    return editor


def two_editors(tabs: tuple[Any, Any], server: Server, alias: str, **keys: bool) -> Any:
    """Their dialog (the first tab's) and mine (the second's), open on one new link."""
    link(server, alias, title="As made")
    return (
        edit_link(tabs[0], server.base_url, alias),
        edit_link(tabs[1], server.base_url, alias, **keys),
    )


def test_the_later_of_two_tabs_saving_one_link_is_told_and_overwrites_nothing(
    tabs: tuple[Any, Any], server: Server
) -> None:
    theirs, mine = two_editors(tabs, server, "two-tabs")
    second = tabs[1]
    theirs.get_by_label("Title", exact=True).fill("From the first tab")
    theirs.get_by_test_id("link-save").click()
    expect(theirs).to_have_count(0)

    mine.get_by_label("Title", exact=True).fill("From the second tab")
    mine.get_by_label("Tags", exact=True).fill("mine")
    mine.get_by_test_id("link-save").click()
    conflict = mine.get_by_test_id("conflict")
    expect(conflict).to_contain_text("two-tabs changed since you opened it")
    expect(conflict).to_contain_text("Changed there: Title (now “From the first tab”).")
    expect(conflict.get_by_test_id("conflict-message")).to_be_focused()
    # Nothing overwritten, and what the person typed is still there.
    assert api(server, "/api/v1/links/two-tabs")["title"] == "From the first tab"
    expect(mine.get_by_label("Title", exact=True)).to_have_value("From the second tab")
    assert serious_accessibility_violations(second) == []
    screenshot(second, "link-edit-conflict-1280")
    second.set_viewport_size({"width": 390, "height": 844})
    screenshot(second, "link-edit-conflict-390")

    conflict.get_by_role("button", name="Overwrite").click()
    expect(mine).to_have_count(0)
    saved = api(server, "/api/v1/links/two-tabs")
    assert (saved["title"], saved["tags"]) == ("From the second tab", ["mine"])
    row = second.get_by_test_id("links-table").locator("tbody tr", has_text="two-tabs")
    expect(row).to_contain_text("From the second tab")


def test_load_the_latest_refills_the_dialog_by_keyboard_and_the_next_save_keeps_theirs(
    tabs: tuple[Any, Any], server: Server
) -> None:
    theirs, mine = two_editors(tabs, server, "load-latest", by_keyboard=True)
    second = tabs[1]
    theirs.get_by_label("Long URL", exact=True).fill("https://example.org/theirs")
    theirs.get_by_test_id("link-save").click()
    expect(theirs).to_have_count(0)

    second.keyboard.press("Tab")
    expect(mine.get_by_label("Title", exact=True)).to_be_focused()
    second.keyboard.type(" and mine")
    second.keyboard.press("Enter")
    conflict = mine.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Changed there: Long URL (now “https://example.org/theirs”).")
    expect(conflict.get_by_test_id("conflict-message")).to_be_focused()
    second.keyboard.press("Tab")
    expect(conflict.get_by_role("button", name="Load the latest")).to_be_focused()
    second.keyboard.press("Enter")
    expect(mine.get_by_test_id("conflict")).to_have_count(0)
    expect(mine.get_by_label("Long URL", exact=True)).to_have_value("https://example.org/theirs")
    expect(mine.get_by_label("Title", exact=True)).to_have_value("As made")
    expect(mine.get_by_label("Long URL", exact=True)).to_be_focused()
    expect(mine.get_by_role("status")).to_contain_text("Loaded the latest")
    assert serious_accessibility_violations(second) == []

    mine.get_by_label("Title", exact=True).fill("Mine, on the latest")
    second.keyboard.press("Enter")
    expect(mine).to_have_count(0)
    saved = api(server, "/api/v1/links/load-latest")
    assert (saved["url"], saved["title"]) == ("https://example.org/theirs", "Mine, on the latest")
    expect(second.get_by_role("button", name="Edit load-latest")).to_be_focused()


def test_a_row_s_disable_and_delete_act_only_on_the_version_the_list_shows(
    tabs: tuple[Any, Any], server: Server
) -> None:
    link(server, "stale-row", title="Shown")
    p, _ = tabs
    sent: list[str | None] = []
    guarded = ("PATCH", "DELETE")
    p.on("request", lambda r: r.method in guarded and sent.append(r.headers.get("if-match")))
    p.goto(f"{server.base_url}/#/links?q=stale-row")
    row = p.get_by_test_id("links-table").locator("tbody tr", has_text="stale-row")
    expect(row).to_contain_text("Shown")
    api(server, "/api/v1/links/stale-row", "PATCH", {"title": "Changed elsewhere"})

    p.get_by_role("button", name="Disable stale-row").click()
    expect(p.locator("#status[data-tone=error]")).to_contain_text(
        "stale-row changed since the list was shown"
    )
    expect(row).to_contain_text("Changed elsewhere")  # the list shows it as it is now
    expect(p.get_by_role("button", name="Disable stale-row")).to_be_focused()
    assert api(server, "/api/v1/links/stale-row")["is_active"] is True

    api(server, "/api/v1/links/stale-row", "PATCH", {"title": "Changed again"})
    p.get_by_role("button", name="Delete stale-row").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(p.locator("#status[data-tone=error]")).to_contain_text("Not done: stale-row changed")
    expect(row).to_contain_text("Changed again")
    assert api(server, "/api/v1/links/stale-row")["title"] == "Changed again"

    # The list as it is now: both act, each with the ETag of that version.
    p.get_by_role("button", name="Disable stale-row").click()
    expect(p.get_by_role("button", name="Enable stale-row")).to_be_focused()
    assert api(server, "/api/v1/links/stale-row")["is_active"] is False
    p.get_by_role("button", name="Delete stale-row").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(p.get_by_text("Deleted stale-row")).to_be_visible()
    assert len(sent) == 2, sent  # the refused attempts sent nothing
    assert all(sent), sent


def edit_item(p: Any, base: str, name: str, category: str) -> Any:
    p.goto(f"{base}/#/items?category={category}")
    p.get_by_role("button", name=f"Edit {name}").click()
    editor = p.get_by_test_id("item-edit")
    expect(editor.get_by_label("Name", exact=True)).to_be_focused()
    return editor


def test_two_tabs_editing_one_item_the_later_is_told_and_chooses_by_keyboard(
    tabs: tuple[Any, Any], server: Server
) -> None:
    fields = {"name": "Lamp", "price": 10, "category": "two-tabs", "description": "Brass"}
    item = api(server, "/api/v1/items", "POST", fields)
    path = f"/api/v1/items/{item['item_id']}"
    first, second = tabs
    theirs = edit_item(first, server.base_url, "Lamp", "two-tabs")
    mine = edit_item(second, server.base_url, "Lamp", "two-tabs")
    theirs.get_by_label("Price", exact=True).fill("12.5")
    theirs.get_by_role("button", name="Save item").click()
    expect(theirs).to_have_count(0)

    mine.get_by_label("Description", exact=True).fill("")  # cleared: no description at all
    mine.get_by_role("button", name="Save item").click()
    conflict = mine.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Lamp changed since you opened it")
    expect(conflict).to_contain_text("Changed there: Price (now 12.5).")
    expect(conflict.get_by_test_id("conflict-message")).to_be_focused()
    assert api(server, path)["description"] == "Brass"
    expect(mine.get_by_label("Description", exact=True)).to_have_value("")
    assert serious_accessibility_violations(second) == []
    second.keyboard.press("Tab")
    second.keyboard.press("Tab")
    expect(conflict.get_by_role("button", name="Overwrite")).to_be_focused()
    second.keyboard.press("Enter")
    expect(mine).to_have_count(0)
    # Only what this tab changed went over theirs: their price stays.
    saved = api(server, path)
    assert (saved["price"], saved["description"]) == (12.5, None)

    theirs = edit_item(first, server.base_url, "Lamp", "two-tabs")
    mine = edit_item(second, server.base_url, "Lamp", "two-tabs")
    theirs.get_by_label("Name", exact=True).fill("Desk lamp")
    theirs.get_by_role("button", name="Save item").click()
    expect(theirs).to_have_count(0)
    mine.get_by_label("Category", exact=True).fill("lights")
    second.keyboard.press("Enter")
    conflict.get_by_role("button", name="Load the latest").click()
    expect(mine.get_by_label("Name", exact=True)).to_have_value("Desk lamp")
    expect(mine.get_by_label("Category", exact=True)).to_have_value("two-tabs")
    expect(mine.get_by_label("Name", exact=True)).to_be_focused()
    mine.get_by_label("Category", exact=True).fill("lights")
    second.keyboard.press("Enter")
    expect(mine).to_have_count(0)
    saved = api(server, path)
    assert (saved["name"], saved["category"]) == ("Desk lamp", "lights")


def test_an_item_s_delete_acts_only_on_the_version_its_row_shows(
    tabs: tuple[Any, Any], server: Server
) -> None:
    item = api(server, "/api/v1/items", "POST", {"name": "Vase", "price": 3, "category": "stale"})
    path = f"/api/v1/items/{item['item_id']}"
    p, _ = tabs
    p.goto(f"{server.base_url}/#/items?category=stale")
    expect(p.get_by_test_id("items-table")).to_contain_text("3.00")
    api(server, path, "PUT", {"price": 4})
    p.get_by_role("button", name="Delete Vase").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(p.locator("#status[data-tone=error]")).to_contain_text("Not done: Vase changed")
    expect(p.get_by_test_id("items-table")).to_contain_text("4.00")  # drawn again
    assert api(server, path)["price"] == 4
    p.get_by_role("button", name="Delete Vase").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(p.get_by_test_id("items-table")).to_contain_text("No item in this category.")
    assert call(server, "GET", path)[0] == 404


def test_the_page_on_another_origin_than_the_api_reads_etags_and_guards_its_writes(
    browser: Any, server: Server, split: tuple[str, str]
) -> None:
    # As a page on CloudFront calling an API on its own origin: If-Match must pass the
    # preflight and the ETag must be exposed, or the dialog would hold no tag and save
    # unguarded, overwriting silently again.
    _, page_origin = split
    link(server, "split-app", title="As made")
    context = browser.new_context()
    p = context.new_page()
    problems: list[str] = []
    p.on("pageerror", lambda error: problems.append(str(error)))
    p.on("console", lambda m: m.type == "error" and problems.append(m.text))
    p.goto(f"{page_origin}/#/links?q=split-app")
    expect(p.get_by_test_id("links-total")).to_have_text("1 link match")  # X-Total-Count read
    p.get_by_role("button", name="Edit split-app").click()
    editor = p.get_by_test_id("link-edit")
    expect(editor.get_by_label("Long URL", exact=True)).to_be_focused()
    api(server, "/api/v1/links/split-app", "PATCH", {"title": "Elsewhere"})
    editor.get_by_label("Title", exact=True).fill("From the other origin")
    editor.get_by_test_id("link-save").click()
    expect(editor.get_by_test_id("conflict")).to_contain_text("Title (now “Elsewhere”)")
    assert api(server, "/api/v1/links/split-app")["title"] == "Elsewhere"
    editor.get_by_role("button", name="Overwrite").click()
    expect(editor).to_have_count(0)
    assert api(server, "/api/v1/links/split-app")["title"] == "From the other origin"
    context.close()
    # The browser logs the 412 it was answered as a failed load: expected, nothing else.
    assert [text for text in problems if "status of 412" not in text] == []


def test_saving_an_item_by_keyboard_gives_focus_back_to_its_edit_button(
    tabs: tuple[Any, Any], server: Server
) -> None:
    # As on the links page: a keyboard user goes on from the row, not from the top.
    api(server, "/api/v1/items", "POST", {"name": "Kettle", "price": 30, "category": "focus"})
    p, _ = tabs
    p.goto(f"{server.base_url}/#/items?category=focus")
    p.get_by_role("button", name="Edit Kettle").focus()
    p.keyboard.press("Enter")
    editor = p.get_by_test_id("item-edit")
    expect(editor.get_by_label("Name", exact=True)).to_be_focused()
    p.keyboard.press("End")
    p.keyboard.type(" (steel)")
    p.keyboard.press("Enter")
    expect(editor).to_have_count(0)
    expect(p.get_by_test_id("items-table")).to_contain_text("Kettle (steel)")
    expect(p.get_by_role("button", name="Edit Kettle (steel)")).to_be_focused()


def test_an_item_s_price_says_it_is_required_before_and_after_a_try_without_one(
    tabs: tuple[Any, Any], server: Server
) -> None:
    p, _ = tabs
    p.goto(f"{server.base_url}/#/items")
    price = p.get_by_label("Price", exact=True)
    expect(price).to_have_attribute("required", "")
    expect(p.locator(".field", has=price)).to_contain_text("(required)")
    p.get_by_label("Name", exact=True).fill("No price")
    p.get_by_label("Category", exact=True).fill("free")
    p.get_by_role("button", name="Add item").click()
    expect(price).to_be_focused()
    expect(price).to_have_accessible_description("Price is required.")


def typed_in(p: Any, url: str, first: str, texts: list[str], submit: str) -> None:
    """A form filled by keyboard from its field `first` on (Tab between) and sent by `submit`."""
    p.goto(url)
    p.get_by_label(first, exact=True).focus()
    for text in texts:
        p.keyboard.type(text)
        p.keyboard.press("Tab")
    p.get_by_role("button", name=submit).press("Enter")


def test_adding_an_item_and_filtering_by_keyboard_keep_focus_where_the_person_is(
    tabs: tuple[Any, Any], server: Server
) -> None:
    # The page is drawn again after each: focus stays in the form to add the next item,
    # and in the filter, instead of falling to the top of the document.
    p = tabs[0]
    typed_in(p, f"{server.base_url}/#/items", "Name", ["Teapot", "9", "kept-typing"], "Add item")
    expect(p.get_by_role("status").filter(has_text="Added Teapot")).to_be_visible()
    expect(p.get_by_label("Name", exact=True)).to_be_focused()
    expect(p.get_by_label("Name", exact=True)).to_have_value("")
    p.get_by_test_id("category-filter").fill("kept-typing")
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("items-table").locator("tbody tr")).to_have_count(1)
    expect(p.get_by_test_id("category-filter")).to_be_focused()
    expect(p.get_by_test_id("category-filter")).to_have_value("kept-typing")


def test_registering_a_user_by_keyboard_keeps_focus_in_the_emptied_form(
    tabs: tuple[Any, Any], server: Server
) -> None:
    # As after adding an item: the next one is typed where the person already is.
    p = tabs[0]
    texts = ["kept-typing", "Kept", "kept-typing@example.com"]
    typed_in(p, f"{server.base_url}/#/users", "User id", texts, "Register")
    expect(p.get_by_role("status").filter(has_text="Registered kept-typing")).to_be_visible()
    expect(p.get_by_test_id("users-table")).to_contain_text("kept-typing@example.com")
    expect(p.get_by_label("User id", exact=True)).to_be_focused()
    expect(p.get_by_label("User id", exact=True)).to_have_value("")


def test_a_link_deleted_while_its_dialog_is_open_is_said_with_its_alias_as_written(
    tabs: tuple[Any, Any], server: Server
) -> None:
    link(server, "gone-meanwhile")
    p = tabs[0]
    editor = edit_link(p, server.base_url, "gone-meanwhile")
    assert call(server, "DELETE", "/api/v1/links/gone-meanwhile")[0] == 204
    editor.get_by_label("Title", exact=True).fill("Too late")
    editor.get_by_test_id("link-save").click()
    # Aliases are case-sensitive: a sentence never capitalises one.
    expect(editor.get_by_role("alert")).to_have_text(
        "Not saved: gone-meanwhile was deleted since you opened it, in another tab or by"
        " someone else."
    )
