"""The composition root: every entrypoint builds its services here, from one Settings.

`bootstrap()` takes the adapters of the store `settings.storage` names, one
typed factory per store (`sqlite.py`, `dynamodb.py`, `memory.py`, each
`adapters_for(settings)`), and wires the services on them. The contract suite
builds its stores with the same factories. Tests pass a Settings of their own
(STORAGE=memory for fakes), or `adapters` they changed.

Background work (the local event dispatcher, the maintenance schedule) belongs
to the process that runs it: the local server builds it around the container
(entrypoints/local_background.py). The container only holds the import
runner's thread, because the imports service needs its runner when it is built.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from shortstack.adapters.crawlers import crawler_kind
from shortstack.adapters.qr_images import render_qr
from shortstack.bootstrap.adapters import Adapters
from shortstack.config import Settings
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.target_urls import OwnHosts
from shortstack.light_wiring import authenticator, links_service
from shortstack.service_layer.analytics import AnalyticsService
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.auth import Authenticator
from shortstack.service_layer.events import EventConsumer
from shortstack.service_layer.import_uploads import ImportUploadsService
from shortstack.service_layer.imports import ImportsService
from shortstack.service_layer.items import ItemsService
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.maintenance import MaintenanceService
from shortstack.service_layer.orphan_visits import OrphanVisitBuffer, OrphanVisitsService
from shortstack.service_layer.ports import (
    EventPublisher,
    ExportStore,
    OrphanVisitRepository,
    WebhookTransport,
    WorkflowStarter,
)
from shortstack.service_layer.qr_codes import QrCodesService
from shortstack.service_layer.redirects import RedirectService
from shortstack.service_layer.relay import OutboxRelay
from shortstack.service_layer.users import UsersService
from shortstack.service_layer.webhooks import LOCAL_DISPATCHER, DeliveryRuntime, WebhooksService

if TYPE_CHECKING:
    from shortstack.adapters.sqlite.event_queue import SqliteEventQueue
    from shortstack.adapters.sqlite.group_commit import GroupCommitter

__all__ = ["Adapters", "BackgroundWork", "Container", "adapters_for", "bootstrap"]

# The local runner resumes at most this many unfinished imports when it starts.
RESUMED_IMPORTS = 1000


class BackgroundWork(Protocol):
    """Work a long-running process does beside its requests: started once, stopped on exit."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Container:
    """Everything an entrypoint needs, built once per process (per Lambda container)."""

    settings: Settings
    items: ItemsService
    users: UsersService
    publisher: EventPublisher
    links: LinksService
    redirects: RedirectService
    analytics: AnalyticsService
    events: EventConsumer
    imports: ImportsService
    uploads: ImportUploadsService
    apikeys: ApiKeysService
    auth: Authenticator
    maintenance: MaintenanceService
    webhooks: WebhooksService
    orphan_visits: OrphanVisitsService
    qr_codes: QrCodesService
    # SQLite: the local event queue (on AWS, EventBridge, SQS and Lambda carry events).
    event_queue: SqliteEventQueue | None = None
    # SQLite: the local server's redirects commit in groups (adapters/sqlite/group_commit.py).
    group_commit: GroupCommitter | None = None
    # The in-process import runner's thread; None when Step Functions runs imports.
    import_runner: BackgroundWork | None = None
    # DynamoDB: what the stream consumer runs (the table's stream is the outbox there).
    relay: OutboxRelay | None = None
    # AWS: where a links export is written and fetched from (a response holds 6 MB there).
    exports: ExportStore | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Release connections and stop the runs in progress, newest first."""
        while self.closers:
            self.closers.pop()()


def adapters_for(settings: Settings) -> Adapters:
    """The adapters of the store `settings.storage` names (each store imports only its own)."""
    if settings.storage == "sqlite":
        from shortstack.bootstrap import sqlite

        return sqlite.adapters_for(settings)
    if settings.storage == "dynamodb":
        from shortstack.bootstrap import dynamodb

        return dynamodb.adapters_for(settings)
    from shortstack.bootstrap import memory

    return memory.adapters_for(settings)


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    adapters: Adapters | None = None,
    webhook_transport: WebhookTransport | None = None,
    webhook_runtime: DeliveryRuntime = LOCAL_DISPATCHER,
) -> Container:
    """Wire the services on `adapters` (by default those of the store `settings` names).

    `webhook_runtime` names the consumer that runs webhook deliveries: the local
    dispatcher unless an entrypoint says otherwise (the SQS events Lambda).
    """
    settings = settings or Settings()
    adapters = adapters or adapters_for(settings)
    if webhook_transport is None:
        from shortstack.adapters.webhooks.http import HttpWebhookTransport

        webhook_transport = HttpWebhookTransport()
    from shortstack.adapters.useragent import classify_user_agent

    analytics = AnalyticsService(adapters.stats, adapters.links, classify_user_agent, clock)
    events = EventConsumer(adapters.idempotency)
    # A store that folds each click in its transaction drops a deleted link's stats in the
    # delete's (SQLite); the others' consumers drop them on LinkDeleted.
    analytics.register(
        events,
        fold_clicks=adapters.window_fold is None,
        forget_links=adapters.visit_fold is None,
    )
    webhooks = WebhooksService(
        adapters.webhooks,
        webhook_transport,
        adapters.links,
        clock,
        allow_http=settings.webhooks_allow_http,
        refuse_private=settings.webhooks_refuse_private,
        budget_s=settings.webhook_timeout_s,
        rest_s=settings.webhook_rest_s,
        runtime=webhook_runtime,
    )
    webhooks.register(events)
    imports, import_runner = _imports(settings, adapters, clock)
    apikeys = ApiKeysService(adapters.apikeys, clock, enabled=settings.api_keys_enabled)
    orphans = _orphan_visits(settings, adapters)
    return Container(
        settings=settings,
        items=ItemsService(adapters.items, adapters.uow, clock),
        users=UsersService(adapters.users, adapters.uow, clock),
        publisher=adapters.publisher,
        links=links_service(settings, adapters.links, adapters.uow, clock),
        redirects=RedirectService(
            adapters.links,
            adapters.uow,
            adapters.password_attempts,
            crawler_kind,
            clock,
            visitor_salt(settings),
            orphans=orphans,
            orphan_daily_keys=settings.orphan_visits_daily_keys,
            orphan_retention_days=settings.orphan_visits_retention_days,
            fold=adapters.visit_fold,
        ),
        analytics=analytics,
        events=events,
        imports=imports,
        uploads=ImportUploadsService(
            imports,
            adapters.upload_inbox,
            max_bytes=settings.import_upload_max_bytes,
            url_ttl=timedelta(seconds=settings.import_upload_url_ttl_s),
        ),
        apikeys=apikeys,
        auth=authenticator(settings, apikeys),
        maintenance=_maintenance(settings, adapters, imports, clock),
        webhooks=webhooks,
        orphan_visits=OrphanVisitsService(orphans),
        qr_codes=QrCodesService(adapters.links, render_qr, clock),
        event_queue=adapters.event_queue,
        group_commit=adapters.group_commit,
        import_runner=import_runner,
        relay=_relay(settings, adapters, analytics),
        exports=adapters.exports,
        closers=adapters.closers,
    )


def visitor_salt(settings: Settings) -> str:
    """The key of clicks' daily visitor hashes: VISITOR_HASH_SALT, or on one local server
    a random one made at start and never stored (restarting it re-counts that day's
    visitors once). On AWS many containers must agree, so there only the setting counts.
    """
    if settings.visitor_hash_salt or settings.storage == "dynamodb":
        return settings.visitor_hash_salt
    return secrets.token_urlsafe(32)


def _orphan_visits(settings: Settings, adapters: Adapters) -> OrphanVisitRepository:
    """Where orphan visits go: the local server adds them up in memory first (0112)."""
    if settings.storage != "sqlite":
        return adapters.orphan_visits
    buffer = OrphanVisitBuffer(adapters.orphan_visits)
    adapters.closers.append(buffer.flush)  # closers run newest first: before the database's
    return buffer


def _relay(
    settings: Settings, adapters: Adapters, analytics: AnalyticsService
) -> OutboxRelay | None:
    """What the stream consumer runs, where the table's stream is the outbox (DynamoDB)."""
    if adapters.window_fold is None:
        return None
    return OutboxRelay(
        adapters.publisher,
        adapters.window_fold,
        analytics.click_facts,
        adapters.stats,
        analytics.owners_of,
        analytics.owner_when,
        clicks_on_bus=settings.click_events_on_bus,
    )


