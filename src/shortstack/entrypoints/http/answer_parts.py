"""What every answer of the service shares, whichever way it is served.

FastAPI's middleware and error handler, the API Lambda's light front
(entrypoints/lambda_api_front.py) and the redirect answer (entrypoints/redirects.py) each
write these themselves; they read them from here so that the three cannot drift apart.
Framework-free and cheap to import: the redirect Lambda imports it on its cold path.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

# nosniff and a referrer policy on every response (SecurityHeadersMiddleware).
SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
)
# What a cross-origin browser script may send (CORS Allow-Headers): If-Match guards the web
# app's edits (decision 0004).
ALLOWED_REQUEST_HEADERS = (
    "authorization",
    "content-type",
    "x-correlation-id",
    "if-match",
    "if-none-match",
)
# What a cross-origin browser script may read of an answer (CORS Expose-Headers).
EXPOSED_HEADERS = (
    "x-next-cursor",
    "x-total-count",
    "x-total-exact",
    "link",
    "x-correlation-id",
    "www-authenticate",
    "etag",
)
# An answer no cache may keep (a redirect's error, the way back to a password form).
CACHE_NO_STORE = "no-store"
# The message of an unexpected error's 500: the log line has the rest.
INTERNAL_ERROR = "internal error; the correlation id identifies it"
# What a 415 for a body in a content coding asks for instead (RFC 9110 12.5.3).
IDENTITY_ONLY = (("accept-encoding", "identity"),)


def header_lines(
    raw_headers: Iterable[tuple[bytes, bytes]], names: Container[bytes]
) -> dict[str, str]:
    """The named headers of an ASGI request (lower-case names), each name's lines as one value.

    ASGI keeps every header line; API Gateway and Lambda function URLs hand a function the
    lines of one name joined with commas. Joined here the same way, a header reads the same
    on every runtime, and a list is read whole (RFC 9110 5.3): `identity` on one
    Content-Encoding line and `gzip` on the next is gzip, whichever comes first.
    """
    found: dict[str, str] = {}
    for name, value in raw_headers:
        if name in names:
            key = name.decode()
            if key in found:
                found[key] += ", " + value.decode("latin-1")
            else:
                found[key] = value.decode("latin-1")
    return found


def coding_refusal(content_encoding: str | None) -> str | None:
    """Why a body sent in this Content-Encoding is refused (415), or None when it names none.

    No route decodes a body (docs/decisions/0702): read as it came, a gzipped one was
    refused for the wrong reason, or a plain one labelled gzip was taken as it was.
    """
    coding = (content_encoding or "").strip()
    if coding.lower() in ("", "identity"):
        return None
    return f"Content-Encoding {coding} is not supported: send the body uncompressed"
