"""Run one action in many threads released at once, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


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
