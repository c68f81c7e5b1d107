"""The accessibility audit behind docs/decisions/0500's axe counts, to run again by hand.

axe-core (every impact, not only the serious and critical ones the browser tests fail on)
over every route at 1280 and 390 px, light and dark, signed in and out, plus the states a
page load never shows: the QR, edit, conflict and confirm dialogs, form errors, an error
message.
It drives a running server, seeded, in jwt mode (so that signed out exists):

    eval "$(.venv/bin/shortstack dev-token --env)"
    .venv/bin/shortstack seed --owner alice && PORT=8651 .venv/bin/shortstack serve &
    .venv/bin/python -m tests.e2e.a11y_audit http://127.0.0.1:8651 \\
        "$(.venv/bin/shortstack dev-token --sub alice)"

`WEB_DIR=<an older web/>` on the server audits an older page the same way.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any
from urllib.request import Request, urlopen

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

ROUTES = ["/#/", "/#/dashboard", "/#/links", "/#/import", "/#/items", "/#/users", "/#/keys"]
ROUTES += ["/#/webhooks", "/#/signin", "/#/nowhere"]


class Audit:
    """Runs axe on a page as it is now and adds up what it finds."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.runs = 0
        self.impacts: Counter[str] = Counter()
        self.rules: Counter[tuple[str, str, str]] = Counter()

    def check(self, page: Any, where: str) -> None:
        self.runs += 1
        for violation in self.axe.run(page).response["violations"]:
            self.impacts[violation["impact"]] += 1
            self.rules[(violation["id"], violation["impact"], where)] += 1


def settle(page: Any) -> None:
    expect(page.locator("main h1")).to_be_visible(timeout=10_000)
    expect(page.locator("main [aria-busy='true']")).to_have_count(0, timeout=10_000)


def first_links(base: str, token: str) -> list[str]:
    request = Request(f"{base}/api/v1/links?limit=2", headers={"authorization": f"Bearer {token}"})
    with urlopen(request, timeout=10) as answer:
        return [link["short_id"] for link in json.load(answer)]


def change_elsewhere(base: str, token: str, short_id: str, title: str) -> None:
    """What another tab would do: the link's title changed behind an open dialog."""
    request = Request(
        f"{base}/api/v1/links/{short_id}",
        data=json.dumps({"title": title}).encode(),
        method="PATCH",
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    with urlopen(request, timeout=10):
        pass


def states(page: Any, base: str, token: str, audit: Audit, links: list[str], where: str) -> None:
    """The dialogs, form errors and an error message of a signed-in page."""
    shown, gone = links
    page.goto(f"{base}/#/links")
    settle(page)
    page.get_by_role("button", name=f"QR code for {shown}").click()
    audit.check(page, f"{where} QR dialog")
    page.keyboard.press("Escape")
    page.get_by_role("button", name=f"Edit {shown}").click()
    editor = page.get_by_test_id("link-edit")
    editor.get_by_label("Long URL", exact=True).fill("javascript:x")
    editor.get_by_role("button", name="Save changes").click()
    expect(editor.locator("[aria-invalid=true]")).to_have_count(1)
    audit.check(page, f"{where} edit dialog with an error")
    page.keyboard.press("Escape")
    # The conflict a save meets when the link changed since its dialog opened (0004).
    page.get_by_role("button", name=f"Edit {shown}").click()
    editor = page.get_by_test_id("link-edit")
    change_elsewhere(base, token, shown, f"Changed in another tab ({where})")
    editor.get_by_label("Title", exact=True).fill("Changed in this tab")
    editor.get_by_role("button", name="Save changes").click()
    expect(editor.get_by_test_id("conflict")).to_be_visible()
    audit.check(page, f"{where} edit conflict")
    page.keyboard.press("Escape")
    page.get_by_role("button", name=f"Delete {shown}").click()
    audit.check(page, f"{where} confirm dialog")
    page.keyboard.press("Escape")
    # An error message: this delete answers 404, as when another tab deleted the link.
    page.route(
        f"**/api/v1/links/{gone}",
        lambda route: (
            route.fulfill(status=404, json={"message": "Link not found"})
            if route.request.method == "DELETE"
            else route.continue_()
        ),
    )
    page.get_by_role("button", name=f"Delete {gone}").click()
    page.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(page.locator("#status[data-tone=error]")).not_to_have_text("")
    audit.check(page, f"{where} error message")
    page.goto(f"{base}/#/")
    settle(page)
    page.get_by_text("More options").click()
    page.get_by_text("Rules, A/B split").click()
    page.get_by_test_id("add-rules").click()
    page.get_by_test_id("add-variants").click()
    page.get_by_test_id("shorten-url").fill("https://example.com/audit")
    page.get_by_label("Alias", exact=True).fill("a b")
    page.get_by_test_id("shorten-submit").click()
    expect(page.get_by_label("Alias", exact=True)).to_have_attribute("aria-invalid", "true")
    audit.check(page, f"{where} shorten form with errors")
    page.goto(f"{base}/#/items")
    settle(page)
    page.get_by_role("button", name="Add item").click()
    expect(page.locator("main [aria-invalid=true]").first).to_be_visible()
    audit.check(page, f"{where} item form with errors")


def main(base: str, token: str) -> Audit:
    audit = Audit()
    links = first_links(base, token)
    stats = [f"/#/links/{links[0]}/stats"] if links else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for signed_in in (True, False):
            for width in (1280, 390):
                for scheme in ("light", "dark"):
                    where = f"{width} px {scheme} {'signed in' if signed_in else 'signed out'}"
                    context = browser.new_context(
                        viewport={"width": width, "height": 900}, color_scheme=scheme
                    )
                    if signed_in:
                        kept = json.dumps({"token": token, "expiresAt": 4_102_444_800_000})
                        context.add_init_script(
                            f"sessionStorage.setItem('shortstack.token', {json.dumps(kept)})"
                        )
                    page = context.new_page()
                    for route in ROUTES + stats:
                        page.goto(f"{base}{route}")
                        settle(page)
                        audit.check(page, f"{where} {route}")
                    if signed_in and len(links) == 2:
                        states(page, base, token, audit, links, where)
                    context.close()
        browser.close()
    return audit


if __name__ == "__main__":
    done = main(sys.argv[1].rstrip("/"), sys.argv[2])
    print(f"axe runs: {done.runs}; violations by impact: {dict(done.impacts) or 'none'}")
    for (rule, impact, where), count in sorted(done.rules.items()):
        print(f"  {rule} ({impact}) x{count}: {where}")
