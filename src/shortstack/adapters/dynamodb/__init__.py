"""The AWS storage: one DynamoDB table, single-table design (PK/SK plus two GSIs).

Every key string is built in `keys.py`; the table's shape (the same one the
IaC declares) is in `table.py`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shortstack.adapters.dynamodb.items import DynamoDBItemRepository
    from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
    from shortstack.adapters.dynamodb.table import create_table, table_definition
    from shortstack.adapters.dynamodb.users import DynamoDBUserRepository

__all__ = [
    "DynamoDBItemRepository",
    "DynamoDBLinkRepository",
    "DynamoDBUserRepository",
    "create_table",
    "table_definition",
]
# Exported names load their module on first use (PEP 562): the redirect Lambda imports
# `dynamodb.links` alone, without the other repositories and their domains.
_HOMES = {
    "DynamoDBItemRepository": "items",
    "DynamoDBLinkRepository": "links",
    "DynamoDBUserRepository": "users",
    "create_table": "table",
    "table_definition": "table",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
