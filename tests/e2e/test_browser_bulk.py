"""The links page's selection in a real browser: select a page or some rows, act on them at
once (POST /api/v1/links/bulk), read the outcome; by keyboard, at 390 px, axe clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import test_browser
from tests.e2e.server import Server, call, running_server
from tests.e2e.test_browser import (
    Watched,
    api,
    link,
    screenshot,
    serious_accessibility_violations,
)

# The browser tests' chromium and page fixtures (the page on this module's server), and marks.
browser = test_browser.browser
page = test_browser.page
pytestmark = test_browser.pytestmark


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("bulk-browser")) as running:
        yield running


def stored(server: Server, alias: str) -> Any:
    status, _, answer = call(server, "GET", f"/api/v1/links/{alias}")
    return answer if status == 200 else None


def tagged_links(p: Any, server: Server, tag: str, aliases: list[str]) -> None:
    """Make the links under `tag` and show them on the links page."""
    for alias in aliases:
        link(server, alias, tags=[tag])
    p.goto(f"{server.base_url}/#/links?tag={tag}")
    expect(p.get_by_test_id("links-table").locator("tbody tr")).to_have_count(len(aliases))


def test_a_page_is_selected_tagged_and_disabled_with_the_outcome_said(
    page: Watched, server: Server
) -> None:
    p = page.page
    tagged_links(p, server, "campaign", [f"camp-{n}" for n in range(5)])
    bar = p.get_by_test_id("bulk-bar")
    expect(bar).to_be_hidden()  # nothing selected: no bar
    p.get_by_label("Select all on this page").check()
    expect(p.get_by_test_id("bulk-count")).to_have_text("5 links selected")
    p.get_by_label("Select camp-0").uncheck()
    expect(p.get_by_test_id("bulk-count")).to_have_text("4 links selected")
    assert p.get_by_label("Select all on this page").evaluate("box => box.indeterminate")
    bar.get_by_label("Action").select_option("add_tag")
    bar.get_by_label("Tag to add or remove").fill("Spring")
    bar.get_by_role("button", name="Apply to 4 links").click()
    outcome = p.get_by_test_id("bulk-outcome")
    expect(outcome).to_have_text("Tagged 4 links.")
    expect(outcome).to_be_focused()
    expect(bar).to_be_hidden()  # the changed links are let go
    assert stored(server, "camp-1")["tags"] == ["campaign", "spring"]
    assert stored(server, "camp-0")["tags"] == ["campaign"]

    p.get_by_label("Select all on this page").check()
    bar.get_by_label("Action").select_option("disable")
    bar.get_by_role("button", name="Apply to 5 links").click()
    expect(outcome).to_have_text("Disabled 5 links.")
    assert not any(stored(server, f"camp-{n}")["is_active"] for n in range(5))
    assert serious_accessibility_violations(p) == []


def test_delete_asks_first_and_a_link_that_fails_stays_selected_with_its_reason(
    page: Watched, server: Server
) -> None:
    p = page.page
    tagged_links(p, server, "cleanup", [f"gone-{n}" for n in range(3)])
    p.get_by_label("Select all on this page").check()
    # One of them is deleted elsewhere meanwhile: its result is a 404, said by its id.
    assert call(server, "DELETE", "/api/v1/links/gone-1")[0] == 204
    bar = p.get_by_test_id("bulk-bar")
    bar.get_by_label("Action").select_option("delete")
    bar.get_by_role("button", name="Apply to 3 links").click()
    confirm = p.get_by_test_id("confirm")
    expect(confirm).to_contain_text("Delete 3 links?")
    confirm.get_by_role("button", name="Cancel").click()
    assert stored(server, "gone-0") is not None
    bar.get_by_role("button", name="Apply to 3 links").click()
    p.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    outcome = p.get_by_test_id("bulk-outcome")
    expect(outcome).to_contain_text("Deleted 2 links; 1 failed.")
    expect(outcome).to_contain_text("gone-1: short link 'gone-1' not found")
    assert stored(server, "gone-0") is None
    assert stored(server, "gone-2") is None
    expect(p.get_by_test_id("links-table")).to_contain_text("No link matches")
    assert serious_accessibility_violations(p) == []


def test_a_refused_tag_is_said_under_the_tag_field_and_nothing_changes(
    page: Watched, server: Server
) -> None:
    p = page.page
    tagged_links(p, server, "refuse", ["tagless-1"])
    p.get_by_label("Select tagless-1").check()
    bar = p.get_by_test_id("bulk-bar")
    bar.get_by_label("Action").select_option("add_tag")
    bar.get_by_label("Tag to add or remove").fill("two words")
    bar.get_by_role("button", name="Apply to 1 link").click()
    tag = bar.get_by_label("Tag to add or remove")
    expect(tag).to_have_attribute("aria-invalid", "true")
    expect(tag).to_be_focused()
    expect(bar).to_contain_text("1-32 characters")
    expect(p.get_by_test_id("bulk-count")).to_have_text("1 link selected")
    assert stored(server, "tagless-1")["tags"] == ["refuse"]


def test_every_link_of_a_search_is_selected_across_its_pages_and_changed_at_once(
    page: Watched, server: Server
) -> None:
    p = page.page
    aliases = [f"many-{n:02d}" for n in range(25)]
    for alias in aliases:
        link(server, alias, tags=["many"])
    p.goto(f"{server.base_url}/#/links?tag=many")
    expect(p.get_by_test_id("links-table").locator("tbody tr")).to_have_count(20)  # a page
    p.get_by_label("Select all on this page").check()
    expect(p.get_by_test_id("bulk-count")).to_have_text("20 links selected")
    p.get_by_role("button", name="Select all 25 links that match").click()
    count = p.get_by_test_id("bulk-count")
    expect(count).to_have_text("25 links selected, on every page")
    expect(count).to_be_focused()
    bar = p.get_by_test_id("bulk-bar")
    bar.get_by_label("Action").select_option("remove_tag")
    bar.get_by_label("Tag to add or remove").fill("many")
    bar.get_by_role("button", name="Apply to 25 links").click()
    expect(p.get_by_test_id("bulk-outcome")).to_have_text("Untagged 25 links.")
    assert all(stored(server, alias)["tags"] == [] for alias in aliases)
    # A new search lets a selection of the old one go.
    link(server, "few-1", tags=["few"])
    p.goto(f"{server.base_url}/#/links?tag=few")
    expect(p.get_by_test_id("bulk-bar")).to_be_hidden()


def test_keyboard_only_selection_and_expiry_at_390_px(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    watched = Watched(context.new_page(), server.base_url)
    p = watched.page
    try:
        tagged_links(p, server, "phone", ["phone-0", "phone-1"])
        p.get_by_label("Select all on this page").focus()
        p.keyboard.press("Space")
        bar = p.get_by_test_id("bulk-bar")
        expect(p.get_by_test_id("bulk-count")).to_have_text("2 links selected")
        bar.get_by_label("Action").focus()
        p.keyboard.press("End")  # the native select moves to its last option
        bar.get_by_label("Action").select_option("set_expiry")
        bar.get_by_label("Expires on").fill("2030-01-02T10:00")
        bar.get_by_role("button", name="Apply to 2 links").focus()
        p.keyboard.press("Enter")
        outcome = p.get_by_test_id("bulk-outcome")
        expect(outcome).to_have_text("Set the expiry of 2 links.")
        expect(outcome).to_be_focused()
        assert all(
            stored(server, f"phone-{n}")["expires_at"].startswith("2030-01-02") for n in range(2)
        )
        p.get_by_label("Select phone-0").check()
        wide = p.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, f"the page scrolls sideways: {wide} px"
        screenshot(p, "links-bulk-390")
        assert serious_accessibility_violations(p) == []
        api(server, "/api/v1/links/phone-0")
    finally:
        context.close()
    assert watched.problems == []
