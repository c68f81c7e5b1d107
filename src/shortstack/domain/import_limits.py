"""The size limits of a bulk import, apart from the import's domain.

`config.py` reads them for its defaults and bounds: the settings load in every process,
the imports' domain (jobs, row ids, events) only where imports run.
"""

from __future__ import annotations

# Rows of one import, unless IMPORT_MAX_ROWS says otherwise.
MAX_ROWS = 100_000

# The body limit of a direct POST /api/v1/imports on Lambda (docs/decisions/0302): API
# Gateway hands Lambda the request as one JSON event of at most 6 MiB (6,291,456 bytes),
# with the body base64-encoded (4 bytes per 3) unless it is text. 64 KiB is kept for the
# event's other fields: headers and URL (10 KiB at most on an HTTP API, some repeated in
# requestContext), the JWT's claims and the fixed fields.
LAMBDA_EVENT_MAX_BYTES = 6 * 1024 * 1024
LAMBDA_EVENT_ENVELOPE_BYTES = 64 * 1024
LAMBDA_IMPORT_MAX_BYTES = (LAMBDA_EVENT_MAX_BYTES - LAMBDA_EVENT_ENVELOPE_BYTES) // 4 * 3
