"""Idempotent event handling with Powertools' idempotency utility, on our own stores.

Powertools does the protocol: hash the idempotency key (source, detail type,
id), write an INPROGRESS record that expires (so a crashed handler's event can
run again), hash the payload to refuse a reused id with another detail, store
COMPLETED with an expiry, and return the first result to any later duplicate.
We supply the persistence layers:
- `SingleTableDynamoDBPersistence`: Powertools' DynamoDB layer, keyed into the
  single table (`IDEMPOTENCY#<key>` / `IDEMPOTENCY`, TTL attribute `ttl`),
  so each key is its own partition instead of one static hot partition;
- `SqlitePersistence`: the same conditional writes in the local SQLite file;
- `MemoryPersistence`: the same rules in a dict, for service tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attributes
from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.idempotency_records import SQLITE_SCHEMA, forget_expired_records
from shortstack.domain.events import Event

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Records outlive any redelivery: SQS keeps a dead letter 14 days, then it may be replayed.
RECORD_TTL_S = 15 * 24 * 3600
KEY_PREFIX = "shortstack-events"
INPROGRESS = "INPROGRESS"


def event_config(expires_after_seconds: int = RECORD_TTL_S) -> IdempotencyConfig:
    """Key: (source, detail-type, id) (docs/decisions/0200); payload check on the detail."""
    return IdempotencyConfig(
        event_key_jmespath='[source, "detail-type", id]',
        payload_validation_jmespath="detail",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
    )


class FixedBudget:
    """Stands in for a Lambda context outside Lambda: a handler gets this long.

    Powertools sets an INPROGRESS record's expiry from the time left; the local
    dispatcher's budget is the queue's visibility timeout, after which the
    message is delivered again anyway.
    """

    def __init__(self, milliseconds: int) -> None:
        self.milliseconds = milliseconds

    def get_remaining_time_in_millis(self) -> int:
        return self.milliseconds


class PowertoolsIdempotency:
    """Wraps event handlers so that each event's effect happens once (the Idempotency port)."""

    def __init__(
        self,
        store: BasePersistenceLayer,
        config: IdempotencyConfig | None = None,
        in_progress_budget_ms: int = 30_000,
    ):
        self._store = store
        self._config = config or event_config()
        self._config.register_lambda_context(FixedBudget(in_progress_budget_ms))  # type: ignore[arg-type]

    def use_lambda_context(self, context: Any) -> None:
        """In Lambda: INPROGRESS records expire when this invocation's time runs out."""
        self._config.register_lambda_context(context)

    def wrap(self, handler: Callable[[Event], None]) -> Callable[[Event], None]:
        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="event",
            persistence_store=self._store,
            config=self._config,
            key_prefix=KEY_PREFIX,
        )
        def run_once(event: dict[str, Any]) -> dict[str, bool]:
            handler(Event.from_dict(event))
            return {"handled": True}

        def handle(event: Event) -> None:
            run_once(event=event.to_dict())

        return handle


def _now_ms() -> int:
    return int(time.time() * 1000)


def _may_take_over(record: DataRecord) -> bool:
    """Whether a new INPROGRESS may replace this record (Powertools' put condition)."""
    now = time.time()
    if record.expiry_timestamp is not None and record.expiry_timestamp < now:
        return True
    return (
        record.status == INPROGRESS
        and record.in_progress_expiry_timestamp is not None
        and record.in_progress_expiry_timestamp < _now_ms()
    )


class SingleTableDynamoDBPersistence(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB layer with the single table's key layout and TTL attribute."""

    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        super().__init__(
            table_name=table_name,
            key_attr="PK",
            expiry_attr=keys.TTL_ATTRIBUTE,
            boto3_client=client,
        )

    def _get_key(self, idempotency_key: str) -> dict[str, Any]:
        return to_attributes(keys.idempotency_key(idempotency_key))

    def _item_to_data_record(self, item: dict[str, Any]) -> DataRecord:
        record = super()._item_to_data_record(item)
        escaped = str(record.idempotency_key).removeprefix("IDEMPOTENCY#")
        record.idempotency_key = escaped.replace("%23", "#").replace("%25", "%")
        return record


class SqlitePersistence(BasePersistenceLayer):
    """Powertools idempotency records in the local SQLite file."""

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._db = db
        db.ensure_schema("idempotency", SQLITE_SCHEMA)

    @staticmethod
    def _record(row: Any) -> DataRecord:
        return DataRecord(
            idempotency_key=row["key"],
            status=row["status"],
            expiry_timestamp=row["expiry"],
            in_progress_expiry_timestamp=row["in_progress_expiry"],
            response_data=row["response_data"],
            payload_hash=row["payload_hash"],
        )

    def _get_record(self, idempotency_key: str) -> DataRecord:
        row = (
            self._db.connection()
            .execute("SELECT * FROM idempotency_records WHERE key = ?", (idempotency_key,))
            .fetchone()
        )
        if row is None:
            raise IdempotencyItemNotFoundError
        return self._record(row)

    def _put_record(self, data_record: DataRecord) -> None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM idempotency_records WHERE key = ?", (data_record.idempotency_key,)
            ).fetchone()
            if row is not None:
                old = self._record(row)
                if not _may_take_over(old):
                    self._validate_payload(data_payload=data_record, stored_data_record=old)
                    raise IdempotencyItemAlreadyExistsError(old_data_record=old)
            conn.execute(
                "INSERT OR REPLACE INTO idempotency_records VALUES (?, ?, ?, ?, '', ?)",
                (
                    data_record.idempotency_key,
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.in_progress_expiry_timestamp,
                    data_record.payload_hash if self.payload_validation_enabled else "",
                ),
            )

    def _update_record(self, data_record: DataRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE idempotency_records SET status = ?, expiry = ?, response_data = ?,"
                " payload_hash = ? WHERE key = ?",
                (
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.response_data,
                    data_record.payload_hash,
                    data_record.idempotency_key,
                ),
            )

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM idempotency_records WHERE key = ?", (data_record.idempotency_key,)
            )

    def forget_expired(self) -> int:
        """Delete expired records (the local stand-in for DynamoDB's TTL); how many went."""
        return forget_expired_records(self._db)


class MemoryPersistence(BasePersistenceLayer):
    """Powertools idempotency records in a dict, with the same conditional rules."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.records: dict[str, DataRecord] = {}
        self._lock = threading.Lock()

    def _get_record(self, idempotency_key: str) -> DataRecord:
        with self._lock:
            if idempotency_key not in self.records:
                raise IdempotencyItemNotFoundError
            return self.records[idempotency_key]

    def _put_record(self, data_record: DataRecord) -> None:
        with self._lock:
            old = self.records.get(data_record.idempotency_key)
            if old is not None and not _may_take_over(old):
                self._validate_payload(data_payload=data_record, stored_data_record=old)
                raise IdempotencyItemAlreadyExistsError(old_data_record=old)
            self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        with self._lock:
            self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._lock:
            self.records.pop(data_record.idempotency_key, None)
