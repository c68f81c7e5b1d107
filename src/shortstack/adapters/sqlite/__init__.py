"""The local default storage: one SQLite file under DATA_DIR, in WAL mode.

`db.py` holds the connection and schema handling; one module per repository,
plus the local event queue (`event_queue.py`) and the redirect writer
(`group_commit.py`). Import from the module that defines a name.
"""
