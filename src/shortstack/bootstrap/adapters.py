"""`Adapters`: the typed bundle each store's factory returns, one field per port.

`bootstrap()` wires services from it; the contract suite runs its cases against
it, so both build a store the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shortstack.service_layer.events import Idempotency
from shortstack.service_layer.ports import (
    ApiKeyRepository,
    BlobStore,
    ClickStatsRepository,
    ClickStatsRollUp,
    DeadLetterGauge,
    EventPublisher,
    ExpiredLinkStore,
    ExportStore,
    ImportRepository,
    ItemRepository,
    LinkRepository,
    OrphanVisitRepository,
    PasswordAttempts,
    UnitOfWork,
    UploadInbox,
    UserRepository,
    VisitFold,
    WebhookRepository,
    WorkflowStarter,
)
from shortstack.service_layer.relay import WindowedClickFold

if TYPE_CHECKING:
    from shortstack.adapters.sqlite.event_queue import SqliteEventQueue
    from shortstack.adapters.sqlite.group_commit import GroupCommitter


@dataclass
class Adapters:
    items: ItemRepository
    users: UserRepository
    publisher: EventPublisher
    # Where a change and its events commit together (SQLite transaction, DynamoDB stream).
    uow: UnitOfWork
    links: LinkRepository
    password_attempts: PasswordAttempts
    stats: ClickStatsRepository
    idempotency: Idempotency
    imports: ImportRepository
    blobs: BlobStore
    # Where clients send import files themselves: S3 on AWS, this server's own URL locally.
    upload_inbox: UploadInbox
    apikeys: ApiKeyRepository
    webhooks: WebhookRepository
    # Maintenance ports, served by the same objects as links and stats above.
    expired_links: ExpiredLinkStore
    stats_rollup: ClickStatsRollUp
    # Visits to paths that name no link (counted by the redirect, listed to operators).
    orphan_visits: OrphanVisitRepository
    dead_letters: DeadLetterGauge | None = None
    # Local stand-ins for a TTL: name -> "delete what expired, say how many".
    record_expiry: dict[str, Callable[[], int]] = field(default_factory=dict)
    # Step Functions on AWS; None means the in-process runner bootstrap() builds.
    workflow: WorkflowStarter | None = None
    # Where a CSV export goes when a response cannot carry it (S3 on AWS); None: streamed.
    exports: ExportStore | None = None
    # SQLite only: the local event queue (its dispatcher runs in the server) and the
    # writer that commits the local server's redirects in groups.
    event_queue: SqliteEventQueue | None = None
    group_commit: GroupCommitter | None = None
    # Where a stream window's clicks are added (DynamoDB; elsewhere events are folded one by one).
    window_fold: WindowedClickFold | None = None
    # Where each visit is added to its stats in its own transaction (SQLite).
    visit_fold: VisitFold | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Release connections and writer threads, newest first."""
        while self.closers:
            self.closers.pop()()
