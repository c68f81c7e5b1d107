"""Count what DynamoDB would bill for the calls an adapter makes: requests, RRU and WRU.

`MeteredDynamoDB` wraps the boto3 client an adapter is given. Each data call
goes through unchanged; around it the meter reads the items it touches (with a
second, unmetered client on the same moto backend) and applies DynamoDB's
documented rules to their sizes (bench/dynamodb_costs.py has the size rules):

- a read: 1 RRU per started 4 KB if strongly consistent, half that if eventual,
  twice that inside a transaction; a Query bills the total size it returns;
- a write: 1 WRU per started KB of the larger of the item before and after,
  twice that inside a transaction; a failed condition still bills the write;
- each global secondary index whose entry the write changes is written too:
  one write of the projected item, or two when the index key moves.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from bench.item_sizes import item_size, write_units

_READS = {"get_item", "query", "batch_get_item", "transact_get_items"}
_WRITES = {"put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"}
_NAMES = {
    "get_item": "GetItem",
    "query": "Query",
    "batch_get_item": "BatchGetItem",
    "transact_get_items": "TransactGetItems",
    "put_item": "PutItem",
    "update_item": "UpdateItem",
    "delete_item": "DeleteItem",
    "transact_write_items": "TransactWriteItems",
    "batch_write_item": "BatchWriteItem",
}
Item = dict[str, Any]


def read_units(size: int, *, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]
    projection: str
    included: tuple[str, ...] = ()

    def entry(self, item: Item | None, table_keys: tuple[str, ...]) -> Item | None:
        """The index's copy of `item`, or None when the item is not in the index."""
        if item is None or not all(key in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return item
        kept = set(self.keys) | set(table_keys) | set(self.included)
        return {name: value for name, value in item.items() if name in kept}


@dataclass
class Meter:
    """Totals since the last `reset()`."""

    requests: Counter[str] = field(default_factory=Counter)
    rru: float = 0.0
    wru: float = 0.0

    def reset(self) -> None:
        self.requests.clear()
        self.rru = self.wru = 0.0


class MeteredDynamoDB:
    """A boto3 DynamoDB client that counts what each call would bill."""

    def __init__(self, inner: Any, raw: Any, meter: Meter) -> None:
        self._inner = inner
        self._raw = raw
        self.meter = meter
        self._schemas: dict[str, tuple[tuple[str, ...], tuple[Index, ...]]] = {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name in _READS or name in _WRITES:
            return self._metered(name, attribute)
        return attribute

    def _metered(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def metered(**request: Any) -> Any:
            self.meter.requests[_NAMES[name]] += 1
            if name in _READS:
                response = call(**request)
                self.meter.rru += self._read_units(name, request, response)
                return response
            return self._write(name, call, request)

        return metered

    def _schema(self, table: str) -> tuple[tuple[str, ...], tuple[Index, ...]]:
        if table not in self._schemas:
            described = self._raw.describe_table(TableName=table)["Table"]
            table_keys = tuple(key["AttributeName"] for key in described["KeySchema"])
            indexes = tuple(
                Index(
                    index["IndexName"],
                    tuple(key["AttributeName"] for key in index["KeySchema"]),
                    index["Projection"]["ProjectionType"],
                    tuple(index["Projection"].get("NonKeyAttributes", ())),
                )
                for index in described.get("GlobalSecondaryIndexes", [])
            )
            self._schemas[table] = (table_keys, indexes)
        return self._schemas[table]

    def _key_of(self, table: str, item: Item) -> Item:
        return {name: item[name] for name in self._schema(table)[0]}

    def _current(self, table: str, key: Item) -> Item | None:
        found: Item | None = self._raw.get_item(TableName=table, Key=key, ConsistentRead=True).get(
            "Item"
        )
        return found

    def _read_units(self, name: str, request: Any, response: Any) -> float:
        if name == "get_item":
            size = item_size(response.get("Item", {}))
            return read_units(size, consistent=bool(request.get("ConsistentRead")))
        if name == "query":
            size = sum(item_size(item) for item in response.get("Items", []))
            consistent = bool(request.get("ConsistentRead")) and "IndexName" not in request
            return read_units(size, consistent=consistent)
        if name == "transact_get_items":
            items = [entry.get("Item", {}) for entry in response.get("Responses", [])]
            return sum(2 * read_units(item_size(item), consistent=True) for item in items)
        total = 0.0
        for table, items in response.get("Responses", {}).items():
            consistent = bool(request["RequestItems"][table].get("ConsistentRead"))
            total += sum(read_units(item_size(item), consistent=consistent) for item in items)
        return total

    def _targets(self, name: str, request: Any) -> list[tuple[str, Item, int]]:
        """(table, key, unit multiplier) of every item the write touches."""
        if name in ("update_item", "delete_item"):
            return [(request["TableName"], request["Key"], 1)]
        if name == "put_item":
            table = request["TableName"]
            return [(table, self._key_of(table, request["Item"]), 1)]
        targets = []
        if name == "transact_write_items":
            for entry in request["TransactItems"]:
                ((kind, body),) = entry.items()
                key = (
                    body["Key"] if kind != "Put" else self._key_of(body["TableName"], body["Item"])
                )
                targets.append((body["TableName"], key, 2))
            return targets
        for table, writes in request["RequestItems"].items():
            for write in writes:
                if "PutRequest" in write:
                    targets.append((table, self._key_of(table, write["PutRequest"]["Item"]), 1))
                else:
                    targets.append((table, write["DeleteRequest"]["Key"], 1))
        return targets

    def _write(self, name: str, call: Callable[..., Any], request: Any) -> Any:
        targets = self._targets(name, request)
        before = [self._current(table, key) for table, key, _ in targets]
        try:
            response = call(**request)
        except ClientError:
            # A refused condition still bills the write, sized by the item as it stands.
            for (_, _, times), old in zip(targets, before, strict=True):
                self.meter.wru += times * write_units(item_size(old or {}))
            raise
        for (table, key, times), old in zip(targets, before, strict=True):
            new = self._current(table, key)
            self.meter.wru += times * self._write_units(table, old, new)
        return response

    def _write_units(self, table: str, old: Item | None, new: Item | None) -> float:
        size = max(item_size(old or {}), item_size(new or {}))
        units = float(write_units(size))
        if old == new:
            return units
        table_keys, indexes = self._schema(table)
        for index in indexes:
            was, now = index.entry(old, table_keys), index.entry(new, table_keys)
            if was == now:
                continue
            moved = (
                was is not None
                and now is not None
                and any(was[key] != now[key] for key in index.keys)
            )
            for entry in (was, now) if moved or now is None else (now,):
                if entry is not None:
                    units += write_units(item_size(entry))
        return units
