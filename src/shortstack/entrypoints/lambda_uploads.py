"""The uploads Lambda: S3 invokes it when an object lands under the imports bucket's uploads/.

Each record names one stored object; `ImportUploadsService.landed` checks that
its key binds it to an import awaiting its file (and to that import's owner),
checks the file, and starts the import or fails it with the reason; the object
is removed either way. S3 invokes asynchronously: an exception makes Lambda retry
the event, then hand it to the function's on-failure destination, and `landed`
is safe to repeat.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.observability import configure_logging, logger

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
container = bootstrap(settings)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Take every object the event names; what became of each, for the log and tests."""
    outcomes = []
    # S3 sends one record per event, and an s3:TestEvent (no Records) when the
    # notification is set up.
    for record in S3Event(event).records if "Records" in event else ():
        stored, bucket = record.s3.get_object, record.s3.bucket.name
        # Keys arrive URL-encoded, a space as '+'.
        key = unquote_plus(stored.key)
        if bucket != settings.imports_bucket:
            logger.warning("upload in another bucket ignored", extra={"bucket": bucket})
            continue
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        outcome = str(container.uploads.landed(key, stored.size))
        logger.info("upload landed", extra={"key": key, "size": stored.size, "outcome": outcome})
        outcomes.append({"key": key, "outcome": outcome})
    return {"outcomes": outcomes}