def _imports(
    settings: Settings, adapters: Adapters, clock: Clock
) -> tuple[ImportsService, BackgroundWork | None]:
    """The imports service and, without Step Functions, its in-process runner's thread."""

    def service_on(starter: WorkflowStarter | None) -> ImportsService:
        return ImportsService(
            adapters.imports,
            adapters.blobs,
            adapters.links,  # each link store is also the import's LinkSink
            adapters.uow,
            OwnHosts.of(settings.base_url),
            clock,
            starter=starter,
            max_rows=settings.import_max_rows,
        )

    if adapters.workflow is not None:
        return service_on(adapters.workflow), None
    # The local runner walks the same ASL file as Step Functions, and its tasks call the
    # service it starts imports for: the runner refers to `service` once that exists.
    from shortstack.adapters.workflow.starters import LocalWorkflowStarter
    from shortstack.adapters.workflow.tasks import bulk_import_machine

    service: ImportsService
    starter = LocalWorkflowStarter(
        lambda: bulk_import_machine(service),
        on_crash=lambda import_id, reason: service.fail(import_id, reason),
        unfinished=lambda: [
            job.import_id for job in adapters.imports.list_unfinished(RESUMED_IMPORTS)
        ],
    )
    service = service_on(starter)
    # Runs in progress pause before the database closes (closers run newest first).
    adapters.closers.append(starter.stop)
    return service, starter.background


def _maintenance(
    settings: Settings, adapters: Adapters, imports: ImportsService, clock: Clock
) -> MaintenanceService:
    return MaintenanceService(
        links=adapters.expired_links,
        stats=adapters.stats,
        rollup=adapters.stats_rollup,
        uow=adapters.uow,
        dead_letters=adapters.dead_letters,
        record_expiry=adapters.record_expiry,
        records_expire_in_store=settings.storage == "dynamodb",
        link_grace=timedelta(days=settings.maintenance_expired_link_grace_days),
        imports=adapters.imports,
        # Only a workflow service is restarted from here; the local runner resumes at start.
        restart_import=imports.start if adapters.workflow is not None else None,
        clock=clock,
    )
