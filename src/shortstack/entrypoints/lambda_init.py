"""What a Lambda entry does once its module-level initialisation is done (redirect, API)."""

from __future__ import annotations

import gc


def freeze_what_init_built() -> None:
    """Take every object built so far out of the garbage collector's sight.

    The imports leave a few hundred thousand tracked objects that live as long as the
    container. Left in the young generations, the first collection after the
    initialisation, a few hundred allocations into the first event, walks all of them:
    about 40 ms of CPU, most of the redirect's first event (bench/README.md, "Cold
    starts"). Frozen, they are never scanned again. The cyclic garbage the imports left
    behind is frozen with them, once: collecting it here would cost the same walk.

    Collection is on afterwards, for an entry that turned it off for its imports.
    """
    gc.freeze()
    gc.enable()
