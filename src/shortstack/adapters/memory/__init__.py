"""In-memory adapters: the fakes for service-layer tests and the store for warm benchmarks.

They follow the same contract suite as the SQLite and DynamoDB adapters, so
a test that passes against them says something true about the real ones.
"""

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.items import MemoryItemRepository
from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.adapters.memory.users import MemoryUserRepository

__all__ = [
    "MemoryEventPublisher",
    "MemoryItemRepository",
    "MemoryLinkRepository",
    "MemoryUserRepository",
]
