"""The AWS store: the single DynamoDB table, EventBridge, S3, and SQS and Step Functions
when their settings name them. Clients of services a process may never call are built
on first use (adapters/aws.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shortstack.adapters import aws
from shortstack.adapters.aws import lazy_client
from shortstack.adapters.dynamodb.apikeys import DynamoDBApiKeyRepository
from shortstack.adapters.dynamodb.imports import DynamoDBImportRepository
from shortstack.adapters.dynamodb.items import DynamoDBItemRepository
from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
from shortstack.adapters.dynamodb.orphan_visits import DynamoDBOrphanVisitRepository
from shortstack.adapters.dynamodb.outbox import StreamUnitOfWork
from shortstack.adapters.dynamodb.password_attempts import DynamoDBPasswordAttempts
from shortstack.adapters.dynamodb.stats import DynamoDBClickStatsRepository
from shortstack.adapters.dynamodb.stats_rollup import DynamoDBClickStatsRollUp
from shortstack.adapters.dynamodb.users import DynamoDBUserRepository
from shortstack.adapters.dynamodb.webhooks import DynamoDBWebhookRepository
from shortstack.adapters.eventbridge.publisher import EventBridgePublisher
from shortstack.adapters.s3.blobs import S3BlobStore
from shortstack.adapters.s3.exports import S3ExportStore
from shortstack.adapters.s3.upload_urls import S3UploadInbox
from shortstack.bootstrap.adapters import Adapters
from shortstack.config import Settings
from shortstack.service_layer.events import Idempotency, LazyIdempotency
from shortstack.service_layer.ports import DeadLetterGauge, WorkflowStarter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Clients come from `aws.make_client`, looked up at each call, so that a benchmark can meter
# them by substituting it (bench/cost_profile.py).


def adapters_for(settings: Settings, *, client: DynamoDBClient | None = None) -> Adapters:
    """Every port on `settings.table_name`, through `client` when given (tests share one)."""
    table = settings.table_name
    dynamodb = client or aws.make_client("dynamodb", settings.aws_endpoint_url)
    endpoint = settings.events_endpoint_url
    pages = settings.maintenance_scan_pages
    links = DynamoDBLinkRepository(dynamodb, table, sweep_pages=pages)
    stats = DynamoDBClickStatsRepository(dynamodb, table)
    orphans = DynamoDBOrphanVisitRepository(
        dynamodb, table, retention_days=settings.orphan_visits_retention_days
    )
    return Adapters(
        apikeys=DynamoDBApiKeyRepository(dynamodb, table),
        webhooks=DynamoDBWebhookRepository(dynamodb, table),
        imports=DynamoDBImportRepository(dynamodb, table),
        blobs=S3BlobStore(
            lazy_client(lambda: aws.make_client("s3", endpoint)), settings.imports_bucket
        ),
        # Most API invocations never hand out an upload URL: the signer is built on first use.
        upload_inbox=S3UploadInbox(
            settings.imports_bucket,
            lazy_client(lambda: aws.make_presigning_client(endpoint)),
        ),
        workflow=_step_functions(settings),
        exports=S3ExportStore(
            lazy_client(lambda: aws.make_client("s3", endpoint)),
            lazy_client(lambda: aws.make_presigning_client(endpoint)),
            settings.imports_bucket,
        ),
        items=DynamoDBItemRepository(dynamodb, table),
        users=DynamoDBUserRepository(dynamodb, table),
        publisher=EventBridgePublisher(
            lazy_client(lambda: aws.make_client("events", endpoint)), settings.event_bus_name
        ),
        # The table's stream is the outbox: a change commits alone, its record is its event.
        uow=StreamUnitOfWork(),
        links=links,
        password_attempts=DynamoDBPasswordAttempts(dynamodb, table),
        stats=stats,
        window_fold=stats,
        expired_links=links,
        stats_rollup=DynamoDBClickStatsRollUp(dynamodb, table, sweep_pages=pages),
        orphan_visits=orphans,
        dead_letters=_dead_letter_gauge(settings),
        idempotency=LazyIdempotency(lambda: _dynamodb_idempotency(table, dynamodb)),
    )


def _step_functions(settings: Settings) -> WorkflowStarter | None:
    """Step Functions when a state machine is configured; None runs imports in-process."""
    if not settings.import_state_machine_arn:
        return None
    from shortstack.adapters.workflow.starters import StepFunctionsStarter

    endpoint = settings.events_endpoint_url
    return StepFunctionsStarter(
        lazy_client(lambda: aws.make_client("stepfunctions", endpoint)),
        settings.import_state_machine_arn,
    )


def _dead_letter_gauge(settings: Settings) -> DeadLetterGauge | None:
    if not settings.dead_letter_queue_urls:
        return None
    from shortstack.adapters.sqs import SqsDeadLetterGauge

    endpoint = settings.events_endpoint_url
    return SqsDeadLetterGauge(
        lazy_client(lambda: aws.make_client("sqs", endpoint)), settings.dead_letter_queue_urls
    )


def _dynamodb_idempotency(table_name: str, client: DynamoDBClient) -> Idempotency:
    from shortstack.adapters.idempotency import (
        PowertoolsIdempotency,
        SingleTableDynamoDBPersistence,
    )

    return PowertoolsIdempotency(SingleTableDynamoDBPersistence(table_name, client))
