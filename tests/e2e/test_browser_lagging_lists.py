"""A list that lags behind the page's own writes, as DynamoDB's owner index does.

On AWS the links and items lists are read from a global secondary index, eventually
consistent, while a record's read is consistent. Right after a person saves a link in its
dialog, the list drawn again may still hold the row as it was; a row's action is guarded
by the version its row shows (0004), so it must act on what the page itself wrote, not be
refused as if someone else had changed it. Changes made elsewhere stay refused.

SQLite's list is never behind, so the page intercepts its own list requests here: once
`hold()` is called, each list is answered as it was then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import test_browser
from tests.e2e.server import Server, call
from tests.e2e.test_browser import Watched, api, link

browser = test_browser.browser
server = test_browser.server
pytestmark = test_browser.pytestmark


class LaggingIndex:
    """Answers a page's list requests (those matching `pattern`) as an index behind its
    table would: after `hold()`, each list URL gets the answer it had then, headers too."""

    def __init__(self, page: Any, pattern: re.Pattern[str]) -> None:
        self.holding = False
        self.held: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.stale_answers = 0
        page.route(pattern, self._answer)

    def hold(self) -> None:
        self.holding = True

    def _answer(self, route: Any) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        url = route.request.url
        if self.holding and url in self.held:
            status, headers, body = self.held[url]
            self.stale_answers += 1
            route.fulfill(status=status, headers=headers, body=body)
            return
        response = route.fetch()
        self.held[url] = (response.status, response.headers, response.body())
        route.fulfill(response=response)


@pytest.fixture
def p(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context()
    watched = Watched(context.new_page(), server.base_url)
    yield watched.page
    context.close()
    assert watched.problems == []


REFUSED = "#status[data-tone=error]"


def delete_from_row(p: Any, name: str) -> None:
    p.get_by_role("button", name=f"Delete {name}").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()


def test_a_link_edited_then_disabled_at_once_is_disabled_while_the_list_lags(
    p: Any, server: Server
) -> None:
    link(server, "lagging-list", title="As made")
    index = LaggingIndex(p, re.compile(r"/api/v1/links\?"))
    p.goto(f"{server.base_url}/#/links?q=lagging-list")
    row = p.get_by_test_id("links-table").locator("tbody tr", has_text="lagging-list")
    expect(row).to_contain_text("As made")
    index.hold()

    p.get_by_role("button", name="Edit lagging-list").click()
    editor = p.get_by_test_id("link-edit")
    editor.get_by_label("Title", exact=True).fill("Edited here")
    editor.get_by_test_id("link-save").click()
    expect(editor).to_have_count(0)
    p.get_by_role("button", name="Disable lagging-list").click()
    expect(p.locator("#status")).to_contain_text("lagging-list disabled", timeout=5000)
    expect(p.locator(REFUSED)).to_have_count(0)
    expect(p.get_by_role("button", name="Enable lagging-list")).to_be_focused()
    # The list came from the index as it was; the row shows what this page saved.
    expect(row).to_contain_text("Edited here")
    assert api(server, "/api/v1/links/lagging-list")["is_active"] is False
    expect(row).to_contain_text("Disabled")
    assert index.stale_answers >= 2  # both redraws had the old row

    # A change made elsewhere meanwhile is still refused, and then shown as it is.
    api(server, "/api/v1/links/lagging-list", "PATCH", {"title": "Elsewhere"})
    p.get_by_role("button", name="Enable lagging-list").click()
    expect(p.locator(REFUSED)).to_contain_text(
        "Not done: lagging-list changed since the list was shown"
    )
    expect(row).to_contain_text("Elsewhere")
    assert api(server, "/api/v1/links/lagging-list")["is_active"] is False
    p.get_by_role("button", name="Enable lagging-list").click()
    expect(p.get_by_role("button", name="Disable lagging-list")).to_be_focused()
    assert api(server, "/api/v1/links/lagging-list")["is_active"] is True

    # Deleted here: the index still lists it, the page leaves it out.
    delete_from_row(p, "lagging-list")
    expect(p.get_by_text("Deleted lagging-list")).to_be_visible()
    expect(row).to_have_count(0)
    expect(p.get_by_test_id("links-total")).to_have_text("0 links match")
    assert call(server, "GET", "/api/v1/links/lagging-list")[0] == 404


def test_links_changed_by_the_bulk_bar_act_at_once_from_their_rows_while_the_list_lags(
    p: Any, server: Server
) -> None:
    for alias in ("lag-bulk-a", "lag-bulk-b"):
        link(server, alias, tags=["lag-bulk"])
    index = LaggingIndex(p, re.compile(r"/api/v1/links\?"))
    p.goto(f"{server.base_url}/#/links?tag=lag-bulk")
    table = p.get_by_test_id("links-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    index.hold()

    p.get_by_test_id("select-page").check()
    p.get_by_test_id("bulk-action").select_option("disable")
    p.get_by_test_id("bulk-apply").click()
    expect(p.get_by_test_id("bulk-outcome")).to_contain_text("Disabled 2 links.")
    # Its row's toggle, whichever it shows: the old row's Disable was refused.
    row = table.locator("tbody tr", has_text="lag-bulk-a")
    row.get_by_role("button", name=re.compile(r"^(En|Dis)able lag-bulk-a$")).click()
    expect(p.locator("#status")).to_contain_text("lag-bulk-a enabled", timeout=5000)
    expect(p.get_by_role("button", name="Disable lag-bulk-a")).to_be_focused()
    assert api(server, "/api/v1/links/lag-bulk-a")["is_active"] is True

    p.get_by_test_id("select-page").check()
    p.get_by_test_id("bulk-action").select_option("delete")
    p.get_by_test_id("bulk-apply").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(p.get_by_test_id("bulk-outcome")).to_contain_text("Deleted 2 links.")
    expect(table.locator("tbody tr", has_text="lag-bulk")).to_have_count(0)
    assert index.stale_answers >= 3


def test_an_item_edited_then_deleted_at_once_is_deleted_while_the_list_lags(
    p: Any, server: Server
) -> None:
    item = api(server, "/api/v1/items", "POST", {"name": "Jug", "price": 5, "category": "lag"})
    path = f"/api/v1/items/{item['item_id']}"
    index = LaggingIndex(p, re.compile(r"/api/v1/items\?"))
    p.goto(f"{server.base_url}/#/items?category=lag")
    table = p.get_by_test_id("items-table")
    expect(table).to_contain_text("5.00")
    index.hold()

    p.get_by_role("button", name="Edit Jug").click()
    editor = p.get_by_test_id("item-edit")
    editor.get_by_label("Price", exact=True).fill("6")
    editor.get_by_role("button", name="Save item").click()
    expect(editor).to_have_count(0)
    delete_from_row(p, "Jug")
    expect(p.locator("#status")).to_contain_text("Deleted Jug", timeout=5000)
    expect(p.locator(REFUSED)).to_have_count(0)
    expect(table).to_contain_text("No item in this category.")
    assert call(server, "GET", path)[0] == 404
    assert index.stale_answers >= 2


def test_a_link_made_here_is_listed_and_acts_at_once_while_the_list_lags(
    p: Any, server: Server
) -> None:
    index = LaggingIndex(p, re.compile(r"/api/v1/links\?"))
    p.goto(f"{server.base_url}/#/links?tag=lag-made")
    expect(p.get_by_test_id("links-total")).to_have_text("0 links match")
    index.hold()
    p.goto(f"{server.base_url}/#/")
    p.get_by_text("More options").click()
    typed = {"Long URL": "https://example.com/lag-made", "Alias": "lag-made", "Tags": "lag-made"}
    for label, value in typed.items():
        p.get_by_label(label, exact=True).fill(value)
    p.get_by_test_id("shorten-submit").click()
    expect(p.get_by_test_id("short-url")).to_have_text(f"{server.base_url}/lag-made")

    p.goto(f"{server.base_url}/#/links?tag=lag-made")
    expect(p.get_by_test_id("links-total")).to_have_text("1 link match")
    p.get_by_role("button", name="Disable lag-made").click()
    expect(p.get_by_role("button", name="Enable lag-made")).to_be_focused()
    assert api(server, "/api/v1/links/lag-made")["is_active"] is False
    assert index.stale_answers >= 2


def test_an_item_added_here_is_listed_while_the_list_lags(p: Any, server: Server) -> None:
    index = LaggingIndex(p, re.compile(r"/api/v1/items\?"))
    p.goto(f"{server.base_url}/#/items?category=lag-added")
    table = p.get_by_test_id("items-table")
    expect(table).to_contain_text("No item in this category.")
    index.hold()
    p.get_by_label("Name", exact=True).fill("Mug")
    p.get_by_label("Price", exact=True).fill("4")
    p.get_by_label("Category", exact=True).fill("lag-added")
    p.get_by_role("button", name="Add item").click()
    expect(table).to_contain_text("Mug")
    expect(table.locator("tbody tr")).to_have_count(1)
    delete_from_row(p, "Mug")
    expect(table).to_contain_text("No item in this category.")
    assert index.stale_answers >= 2
