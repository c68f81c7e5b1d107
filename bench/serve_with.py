"""Serve shortstack's app or the bare dict app on one of the HTTP servers the bench compares.

    python -m bench.serve_with SERVER APP      (PORT in the environment)

SERVER: `uvicorn-h11` (uvicorn, h11, asyncio), `uvicorn` (uvicorn, httptools, uvloop:
what `shortstack serve` runs), `granian` (granian's ASGI interface, uvloop, one worker).
APP: `shortstack` (built as `shortstack serve` builds it, with its background work, on
DATA_DIR) or `bare` (bench/bare_redirect_app.py, on BENCH_LINKS). Every server gets the
same options: 127.0.0.1, no access log, one process serving requests.
"""

from __future__ import annotations

import os
import sys
from typing import Any

SERVERS = ("uvicorn", "uvicorn-h11", "granian")
APPS = ("shortstack", "bare")


def shortstack_app() -> Any:
    """The app `shortstack serve` runs (entrypoints/cli.py), from the environment's settings."""
    from shortstack.bootstrap import bootstrap
    from shortstack.config import Settings
    from shortstack.entrypoints.http.app import create_app
    from shortstack.entrypoints.local_background import local_background
    from shortstack.entrypoints.long_running_heap import settle_the_heap

    container = bootstrap(Settings())
    app = create_app(container, background=local_background(container))
    settle_the_heap()  # as `shortstack serve` does before it serves
    return app


def bare_app() -> Any:
    from bench.bare_redirect_app import app

    return app


def serve(server: str, which: str, port: int) -> None:
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces, Loops

        Granian(
            f"bench.serve_with:{which}_app",
            address="127.0.0.1",
            port=port,
            interface=Interfaces.ASGI,
            factory=True,
            loop=Loops.uvloop,
            workers=1,
            log_enabled=False,
        ).serve()
        return
    import uvicorn

    from shortstack.entrypoints.http.protocol import JsonErrorsH11Protocol, httptools_protocol

    fast = server == "uvicorn"
    uvicorn.run(
        shortstack_app() if which == "shortstack" else bare_app(),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        http=(httptools_protocol() if fast else None) or JsonErrorsH11Protocol,
        loop="uvloop" if fast else "asyncio",
    )


def main() -> int:
    server, which = sys.argv[1], sys.argv[2]
    if server not in SERVERS or which not in APPS:
        print(f"usage: python -m bench.serve_with {'|'.join(SERVERS)} {'|'.join(APPS)}")
        return 2
    serve(server, which, int(os.environ["PORT"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
