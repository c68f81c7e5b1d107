"""What every answer of the service shares, whichever way it is served.

FastAPI's middleware and error handler, the API Lambda's light front
(entrypoints/lambda_api_front.py) and the redirect answer (entrypoints/redirects.py) each
write these themselves; they read them from here so that the three cannot drift apart.
Framework-free and cheap to import: the redirect Lambda imports it on its cold path.
"""

from __future__ import annotations

# nosniff and a referrer policy on every response (SecurityHeadersMiddleware).
SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
)
# What a cross-origin browser script may read of an answer (CORS Expose-Headers).
EXPOSED_HEADERS = (
    "x-next-cursor",
    "x-total-count",
    "x-total-exact",
    "link",
    "x-correlation-id",
    "www-authenticate",
)
# The message of an unexpected error's 500: the log line has the rest.
INTERNAL_ERROR = "internal error; the correlation id identifies it"
