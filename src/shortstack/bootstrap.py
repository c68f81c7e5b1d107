"""The composition root: every entrypoint builds its services here, from one Settings.

Tests call `bootstrap()` with a Settings of their own (STORAGE=memory for
fakes) or with explicit adapters through `overrides`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shortstack.config import Settings
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.target_urls import OwnHosts
from shortstack.service_layer.analytics import AnalyticsService
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.auth import Authenticator
from shortstack.service_layer.events import EventConsumer, Idempotency, LazyIdempotency
from shortstack.service_layer.imports import ImportsService
from shortstack.service_layer.items import ItemsService
from shortstack.service_layer.links import LinksService, RedirectService
from shortstack.service_layer.maintenance import MaintenanceService
from shortstack.service_layer.ports import (
    ApiKeyRepository,
    BlobStore,
    ClickStatsRepository,
    ClickStatsRollUp,
    DeadLetterGauge,
    EventPublisher,
    ExpiredLinkStore,
    ImportRepository,
    ItemRepository,
    LinkRepository,
    UserRepository,
    WorkflowStarter,
)
from shortstack.service_layer.users import UsersService

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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
    apikeys: ApiKeysService
    auth: Authenticator
    maintenance: MaintenanceService
    # The local queue and its dispatcher (STORAGE=sqlite); on AWS, SQS and Lambda do this.
    event_queue: Any = None
    dispatcher: Any = None
    # The local maintenance schedule; on AWS, EventBridge Scheduler invokes a Lambda.
    maintenance_scheduler: Any = None
    # SQLite: the local server's redirects commit in groups (adapters/sqlite/group_commit.py).
    group_commit: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def start_background(self) -> None:
        """Start the local event dispatcher, import runner and maintenance (the server)."""
        if self.dispatcher is not None:
            self.dispatcher.start()
        if self.maintenance_scheduler is not None:
            self.maintenance_scheduler.start()
        # The local import runner (any store but Step Functions): imports left unfinished by
        # a crash or a stop run again from the top, which loads what is missing, nothing twice.
        start_imports = getattr(self.imports.starter, "start_background", None)
        if start_imports is not None:
            unfinished = self.imports.imports.list_unfinished(1000)
            start_imports([job.import_id for job in unfinished])

    def close(self) -> None:
        """Release connections and stop background work, newest first."""
        while self.closers:
            self.closers.pop()()


@dataclass
class Adapters:
    items: ItemRepository
    users: UserRepository
    publisher: EventPublisher
    links: LinkRepository
    stats: ClickStatsRepository
    idempotency: Idempotency
    imports: ImportRepository
    blobs: BlobStore
    apikeys: ApiKeyRepository
    # Maintenance ports, served by the same objects as links and stats above.
    expired_links: ExpiredLinkStore
    stats_rollup: ClickStatsRollUp
    dead_letters: DeadLetterGauge | None = None
    # Local stand-ins for a TTL: name -> "delete what expired, say how many".
    record_expiry: dict[str, Callable[[], int]] = field(default_factory=dict)
    workflow: WorkflowStarter | None = None
    event_queue: Any = None
    group_commit: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)


def _sqlite_adapters(settings: Settings) -> Adapters:
    from datetime import timedelta

    from shortstack.adapters.sqlite import (
        SqliteDatabase,
        SqliteItemRepository,
        SqliteLinkRepository,
        SqliteUserRepository,
    )
    from shortstack.adapters.sqlite.event_queue import RetryPolicy, SqliteEventQueue
    from shortstack.adapters.sqlite.group_commit import GroupCommitter
    from shortstack.adapters.sqlite.idempotency_records import (
        ensure_idempotency_schema,
        forget_expired_records,
    )
    from shortstack.adapters.sqlite.stats import SqliteClickStatsRepository
    from shortstack.adapters.sqlite.stats_rollup import SqliteClickStatsRollUp
    from shortstack.domain.clock import utc_now

    db = SqliteDatabase(settings.sqlite_path)
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

    def sqlite_idempotency() -> Idempotency:
        from shortstack.adapters.idempotency import PowertoolsIdempotency, SqlitePersistence

        budget_ms = int(settings.events_visibility_timeout_s * 1000)
        return PowertoolsIdempotency(SqlitePersistence(db), in_progress_budget_ms=budget_ms)

    idempotency = LazyIdempotency(sqlite_idempotency)
    from shortstack.adapters.files import LocalBlobStore
    from shortstack.adapters.sqlite.apikeys import SqliteApiKeyRepository
    from shortstack.adapters.sqlite.imports import SqliteImportRepository

    return Adapters(
        apikeys=SqliteApiKeyRepository(db),
        imports=SqliteImportRepository(db),
        # Keys start with imports/: uploads land under DATA_DIR/imports/<import id>/.
        blobs=LocalBlobStore(settings.data_dir),
        items=SqliteItemRepository(db),
        users=SqliteUserRepository(db),
        publisher=queue,
        links=links,
        stats=stats,
        expired_links=links,
        stats_rollup=SqliteClickStatsRollUp(db),
        dead_letters=queue,
        idempotency=idempotency,
        event_queue=queue,
        record_expiry={
            "idempotency_records": lambda: forget_expired_records(db),
            # Longer than any redelivery can arrive, like FOLD_RETENTION_S on DynamoDB.
            "click_folds": lambda: stats.forget_folds_before(utc_now() - timedelta(days=15)),
        },
        group_commit=group_commit,
        closers=[db.close, group_commit.close],  # newest first: the writer stops first
    )


def _dynamodb_adapters(settings: Settings) -> Adapters:
    from shortstack.adapters.aws import lazy_client, make_client
    from shortstack.adapters.dynamodb import (
        DynamoDBItemRepository,
        DynamoDBLinkRepository,
        DynamoDBUserRepository,
    )
    from shortstack.adapters.dynamodb.imports import DynamoDBImportRepository
    from shortstack.adapters.dynamodb.stats import DynamoDBClickStatsRepository
    from shortstack.adapters.dynamodb.stats_rollup import DynamoDBClickStatsRollUp
    from shortstack.adapters.eventbridge import EventBridgePublisher
    from shortstack.adapters.s3 import S3BlobStore

    client = make_client("dynamodb", settings.aws_endpoint_url)
    pages = settings.maintenance_scan_pages
    links = DynamoDBLinkRepository(client, settings.table_name, sweep_pages=pages)
    stats = DynamoDBClickStatsRepository(client, settings.table_name)
    dead_letters = None
    if settings.dead_letter_queue_urls:
        from shortstack.adapters.sqs import SqsDeadLetterGauge

        dead_letters = SqsDeadLetterGauge(
            lazy_client(lambda: make_client("sqs", settings.events_endpoint_url)),
            settings.dead_letter_queue_urls,
        )
    workflow = None
    if settings.import_state_machine_arn:
        from shortstack.adapters.workflow.starters import StepFunctionsStarter

        workflow = StepFunctionsStarter(
            lazy_client(lambda: make_client("stepfunctions", settings.events_endpoint_url)),
            settings.import_state_machine_arn,
        )
    from shortstack.adapters.dynamodb.apikeys import DynamoDBApiKeyRepository

    return Adapters(
        apikeys=DynamoDBApiKeyRepository(client, settings.table_name),
        imports=DynamoDBImportRepository(client, settings.table_name),
        blobs=S3BlobStore(
            lazy_client(lambda: make_client("s3", settings.events_endpoint_url)),
            settings.imports_bucket,
        ),
        workflow=workflow,
        items=DynamoDBItemRepository(client, settings.table_name),
        users=DynamoDBUserRepository(client, settings.table_name),
        publisher=EventBridgePublisher(
            lazy_client(lambda: make_client("events", settings.events_endpoint_url)),
            settings.event_bus_name,
        ),
        links=links,
        stats=stats,
        expired_links=links,
        stats_rollup=DynamoDBClickStatsRollUp(client, settings.table_name, sweep_pages=pages),
        dead_letters=dead_letters,
        idempotency=LazyIdempotency(lambda: dynamodb_idempotency(settings.table_name, client)),
    )


def dynamodb_idempotency(table_name: str, client: DynamoDBClient) -> Idempotency:
    from shortstack.adapters.idempotency import (
        PowertoolsIdempotency,
        SingleTableDynamoDBPersistence,
    )

    return PowertoolsIdempotency(SingleTableDynamoDBPersistence(table_name, client))


def memory_idempotency() -> Idempotency:
    from shortstack.adapters.idempotency import MemoryPersistence, PowertoolsIdempotency

    return PowertoolsIdempotency(MemoryPersistence())


def _memory_adapters(settings: Settings) -> Adapters:
    from shortstack.adapters.memory import (
        MemoryEventPublisher,
        MemoryItemRepository,
        MemoryLinkRepository,
        MemoryUserRepository,
    )
    from shortstack.adapters.memory.apikeys import MemoryApiKeyRepository
    from shortstack.adapters.memory.blobs import MemoryBlobStore
    from shortstack.adapters.memory.imports import MemoryImportRepository
    from shortstack.adapters.memory.stats import MemoryClickStatsRepository

    links = MemoryLinkRepository()
    stats = MemoryClickStatsRepository()
    return Adapters(
        apikeys=MemoryApiKeyRepository(),
        imports=MemoryImportRepository(),
        blobs=MemoryBlobStore(),
        items=MemoryItemRepository(),
        users=MemoryUserRepository(),
        publisher=MemoryEventPublisher(),
        links=links,
        stats=stats,
        expired_links=links,
        stats_rollup=stats,
        idempotency=LazyIdempotency(memory_idempotency),
    )


def _local_workflow(imports: ImportsService, adapters: Adapters) -> WorkflowStarter:
    """The bulk-import state machine run in-process, on the same ASL file as on AWS."""
    from shortstack.adapters.workflow.runner import LocalStateMachine
    from shortstack.adapters.workflow.starters import LocalWorkflowStarter
    from shortstack.entrypoints.workflow_tasks import DEFINITION, TASK_FUNCTION, run_task

    def load_machine() -> LocalStateMachine:
        return LocalStateMachine.from_text(
            DEFINITION.read_text(),
            {TASK_FUNCTION: lambda payload: run_task(imports, payload)},
            {"ImportTaskFunctionArn": TASK_FUNCTION},
            name="bulk-import",
        )

    starter = LocalWorkflowStarter(load_machine, on_crash=imports.fail)
    adapters.closers.append(starter.stop)
    return starter


_FACTORIES: dict[str, Callable[[Settings], Adapters]] = {
    "sqlite": _sqlite_adapters,
    "dynamodb": _dynamodb_adapters,
    "memory": _memory_adapters,
}


def _authenticator(settings: Settings, apikeys: ApiKeysService) -> Authenticator:
    verifier = None
    if settings.auth_mode == "jwt":
        # Only here: AUTH_MODE=none never imports PyJWT's crypto (cold start).
        from shortstack.adapters.jwt_verifier import JwtVerifier

        verifier = JwtVerifier(
            settings.jwt_issuer.strip(),
            settings.jwt_audiences,
            jwks_url=settings.jwt_jwks_url,
            public_key=settings.jwt_public_key,
        )
    return Authenticator(
        mode=settings.auth_mode,
        api_keys=apikeys if settings.api_keys_enabled else None,
        verifier=verifier,
        trust_gateway_claims=settings.trust_gateway_claims,
        issuer=settings.jwt_issuer.strip(),
        audiences=settings.jwt_audiences,
        admin_group=settings.admin_group.strip(),
    )


def bootstrap(
    settings: Settings | None = None, *, clock: Clock = utc_now, **overrides: Any
) -> Container:
    """Wire the adapters `settings.storage` names into the services; `overrides` replace some."""
    settings = settings or Settings()
    adapters = _FACTORIES[settings.storage](settings)
    for name, adapter in overrides.items():
        if not hasattr(adapters, name):
            raise TypeError(f"unknown adapter override {name!r}")
        setattr(adapters, name, adapter)
    from shortstack.adapters.useragent import classify_user_agent

    analytics = AnalyticsService(adapters.stats, adapters.links, classify_user_agent, clock)
    events = EventConsumer(adapters.idempotency)
    analytics.register(events)
    imports = ImportsService(
        adapters.imports,
        adapters.blobs,
        adapters.links,  # each link store is also the import's LinkSink
        adapters.publisher,
        OwnHosts.of(settings.base_url),
        clock,
        starter=adapters.workflow,
    )
    if imports.starter is None:
        imports.starter = _local_workflow(imports, adapters)
    apikeys = ApiKeysService(adapters.apikeys, clock)
    dispatcher = None
    if adapters.event_queue is not None:
        from shortstack.entrypoints.local_events import LocalEventDispatcher

        dispatcher = LocalEventDispatcher(adapters.event_queue, events)
        # Stop the dispatcher before the database it reads is closed (closers run newest first).
        adapters.closers.append(dispatcher.stop)
    maintenance = _maintenance(settings, adapters, clock)
    maintenance.imports = adapters.imports
    # Only a workflow service is restarted from here; the local runner resumes at start.
    maintenance.restart_import = imports.start if adapters.workflow is not None else None
    scheduler = None
    # On AWS, EventBridge Scheduler invokes the maintenance Lambda instead.
    if settings.stage == "local" and settings.maintenance_interval_s > 0:
        from shortstack.entrypoints.local_maintenance import MaintenanceScheduler

        scheduler = MaintenanceScheduler(maintenance.run, settings.maintenance_interval_s)
        adapters.closers.append(scheduler.stop)
    return Container(
        settings=settings,
        items=ItemsService(adapters.items, adapters.publisher, clock),
        users=UsersService(adapters.users, adapters.publisher, clock),
        publisher=adapters.publisher,
        links=LinksService(
            adapters.links,
            adapters.publisher,
            OwnHosts.of(settings.base_url),
            clock,
            default_ttl_days=settings.default_link_ttl_days or None,
        ),
        redirects=RedirectService(adapters.links, adapters.publisher, clock),
        analytics=analytics,
        events=events,
        imports=imports,
        apikeys=apikeys,
        auth=_authenticator(settings, apikeys),
        maintenance=maintenance,
        event_queue=adapters.event_queue,
        dispatcher=dispatcher,
        maintenance_scheduler=scheduler,
        group_commit=adapters.group_commit,
        closers=adapters.closers,
    )


def _maintenance(settings: Settings, adapters: Adapters, clock: Clock) -> MaintenanceService:
    from datetime import timedelta

    return MaintenanceService(
        links=adapters.expired_links,
        stats=adapters.stats,
        rollup=adapters.stats_rollup,
        dead_letters=adapters.dead_letters,
        record_expiry=adapters.record_expiry,
        records_expire_in_store=settings.storage == "dynamodb",
        link_grace=timedelta(days=settings.maintenance_expired_link_grace_days),
        clock=clock,
    )
