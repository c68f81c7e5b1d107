"""The garbage collector's settings for a long-running local server (`shortstack serve`).

Building the app leaves a few hundred thousand tracked objects (modules, FastAPI's routes
and models, Pydantic's validators) that live as long as the process. Left in the
collector's sight, every full collection walks all of them: tens of milliseconds with the
GIL held, during which no redirect is answered. Under load that is most of the local
server's p99 (bench/README.md, "The collector's pauses"). Frozen once the app is built,
they are never walked again; what requests allocate afterwards is collected as before.

With so much less to walk, young collections may run less often: 5,000 net allocations
instead of 700, at no measurable cost in memory (cyclic garbage is still collected, from
a younger heap).
"""

from __future__ import annotations

import gc

# (generation 0, 1, 2) thresholds: see the module's docstring.
SERVER_THRESHOLDS = (5_000, 10, 10)


def settle_the_heap() -> None:
    """Collect what building the app left over, freeze the rest, widen the young generation."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_THRESHOLDS)
