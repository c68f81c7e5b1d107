"""Run one action in many threads released at once, for the concurrency tests; run a
coroutine on an event loop of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from shortstack.domain.errors import PasswordRequired, TooManyAttempts
from shortstack.domain.visits import Visit
from shortstack.service_layer.redirects import RedirectService

T = TypeVar("T")


def run_on_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on a loop of its own, leaving the thread's current loop alone.

    asyncio.run() would set the thread's loop to None when done, orphaning the loop
    Mangum's handler made current in earlier tests: its self-pipe sockets would then
    be reported unclosed in whatever test the garbage collector happens to run in.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def race(workers: int, action: Callable[[int], str]) -> list[str]:
    """Run `action(n)` in `workers` threads released together; their outcomes."""
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        result = action(n)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def unlock_status(redirects: RedirectService, short_id: str, address: str, password: str) -> str:
    """What one password try answered, as the status the HTTP layer gives it (the races
    count them): "302", "401" for a wrong password, "429" once they are used up."""
    try:
        redirects.unlock(short_id, Visit(address=address), password)
    except PasswordRequired:
        return "401"
    except TooManyAttempts:
        return "429"
    return "302"
