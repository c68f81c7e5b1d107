"""The baseline: a raw ASGI app that answers `GET /{id}` with a 302 from a dict, nothing else.

Run by redirect_throughput.py on granian (bench/serve_with.py), and with --servers on
each server it compares; BENCH_LINKS names a JSON file of {id: url}. Run alone, it is
served like `shortstack serve`.
"""

from __future__ import annotations

import json
import os
from typing import Any

LINKS: dict[str, bytes] = {
    short_id: url.encode()
    for short_id, url in json.loads(open(os.environ["BENCH_LINKS"]).read()).items()  # noqa: SIM115
}
_NOT_FOUND = [(b"content-length", b"0")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    url = LINKS.get(scope["path"][1:])
    if url is None:
        await send({"type": "http.response.start", "status": 404, "headers": _NOT_FOUND})
    else:
        headers = [(b"location", url), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 302, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


if __name__ == "__main__":
    from bench.common import serve_like_shortstack

    serve_like_shortstack(app)
