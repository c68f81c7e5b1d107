"""The in-memory store: the fakes of the service-layer tests and the warm benchmarks."""

from __future__ import annotations

from shortstack.adapters.files.upload_urls import LocalUploadInbox
from shortstack.adapters.memory.apikeys import MemoryApiKeyRepository
from shortstack.adapters.memory.blobs import MemoryBlobStore
from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.imports import MemoryImportRepository
from shortstack.adapters.memory.items import MemoryItemRepository
from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.adapters.memory.orphan_visits import MemoryOrphanVisitRepository
from shortstack.adapters.memory.password_attempts import MemoryPasswordAttempts
from shortstack.adapters.memory.stats import MemoryClickStatsRepository
from shortstack.adapters.memory.users import MemoryUserRepository
from shortstack.adapters.memory.webhooks import MemoryWebhookRepository
from shortstack.bootstrap.adapters import Adapters
from shortstack.config import Settings
from shortstack.service_layer.events import Idempotency, LazyIdempotency, PublishingUnitOfWork


def adapters_for(settings: Settings) -> Adapters:
    """Fresh, empty stores (`settings` chooses nothing here; the signature is every store's)."""
    stats = MemoryClickStatsRepository()
    links = MemoryLinkRepository(forget_stats=stats.delete_link)
    publisher = MemoryEventPublisher()
    return Adapters(
        apikeys=MemoryApiKeyRepository(),
        webhooks=MemoryWebhookRepository(),
        imports=MemoryImportRepository(),
        blobs=MemoryBlobStore(),
        upload_inbox=LocalUploadInbox(),
        items=MemoryItemRepository(),
        users=MemoryUserRepository(),
        publisher=publisher,
        uow=PublishingUnitOfWork(publisher),
        links=links,
        password_attempts=MemoryPasswordAttempts(),
        stats=stats,
        expired_links=links,
        stats_rollup=stats,
        orphan_visits=MemoryOrphanVisitRepository(),
        idempotency=LazyIdempotency(_memory_idempotency),
    )


def _memory_idempotency() -> Idempotency:
    from shortstack.adapters.idempotency import MemoryPersistence, PowertoolsIdempotency

    return PowertoolsIdempotency(MemoryPersistence())
