"""Answering a short link: one function for the local server, the API and the redirect Lambda.

The pure-ASGI redirect layer (in front of FastAPI), the FastAPI routes that
document the same paths, and the Lambda handler all turn a request into the same
`Reply` with `answer`, so statuses, headers and bodies cannot drift apart:

- GET counts and redirects (302 by default, or the link's 301/307/308), a crawler
  is redirected without counting, a preview fetcher of a link with a preview gets
  the Open Graph page (200);
- HEAD answers like GET without counting or a body, and a browser's prefetch or
  prerender (`Sec-Purpose: prefetch`, `Purpose: prefetch`) gets a GET's answer without
  counting (domain/visits.is_prefetch);
- POST (the password form: `password=...`, nothing else) redirects and counts when
  the password is right, 401 with the form again when not, 429 after too many;
- a link that cannot redirect sends people to its fallback (302, not counted),
  else 404 (unknown, not yet valid) or 410 (disabled, expired, used up): a page
  for a browser (Accept names text/html), JSON for anyone else; a password link's
  GET is the form for a browser (200), a 401 naming the form for anyone else.

The password form posts to the API's `/api/v1/unlock/{short_id}`, a plain route
on every runtime: on AWS a POST through CloudFront to a function URL behind
origin access control must carry `x-amz-content-sha256`, which a form cannot
send (docs/decisions/0106). `POST /{short_id}` works the same wherever it is
routed (the local server). Imports neither FastAPI nor Pydantic: this is the
redirect Lambda's cold-start path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl

from shortstack.domain.errors import (
    LinkGone,
    LinkNotFound,
    LinkNotYetValid,
    NoPassword,
    PasswordRequired,
    TooManyAttempts,
)
from shortstack.domain.passwords import PASSWORD_MAX
from shortstack.domain.slotted import frozen_slots
from shortstack.domain.visits import Visit, cloudfront_viewer_ip, is_prefetch
from shortstack.entrypoints.edge import (
    EDGE_VIEWER_HEADER,
    ORIGIN_SECRET_HEADER,
    link_path,
    unlock_path,
)
from shortstack.entrypoints.http.answer_parts import (
    CACHE_NO_STORE,
    IDENTITY_ONLY,
    INTERNAL_ERROR,
    SECURITY_HEADERS,
    coding_refusal,
    header_lines,
)
from shortstack.entrypoints.redirect_pages import (
    Page,
    gone_page,
    not_found_page,
    password_page,
    preview_page,
    too_many_attempts_page,
    unsupported_coding_page,
)
from shortstack.service_layer.redirects import Answer, PreviewCard, RedirectService

REDIRECT_METHODS = frozenset({"GET", "HEAD", "POST"})
COUNTRY_HEADER = "cloudfront-viewer-country"
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"
# A browser's prefetch or prerender names its purpose (domain/visits.is_prefetch).
SEC_PURPOSE_HEADER = "sec-purpose"
PURPOSE_HEADER = "purpose"
# Every request header `answer` reads (the local layer copies only these).
REQUEST_HEADERS = frozenset(
    {
        "referer",
        "user-agent",
        "accept",
        "accept-language",
        "content-type",
        "host",
        COUNTRY_HEADER,
        VIEWER_ADDRESS_HEADER,
        ORIGIN_SECRET_HEADER,
        EDGE_VIEWER_HEADER,
        SEC_PURPOSE_HEADER,
        PURPOSE_HEADER,
        "content-encoding",
    }
)
_REQUEST_HEADER_LINES = frozenset(name.encode() for name in REQUEST_HEADERS)
FORM_TYPE = "application/x-www-form-urlencoded"
# The longest form a valid password makes (1,545 bytes): a character is up to 4 UTF-8 bytes,
# each percent-encoded as 3, so 128 CJK characters or emoji fit, not only 128 ASCII ones.
FORM_BODY_MAX = len("password=") + PASSWORD_MAX * 4 * 3
# An error answer is never cached: the link may be enabled again a moment later.
CACHE_ERROR = CACHE_NO_STORE
# Except an unknown id's 404, which a shared cache (CloudFront, whose key holds Accept) may
# keep for seconds: a scanner's or a deleted viral link's repeats then cost no invocation,
# and a new alias answers within that time. The browser keeps nothing (decision 0103).
CACHE_NOT_FOUND = "max-age=0, s-maxage=5"
_log = logging.getLogger("shortstack.redirects")


@frozen_slots
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


class BadForm(ValueError):
    """A password POST whose body is not the one-field form."""

    status = 400


class FormTooLarge(BadForm):
    """A password POST longer than any password form (FORM_BODY_MAX)."""

    status = 413


class FormInCoding(BadForm):
    """A password form sent in a content coding, which no route decodes (decision 0702)."""

    status = 415


def asgi_request_headers(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The headers `answer` reads, from an ASGI request's header lines: each name's lines
    joined as API Gateway joins them for the redirect Lambda (answer_parts.header_lines)."""
    return header_lines(raw_headers, _REQUEST_HEADER_LINES)


