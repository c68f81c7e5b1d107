"""Adapters: the technology behind each port (SQLite, DynamoDB, memory, queues, buses)."""
