"""Answering `GET/HEAD /{short_id}`: one function for the local server and the redirect Lambda.

Both the pure-ASGI redirect layer (in front of FastAPI) and the API Gateway
handler turn a request into the same `Reply`, so statuses, headers and error
bodies cannot drift apart. Imports neither FastAPI nor Pydantic: this is the
redirect Lambda's cold-start path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from shortstack.domain.errors import LinkGone, LinkNotFound
from shortstack.domain.visits import Visit, cloudfront_viewer_ip
from shortstack.service_layer.links import RedirectService

REDIRECT_METHODS = frozenset({"GET", "HEAD"})
# The same two headers SecurityHeadersMiddleware puts on every other response.
SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
)
COUNTRY_HEADER = "cloudfront-viewer-country"
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"
# An error answer is never cached: the link may be enabled again a moment later.
CACHE_ERROR = "no-store"
# Except an unknown id's 404, which a shared cache (CloudFront, whose key holds Accept) may
# keep for seconds: a scanner's or a deleted viral link's repeats then cost no invocation,
# and a new alias answers within that time. The browser keeps nothing (decision 0103).
CACHE_NOT_FOUND = "max-age=0, s-maxage=5"
INTERNAL_ERROR = "internal error; the correlation id identifies it"
_log = logging.getLogger("shortstack.redirects")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


def visit_from(headers: Mapping[str, str], peer: str | None = None) -> Visit:
    """The visitor details a redirect records, from lower-case request headers.

    The viewer's address comes from CloudFront's header when the request passed through
    CloudFront, otherwise from the connection (`peer`, the local server).
    """
    address = cloudfront_viewer_ip(headers.get(VIEWER_ADDRESS_HEADER)) or peer
    return Visit.from_headers(
        headers.get("referer"), headers.get("user-agent"), headers.get(COUNTRY_HEADER), address
    )


def error_reply(status: int, message: str, method: str, correlation_id: str) -> Reply:
    """A JSON error with the headers every redirect answer carries."""
    body = json.dumps({"message": message}).encode()
    headers = [
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
        ("cache-control", CACHE_NOT_FOUND if status == 404 else CACHE_ERROR),
        *SECURITY_HEADERS,
        ("x-correlation-id", correlation_id),
    ]
    # A HEAD answer carries the headers a GET would get, without the body.
    return Reply(status, headers, b"" if method == "HEAD" else body)


def answer(
    redirects: RedirectService,
    method: str,
    short_id: str,
    headers: Mapping[str, str],
    correlation_id: str,
    peer: str | None = None,
) -> Reply:
    """The reply to one redirect request; a GET counts the visit, a HEAD only looks.

    Never raises: unknown ids are 404, gone links 410, and any failure a logged 500.
    """
    try:
        if method == "HEAD":
            redirect = redirects.peek(short_id)
        else:
            redirect = redirects.follow(short_id, visit_from(headers, peer))
    except LinkNotFound as exc:
        return error_reply(404, exc.message, method, correlation_id)
    except LinkGone as exc:
        return error_reply(410, exc.message, method, correlation_id)
    except Exception:
        # Storage unreachable, say: a JSON 500 the caller can quote, and the details logged.
        _log.exception("redirect failed", extra={"correlation_id": correlation_id})
        return error_reply(500, INTERNAL_ERROR, method, correlation_id)
    return Reply(
        redirect.status,
        [
            ("location", redirect.location),
            ("cache-control", redirect.cache_control),
            ("content-length", "0"),
            *SECURITY_HEADERS,
            ("x-correlation-id", correlation_id),
        ],
    )