def visit_from(
    headers: Mapping[str, str],
    peer: str | None = None,
    query: str = "",
    *,
    edge: bool = False,
    viewer: str | None = None,
) -> Visit:
    """The visitor details a redirect reads, from lower-case request headers.

    `edge`: the request provably came through our CloudFront distribution, so its
    `CloudFront-Viewer-Address` and `-Country` are CloudFront's (docs/decisions/0704). Any
    other request's are the client's own words: its address is the connection's (`peer`),
    and it has no country. `viewer`: the address our distribution's function wrote, first
    when given. The wrong-password limit and the visitor hash key on the address.
    """
    if edge:
        address = viewer or cloudfront_viewer_ip(headers.get(VIEWER_ADDRESS_HEADER)) or peer
        country = headers.get(COUNTRY_HEADER)
    else:
        address, country = peer, None
    return Visit.from_headers(
        headers.get("referer"),
        headers.get("user-agent"),
        country,
        address,
        accept_language=headers.get("accept-language"),
        query=query,
    )


def counts_nothing(method: str, headers: Mapping[str, str]) -> bool:
    """A request answered as a visit would be, never counted: a HEAD, or a GET a browser
    sends ahead of a navigation (domain/visits.is_prefetch). No write, so the local server
    need not queue it behind other clicks' commit."""
    return method == "HEAD" or (
        method == "GET"
        and is_prefetch(headers.get(SEC_PURPOSE_HEADER), headers.get(PURPOSE_HEADER))
    )


def wants_html(headers: Mapping[str, str]) -> bool:
    """A browser navigating: its Accept names text/html (API clients send JSON or */*)."""
    return "text/html" in headers.get("accept", "")


def password_from(headers: Mapping[str, str], body: bytes) -> str:
    """The one field of a password form; BadForm for any other body."""
    refusal = coding_refusal(headers.get("content-encoding")) if body else None
    if refusal:
        raise FormInCoding(refusal)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise BadForm(f"send the password as {FORM_TYPE}")
    if len(body) > FORM_BODY_MAX:
        raise FormTooLarge(f"a password form is at most {FORM_BODY_MAX} bytes")
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadForm("the form is not valid UTF-8 form data") from exc
    if [name for name, _ in fields] != ["password"]:
        raise BadForm("the form takes one field: password")
    return fields[0][1]


def _with_common(headers: list[tuple[str, str]], correlation_id: str) -> list[tuple[str, str]]:
    return [*headers, *SECURITY_HEADERS, ("x-correlation-id", correlation_id)]


def error_reply(
    status: int,
    message: str,
    method: str,
    correlation_id: str,
    extra: Mapping[str, object] | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    cache: str = CACHE_ERROR,
) -> Reply:
    """A JSON error with the headers every redirect answer carries."""
    body = json.dumps({"message": message, **(extra or {})}).encode()
    all_headers = [
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
        ("cache-control", cache),
        *headers,
    ]
    # A HEAD answer carries the headers a GET would get, without the body.
    return Reply(
        status, _with_common(all_headers, correlation_id), b"" if method == "HEAD" else body
    )


def page_reply(
    page: Page,
    method: str,
    correlation_id: str,
    headers: tuple[tuple[str, str], ...] = (),
    cache: str | None = None,
) -> Reply:
    """An HTML page with the headers every redirect answer carries (`cache` replaces its own)."""
    own = [h for h in page.headers if cache is None or h[0] != "cache-control"]
    cached = [("cache-control", cache)] if cache is not None else []
    all_headers = [*own, *cached, ("content-length", str(len(page.body))), *headers]
    return Reply(
        page.status,
        _with_common(all_headers, correlation_id),
        b"" if method == "HEAD" else page.body,
    )


