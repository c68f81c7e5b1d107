"""The AWS storage: one DynamoDB table, single-table design (PK/SK plus two GSIs).

One module per entity's repository (`items`, `links`, `users`, `stats`, ...);
every key string is built in `keys.py`, the table's shape (the same one the
IaC declares) is in `table.py`. Import from the module that defines a name: the
redirect Lambda loads `links` alone (docs/decisions/0003).
"""
