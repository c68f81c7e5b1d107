"""What the edit dialog's read costs a person: Edit pressed to the dialog shown, in chromium.

The dialog reads its link when it opens (one GET, for the ETag its save sends as If-Match;
docs/decisions/0004). This serves the web app of `--before` (a git revision, default the
commit before that read) and of the working tree, each on its own server over one seeded
DATA_DIR copy, and times Edit -> <dialog open> (a MutationObserver in the page) and the
GET's own duration (Resource Timing), after warm-up opens.

    python -m bench.edit_dialog_open [--before 3833a2e] [--opens 25]   (needs chromium)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import REPO, child, free_port, wait_until_serving

OPEN = """() => new Promise((done) => {
    const t0 = performance.now();
    const seen = new MutationObserver(() => {
        if (!document.querySelector("dialog[open]")) return;
        seen.disconnect();
        done(performance.now() - t0);
    });
    seen.observe(document.body, { childList: true, subtree: true, attributes: true });
    document.querySelector("button[aria-label='Edit demo-beta']").click();
})"""
READS = """performance.getEntriesByType("resource")
    .filter((e) => e.name.endsWith("/api/v1/links/demo-beta")).map((e) => e.duration)"""


def timings(page: Any, base: str, opens: int, warm: int = 3) -> tuple[list[float], list[float]]:
    """(Edit -> dialog shown, the GET's duration) in ms, for `opens` opens after `warm`."""
    from playwright.sync_api import expect

    page.goto(f"{base}/#/links?q=demo-beta")
    expect(page.get_by_role("button", name="Edit demo-beta")).to_be_visible()
    shown: list[float] = []
    reads: list[float] = []
    for n in range(warm + opens):
        page.evaluate("performance.clearResourceTimings()")
        took = page.evaluate(OPEN)
        read = page.evaluate(READS)
        page.keyboard.press("Escape")
        expect(page.locator("dialog")).to_have_count(0)
        if n >= warm:
            shown.append(took)
            reads.extend(read)
    return shown, reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="3833a2e", help="the revision without the read")
    parser.add_argument("--opens", type=int, default=25)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    shortstack = str(Path(sys.executable).with_name("shortstack"))
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        old = root / "old"
        old.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.before, "web"], cwd=REPO, check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        seeding = {**os.environ, "DATA_DIR": str(root / "data")}
        subprocess.run([shortstack, "seed"], env=seeding, check=True, capture_output=True)
        rows = []
        for name, web in ((f"before ({args.before})", old / "web"), ("now", REPO / "web")):
            data = root / f"data-{len(rows)}"
            shutil.copytree(root / "data", data)
            port = free_port()
            env = {"DATA_DIR": str(data), "WEB_DIR": str(web), "PORT": str(port)}
            env["HOST"] = "127.0.0.1"
            with child([shortstack, "serve"], env, root / f"serve-{port}.log"):
                base = f"http://127.0.0.1:{port}"
                wait_until_serving(f"{base}/health")
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
                    )
                    shown, reads = timings(browser.new_page(), base, args.opens)
                    browser.close()
            read = f"{statistics.median(reads):.1f} ms" if reads else "none"
            rows.append(
                f"{name}: Edit -> dialog {statistics.median(shown):.1f} ms median, "
                f"{max(shown):.1f} ms max; the GET {read} (n={len(reads)})"
            )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