def _redirect_reply(location: str, status: int, cache: str, correlation_id: str) -> Reply:
    # The hot path's reply: one list, built in one go.
    return Reply(
        status,
        [
            ("location", location),
            ("cache-control", cache),
            ("content-length", "0"),
            *SECURITY_HEADERS,
            ("x-correlation-id", correlation_id),
        ],
    )


def _unavailable(
    exc: LinkNotFound | LinkGone, html: bool, method: str, correlation_id: str
) -> Reply:
    """404/410 as a page or JSON, or the owner's fallback (302, never cached, never counted)."""
    fallback = getattr(exc, "fallback_url", None)
    if fallback:
        return _redirect_reply(fallback, 302, CACHE_ERROR, correlation_id)
    cache = CACHE_ERROR
    if isinstance(exc, LinkGone):
        status, page = 410, gone_page(exc.reason)
    elif isinstance(exc, LinkNotYetValid):
        status, page = 404, not_found_page(not_yet_valid=True)
    else:
        status, page, cache = 404, not_found_page(), CACHE_NOT_FOUND
    if html:
        return page_reply(page, method, correlation_id, cache=cache)
    return error_reply(status, exc.message, method, correlation_id, cache=cache)


def _locked(
    exc: PasswordRequired, short_id: str, html: bool, method: str, correlation_id: str
) -> Reply:
    """The password form (200, or 401 after a wrong one) or a 401 naming the form."""
    action = unlock_path(short_id)
    challenge = (("www-authenticate", f'LinkPassword realm="short link", form="{action}"'),)
    if html:
        page = password_page(action, wrong=exc.wrong)
        return page_reply(page, method, correlation_id, challenge if exc.wrong else ())
    form = {"method": "POST", "action": action, "content_type": FORM_TYPE, "field": "password"}
    return error_reply(401, exc.message, method, correlation_id, {"form": form}, challenge)


def answer(
    redirects: RedirectService,
    method: str,
    short_id: str,
    headers: Mapping[str, str],
    correlation_id: str,
    peer: str | None = None,
    query: str = "",
    body: bytes = b"",
    base_url: str | None = None,
    edge: bool = False,
    viewer: str | None = None,
) -> Reply:
    """The reply to one request for a short link (see the module docstring).

    `edge`, `viewer`: whose address and country to believe (`visit_from`). Never raises:
    every outcome is a reply, and any failure a logged JSON 500.
    """
    try:
        visit = visit_from(headers, peer, query, edge=edge, viewer=viewer)
        outcome: Answer
        if method == "POST":
            outcome = redirects.unlock(short_id, visit, password_from(headers, body))
        elif counts_nothing(method, headers):
            outcome = redirects.peek(short_id, visit)
        else:
            outcome = redirects.follow(short_id, visit)
    except (LinkNotFound, LinkGone) as exc:
        return _unavailable(exc, wants_html(headers), method, correlation_id)
    except PasswordRequired as exc:
        return _locked(exc, short_id, wants_html(headers), method, correlation_id)
    except TooManyAttempts as exc:
        retry = (("retry-after", str(exc.retry_after_s)),)
        if wants_html(headers):
            page = too_many_attempts_page(exc.retry_after_s, link_path(short_id))
            return page_reply(page, method, correlation_id, retry)
        return error_reply(429, exc.message, method, correlation_id, headers=retry)
    except NoPassword as exc:
        allow = (("allow", "GET, HEAD"),)
        return error_reply(405, exc.message, method, correlation_id, headers=allow)
    except FormInCoding as exc:
        if wants_html(headers):
            page = unsupported_coding_page(str(exc), link_path(short_id))
            return page_reply(page, method, correlation_id, IDENTITY_ONLY)
        return error_reply(exc.status, str(exc), method, correlation_id, headers=IDENTITY_ONLY)
    except BadForm as exc:
        return error_reply(exc.status, str(exc), method, correlation_id)
    except Exception:
        # Storage unreachable, say: a JSON 500 the caller can quote, and the details logged.
        _log.exception("redirect failed", extra={"correlation_id": correlation_id})
        return error_reply(500, INTERNAL_ERROR, method, correlation_id)
    if isinstance(outcome, PreviewCard):
        base = base_url or f"https://{headers.get('host', 'localhost')}"
        page = preview_page(outcome.preview, f"{base.rstrip('/')}/{short_id}")
        return page_reply(page, method, correlation_id)
    return _redirect_reply(outcome.location, outcome.status, outcome.cache_control, correlation_id)
