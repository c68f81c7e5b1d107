"""Give moto's in-process DynamoDB the per-request atomicity of the real service.

DynamoDB applies each request (a conditional PutItem, an UpdateItem with ADD, a
TransactWriteItems) atomically. moto runs requests in the calling thread and
checks a condition and writes in separate Python steps, so racing threads can
both pass a condition: concurrency tests would then fail on moto's gap, not on
our code. Holding one lock per request restores the service's guarantee and
nothing more: code that reads and then writes in two requests still races, so
the concurrency tests still catch it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock


@contextmanager
def atomic_dynamodb_requests() -> Iterator[None]:
    """While active, each moto DynamoDB request runs alone."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    with mock.patch.object(DynamoHandler, "call_action", call_action):
        yield
