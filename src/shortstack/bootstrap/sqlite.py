"""The local store: one SQLite file under DATA_DIR, its event queue and the uploads beside it."""

from __future__ import annotations

from datetime import timedelta

from shortstack.adapters.files.blobs import LocalBlobStore
from shortstack.adapters.files.upload_urls import LocalUploadInbox
from shortstack.adapters.sqlite.apikeys import SqliteApiKeyRepository
from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.event_queue import RetryPolicy, SqliteEventQueue
from shortstack.adapters.sqlite.group_commit import GroupCommitter
from shortstack.adapters.sqlite.idempotency_records import (
    ensure_idempotency_schema,
    forget_expired_records,
)
from shortstack.adapters.sqlite.imports import SqliteImportRepository
from shortstack.adapters.sqlite.items import SqliteItemRepository
from shortstack.adapters.sqlite.links import SqliteLinkRepository
from shortstack.adapters.sqlite.orphan_visits import SqliteOrphanVisitRepository
from shortstack.adapters.sqlite.password_attempts import SqlitePasswordAttempts
from shortstack.adapters.sqlite.stats import SqliteClickStatsRepository
from shortstack.adapters.sqlite.stats_rollup import SqliteClickStatsRollUp
from shortstack.adapters.sqlite.unit_of_work import SqliteUnitOfWork
from shortstack.adapters.sqlite.users import SqliteUserRepository
from shortstack.adapters.sqlite.visit_fold import SqliteVisitFold
from shortstack.adapters.sqlite.webhooks import SqliteWebhookRepository
from shortstack.adapters.useragent import classify_user_agent
from shortstack.bootstrap.adapters import Adapters
from shortstack.config import Settings
from shortstack.domain.clock import utc_now
from shortstack.service_layer.events import Idempotency, LazyIdempotency

# Longer than any redelivery can arrive, like FOLD_RETENTION_S on DynamoDB; a dead letter,
# which may be replayed any time later, keeps its event's record until it leaves the queue.
CLICK_FOLD_RETENTION = timedelta(days=15)


def adapters_for(settings: Settings) -> Adapters:
    """Every port on the database at `settings.sqlite_path` (created if missing)."""
    db = SqliteDatabase(settings.sqlite_path, synchronous=settings.sqlite_synchronous)
    ensure_idempotency_schema(db)
    group_commit = GroupCommitter(db)
    queue = SqliteEventQueue(
        db,
        RetryPolicy(
            max_attempts=settings.events_max_attempts,
            visibility_timeout=timedelta(seconds=settings.events_visibility_timeout_s),
            backoff_base=timedelta(seconds=settings.events_backoff_base_s),
        ),
    )
    stats = SqliteClickStatsRepository(db)
    links = SqliteLinkRepository(db)
    orphans = SqliteOrphanVisitRepository(db)
    keep_orphans = timedelta(days=settings.orphan_visits_retention_days)
    webhooks = SqliteWebhookRepository(db)
    visit_fold = SqliteVisitFold(
        db, classify_user_agent, webhooks, events_always=settings.click_events_on_bus
    )

    def sqlite_idempotency() -> Idempotency:
        from shortstack.adapters.idempotency import PowertoolsIdempotency, SqlitePersistence

        budget_ms = int(settings.events_visibility_timeout_s * 1000)
        return PowertoolsIdempotency(SqlitePersistence(db), in_progress_budget_ms=budget_ms)

    return Adapters(
        apikeys=SqliteApiKeyRepository(db),
        webhooks=webhooks,
        imports=SqliteImportRepository(db),
        # Keys start with imports/: uploads land under DATA_DIR/imports/<import id>/.
        blobs=LocalBlobStore(settings.data_dir),
        upload_inbox=LocalUploadInbox(),
        items=SqliteItemRepository(db),
        users=SqliteUserRepository(db),
        publisher=queue,
        uow=SqliteUnitOfWork(db, queue),
        links=links,
        password_attempts=SqlitePasswordAttempts(db),
        stats=stats,
        expired_links=links,
        stats_rollup=SqliteClickStatsRollUp(db),
        orphan_visits=orphans,
        dead_letters=queue,
        idempotency=LazyIdempotency(sqlite_idempotency),
        event_queue=queue,
        record_expiry={
            "idempotency_records": lambda: forget_expired_records(db),
            "click_folds": lambda: stats.forget_folds_before(
                utc_now() - CLICK_FOLD_RETENTION, unless_queued=True
            ),
            "orphan_visits": lambda: orphans.forget_before((utc_now() - keep_orphans).date()),
        },
        group_commit=group_commit,
        visit_fold=visit_fold,
        closers=[db.close, group_commit.close],  # newest first: the writer stops first
    )
