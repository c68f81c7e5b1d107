"""The AWS storage: one DynamoDB table, single-table design (PK/SK plus two GSIs).

Every key string is built in `keys.py`; the table's shape (the same one the
IaC declares) is in `table.py`.
"""

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
