"""Write src/shortstack/data/crawler_index.json from the installed crawler-user-agents list.

Run it after the package changes version (tests/unit/test_crawlers.py says when):

    .venv/bin/python scripts/crawler_index.py
"""

from __future__ import annotations

import json

from shortstack.adapters.crawlers import (
    SHIPPED_INDEX,
    data_path,
    installed_version,
    shipped_index,
)


def main() -> None:
    index = shipped_index(data_path().read_bytes(), installed_version())
    # One text a line, so that a new version of the list shows as the lines it changed.
    lines = [",\n".join(json.dumps(pair) for pair in index.pop("texts"))]
    head = json.dumps(index, indent=1)[:-2]
    SHIPPED_INDEX.write_text(f'{head},\n "texts": [\n{lines[0]}\n ]\n}}\n')
    print(f"wrote {SHIPPED_INDEX}")


if __name__ == "__main__":
    main()
