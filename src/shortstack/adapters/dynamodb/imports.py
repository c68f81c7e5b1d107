"""Import jobs in the single table: the job item, and one item per row error.

Layout (keys.py): the job is `IMPORT#<id>` / `IMPORT`; each row error is
`IMPORT#<id>` / `ROW#<nnnnnnn>`, so one Query pages through a job's errors
in row order. Chunk results live in a map attribute of the job item
(`chunks.<n> = {loaded, failed}`): a repeated chunk overwrites its own entry,
and reading a job with its progress stays one GetItem. While a job is
unfinished it is also in the sparse GSI2 partition `IMPORTS#UNFINISHED`,
which lists stuck jobs without a scan; a job awaiting its upload joins it
when its file arrives. Every item expires (TTL) 90 days after the import was
created.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.batch_writes import puts, write_all
from shortstack.adapters.dynamodb.codec import from_attributes, to_attribute, to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict
from shortstack.domain.imports import (
    UNFINISHED,
    ImportCounts,
    ImportJob,
    ImportStatus,
    ImportUpdate,
    RowError,
    UploadTerms,
)
from shortstack.domain.pagination import Page
from shortstack.service_layer.import_pages import after_row, next_cursor, with_chunk_totals

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ENTITY = "import"
RETENTION = timedelta(days=90)
_WRITERS = 8
_NOT_FINAL = "attribute_exists(PK) AND #status IN (:pending, :running)"
_NOT_FINAL_VALUES = {
    ":pending": to_attribute(str(ImportStatus.PENDING)),
    ":running": to_attribute(str(ImportStatus.RUNNING)),
}


def _expiry(created_at: datetime) -> int:
    return int((created_at + RETENTION).timestamp())


def _unfinished_index(import_id: str, created: str) -> dict[str, str]:
    """The sparse GSI2 entry that lists a job a workflow owns, oldest first."""
    return {keys.GSI2PK: keys.UNFINISHED_IMPORTS, keys.GSI2SK: f"{created}#{import_id}"}


def _to_job(raw: dict[str, Any]) -> ImportJob:
    return job_of(from_attributes(raw))


def job_of(values: Mapping[str, Any]) -> ImportJob:
    """The job an import item holds, its attributes already read into plain values."""
    job = ImportJob(
        import_id=values["import_id"],
        owner=values["owner"],
        status=ImportStatus(values["status"]),
        created_at=from_iso(values["created_at"]),
        updated_at=from_iso(values["updated_at"]),
        secret=values["secret"],
        counts=ImportCounts(
            total=int(values.get("total", 0)),
            valid=int(values.get("valid", 0)),
            invalid=int(values.get("invalid", 0)),
        ),
        chunk_count=int(values.get("chunk_count", 0)),
        error=values.get("error"),
        filename=values.get("filename"),
        format=values.get("format", "shortstack"),
        upload=(
            UploadTerms(
                from_iso(values["upload_expires_at"]),
                int(values["upload_size"]) if "upload_size" in values else None,
            )
            if "upload_expires_at" in values
            else None
        ),
    )
    chunks = values.get("chunks") or {}
    return with_chunk_totals(
        job, ((int(result["loaded"]), int(result["failed"])) for result in chunks.values())
    )


class DynamoDBImportRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, job: ImportJob) -> None:
        created = to_iso(job.created_at)
        upload = job.upload
        record = {
            **keys.import_key(job.import_id),
            **(_unfinished_index(job.import_id, created) if job.status in UNFINISHED else {}),
            "entity": ENTITY,
            "import_id": job.import_id,
            "owner": job.owner,
            "status": str(job.status),
            "total": job.counts.total,
            "valid": job.counts.valid,
            "invalid": job.counts.invalid,
            "chunk_count": job.chunk_count,
            "chunks": {},
            "error": job.error,
            "filename": job.filename,
            "format": job.format,
            "secret": job.secret,
            "created_at": created,
            "updated_at": to_iso(job.updated_at),
            "upload_expires_at": to_iso(upload.expires_at) if upload else None,
            "upload_size": upload.size if upload else None,
            keys.TTL_ATTRIBUTE: _expiry(job.created_at),
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_attributes(record),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                raise Conflict(f"import {job.import_id!r} already exists") from exc
            raise

    def get(self, import_id: str) -> ImportJob | None:
        key = keys.import_key(import_id)
        if not keys.storable(key):
            return None
        response = self._client.get_item(
            TableName=self._table, Key=to_attributes(key), ConsistentRead=True
        )
        raw = response.get("Item")
        return _to_job(raw) if raw else None

    def update(self, import_id: str, changes: ImportUpdate, now: datetime) -> bool:
        names = {"#status": "status"}
        values = {**_NOT_FINAL_VALUES}
        sets = []
        for index, (name, value) in enumerate(
            (
                ("updated_at", to_iso(now)),
                ("status", str(changes.status) if changes.status else None),
                ("total", changes.total),
                ("valid", changes.valid),
                ("invalid", changes.invalid),
                ("chunk_count", changes.chunk_count),
                ("error", changes.error),
            )
        ):
            if value is not None:
                names[f"#f{index}"] = name
                values[f":f{index}"] = to_attribute(value)
                sets.append(f"#f{index} = :f{index}")
        expression = "SET " + ", ".join(sets)
        if changes.status is not None and changes.status.is_final:
            # Leaving the sparse "unfinished" index: nothing will resume this job.
            names.update({"#g2pk": keys.GSI2PK, "#g2sk": keys.GSI2SK})
            expression += " REMOVE #g2pk, #g2sk"
        return self._conditional_update(import_id, expression, names, values)

    def settle_upload(
        self,
        job: ImportJob,
        status: ImportStatus,
        now: datetime,
        error: str | None = None,
        format: str | None = None,
    ) -> bool:
        names = {"#status": "status", "#updated": "updated_at"}
        values = {
            ":awaiting": to_attribute(str(ImportStatus.AWAITING_UPLOAD)),
            ":status": to_attribute(str(status)),
            ":now": to_attribute(to_iso(now)),
        }
        sets = ["#status = :status", "#updated = :now"]
        if error is not None:
            names["#error"] = "error"
            values[":error"] = to_attribute(error)
            sets.append("#error = :error")
        if format is not None:
            names["#format"] = "format"
            values[":format"] = to_attribute(format)
            sets.append("#format = :format")
        if status in UNFINISHED:
            # Its file is stored: from now on a stalled run is found like any other.
            for name, value in _unfinished_index(job.import_id, to_iso(job.created_at)).items():
                names[f"#{name}"] = name
                values[f":{name}"] = to_attribute(value)
                sets.append(f"#{name} = :{name}")
        return self._conditional_update(
            job.import_id,
            "SET " + ", ".join(sets),
            names,
            values,
            condition="attribute_exists(PK) AND #status = :awaiting",
        )

    def record_chunk(
        self, import_id: str, chunk: int, loaded: int, failed: int, now: datetime
    ) -> None:
        self._conditional_update(
            import_id,
            "SET #chunks.#chunk = :result, #updated = :now",
            {
                "#status": "status",
                "#chunks": "chunks",
                "#chunk": str(chunk),
                "#updated": "updated_at",
            },
            {
                **_NOT_FINAL_VALUES,
                ":result": to_attribute({"loaded": loaded, "failed": failed}),
                ":now": to_attribute(to_iso(now)),
            },
        )

    def forget_chunks(self, import_id: str) -> None:
        self._conditional_update(
            import_id,
            "SET #chunks = :empty",
            {"#status": "status", "#chunks": "chunks"},
            {**_NOT_FINAL_VALUES, ":empty": {"M": {}}},
        )

    def _conditional_update(
        self,
        import_id: str,
        expression: str,
        names: dict[str, str],
        values: dict[str, Any],
        condition: str = _NOT_FINAL,
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_attributes(keys.import_key(import_id)),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                return False
            raise
        return True

    def add_errors(self, import_id: str, errors: Sequence[RowError]) -> None:
        if not errors:
            return
        # Rows expire with their job, give or take the minutes between the two writes.
        expires = int(time.time() + RETENTION.total_seconds())
        rows = [
            {
                **keys.import_row_key(import_id, error.row),
                "entity": "import_row",
                "row": error.row,
                "reason": error.reason,
                keys.TTL_ATTRIBUTE: expires,
            }
            for error in errors
        ]
        # 100,000 bad rows are 4,000 batches: a few writers in parallel keep that in seconds.
        write_all(self._client, self._table, puts(rows), workers=_WRITERS)

    def list_errors(self, import_id: str, *, limit: int, cursor: str | None) -> Page[RowError]:
        partition = keys.import_key(import_id)["PK"]
        first = keys.import_row_key(import_id, after_row(cursor) + 1)["SK"]
        last = keys.import_row_key(import_id, 9_999_999)["SK"]
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND SK BETWEEN :first AND :last",
            ExpressionAttributeValues=to_attributes(
                {":pk": partition, ":first": first, ":last": last}
            ),
            Limit=limit + 1,
            ConsistentRead=True,
        )
        rows = [from_attributes(raw) for raw in response.get("Items", [])]
        page = [RowError(int(row["row"]), row["reason"]) for row in rows[:limit]]
        return Page(page, next_cursor(page, limit, len(rows) > limit))

    def list_unfinished(self, limit: int) -> list[ImportJob]:
        response = self._client.query(
            TableName=self._table,
            IndexName=keys.GSI2,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": keys.GSI2PK},
            ExpressionAttributeValues={":pk": to_attribute(keys.UNFINISHED_IMPORTS)},
            Limit=limit,
        )
        return [_to_job(raw) for raw in response.get("Items", [])]
