"""A DynamoDB client that throttles writes to chosen items, as DynamoDB does past ~1,000 a second.

moto never throttles, so the tests wrap its client: an UpdateItem (or transaction)
touching a throttled partition key is refused with `ProvisionedThroughputExceededException`
(or another code DynamoDB uses for capacity), optionally letting one call in `let_through`
pass, the way a partition over its limit accepts part of the load. A BatchGetItem can be
answered with every key unprocessed for the next `unprocessed_reads` calls.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


class ThrottlingDynamoDB:
    def __init__(
        self,
        inner: Any,
        *partition_keys: str,
        code: str = "ProvisionedThroughputExceededException",
        let_through: int = 0,
    ) -> None:
        self._inner = inner
        self.throttled = set(partition_keys)
        self.code = code
        self.let_through = let_through
        self.refused = 0
        self._seen = 0
        self.unprocessed_reads = 0
        self.batch_gets = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _check(self, operation: str, partition_keys: list[str]) -> None:
        if not self.throttled.intersection(partition_keys):
            return
        self._seen += 1
        if self.let_through and self._seen % self.let_through == 0:
            return
        self.refused += 1
        raise ClientError(
            {
                "Error": {
                    "Code": self.code,
                    "Message": "The level of configured provisioned "
                    "throughput for the table was exceeded.",
                }
            },
            operation,
        )

    def update_item(self, **request: Any) -> Any:
        self._check("UpdateItem", [request["Key"]["PK"]["S"]])
        return self._inner.update_item(**request)

    def transact_write_items(self, **request: Any) -> Any:
        touched = [
            body["Key"]["PK"]["S"]
            for entry in request["TransactItems"]
            for body in entry.values()
            if "Key" in body
        ]
        self._check("TransactWriteItems", touched)
        return self._inner.transact_write_items(**request)

    def batch_get_item(self, **request: Any) -> Any:
        self.batch_gets += 1
        if self.unprocessed_reads:
            self.unprocessed_reads -= 1
            return {"Responses": {}, "UnprocessedKeys": request["RequestItems"]}
        return self._inner.batch_get_item(**request)
