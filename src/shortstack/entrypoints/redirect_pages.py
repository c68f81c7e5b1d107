"""The small HTML pages a short link shows people instead of JSON, and to preview fetchers.

A browser (its Accept names text/html) that follows an unknown, not-yet-valid,
expired, disabled or used-up link gets a page saying which case it is; a
password link gets a form (and a page saying why when the form arrives in a content
coding); a link-preview fetcher gets the link's Open Graph
and Twitter card tags. API clients keep getting JSON (entrypoints/redirects.py
chooses). Every page is `no-store` and has its own strict CSP: no script, no
images, no frames, the one inline style allowed by its hash. Every value shown
is escaped. Standard library only: the redirect Lambda renders these pages.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from shortstack.domain.link_options import Preview
from shortstack.domain.passwords import PASSWORD_MAX
from shortstack.entrypoints.http.answer_parts import CACHE_NO_STORE

# A browser counts an input's length in UTF-16 code units, the domain in characters: an emoji
# is two units, so a field of PASSWORD_MAX units could not hold a valid password of emoji.
PASSWORD_FIELD_MAX = 2 * PASSWORD_MAX
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:12vh auto;padding:0 1rem;"
    "color:#1d2530;background:#fff}h1{font-size:1.4rem;margin:0 0 .5rem}p{margin:.5rem 0}"
    "form{display:flex;gap:.5rem;margin-top:1rem}input{flex:1;font:inherit;padding:.45rem .6rem;"
    "border:1px solid #8894a5;border-radius:.35rem}button{font:inherit;padding:.45rem .9rem;"
    "border:0;border-radius:.35rem;background:#1f5fbf;color:#fff}.error{color:#a11d1d}"
    "@media (prefers-color-scheme:dark){body{color:#e6e9ee;background:#12161c}"
    "input{background:#1b2129;color:inherit}.error{color:#ff9d9d}}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

# Why a link is not redirecting, as people read it (keys: the domain's reasons).
GONE_HEADINGS = {
    "link is disabled": "This link has been turned off",
    "link has expired": "This link has expired",
    "link has reached its visit limit": "This link has been used up",
}


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def csp(form_targets: Iterable[str] = ()) -> str:
    """A policy that allows this page's inline style and nothing else it does not need.

    A form's target must be listed, and so must every place its answer redirects to
    (browsers check form-action on redirects too): a password form's answer is the
    redirect to the link's URL, which may be any http(s) address.
    """
    form_action = " ".join(form_targets) or "'none'"
    return (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
        f"form-action {form_action}; base-uri 'none'; frame-ancestors 'none'"
    )


def _page(status: int, title: str, content: str, policy: str, head: str = "") -> Page:
    html = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title>{head}<style>{_STYLE}</style></head>"
        f"<body><main>{content}</main></body></html>\n"
    )
    body = html.encode()
    headers = (
        ("content-type", "text/html; charset=utf-8"),
        ("cache-control", CACHE_NO_STORE),
        ("content-security-policy", policy),
        ("x-frame-options", "DENY"),
    )
    return Page(status, body, headers)


def not_found_page(not_yet_valid: bool = False) -> Page:
    """404: no link under this id, or one whose start (`valid_since`) has not come."""
    if not_yet_valid:
        heading, text = "This link is not active yet", "It will work from a later date."
    else:
        heading, text = "No link here", "Check the address: there is no short link under it."
    return _page(404, heading, f"<h1>{heading}</h1><p>{text}</p>", csp())


def gone_page(reason: str) -> Page:
    """410: the link exists but is disabled, expired or used up (the reason says which)."""
    heading = GONE_HEADINGS.get(reason, "This link is no longer available")
    return _page(410, heading, f"<h1>{heading}</h1><p>{escape(reason.capitalize())}.</p>", csp())


def password_page(action: str, wrong: bool = False) -> Page:
    """The form a password link shows: 200, or 401 with a message after a wrong password.

    It posts the one field `password` to `action`: there is no session, so there is no
    token to send along.
    """
    error = '<p class="error" role="alert">That password is not right.</p>' if wrong else ""
    content = (
        "<h1>This link is protected</h1><p>Enter the password to continue.</p>"
        f"{error}"
        f'<form method="post" action="{escape(action)}">'
        '<label for="password" hidden>Password</label>'
        '<input id="password" name="password" type="password" required minlength="4" '
        f'maxlength="{PASSWORD_FIELD_MAX}" autocomplete="off" autofocus aria-label="Password">'
        '<button type="submit">Open</button></form>'
    )
    return _page(
        401 if wrong else 200, "Password needed", content, csp(("'self'", "https:", "http:"))
    )


def too_many_attempts_page(retry_after_s: int, form_path: str) -> Page:
    """429 after too many wrong passwords from one client, with a way back to the form."""
    minutes = max(1, -(-retry_after_s // 60))
    text = f"Too many wrong passwords. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
    content = f"<h1>Too many attempts</h1><p>{text}</p>{_back_to_form(form_path)}"
    return _page(429, "Too many attempts", content, csp())


def unsupported_coding_page(message: str, form_path: str) -> Page:
    """415: a password form sent in a content coding (a proxy or an extension compressed it),
    with a way back to the form."""
    heading = "The form could not be read"
    content = f"<h1>{heading}</h1><p>{escape(message)}.</p>{_back_to_form(form_path)}"
    return _page(415, heading, content, csp())


def _back_to_form(form_path: str) -> str:
    # The short link's own path shows its password form (a plain link: a link needs no CSP
    # source, and the path is relative, so it stays on the origin the form came from).
    return f'<p><a href="{escape(form_path)}">Back to the password form</a></p>'


def preview_page(preview: Preview, short_url: str) -> Page:
    """200 for a link-preview fetcher: the link's Open Graph and Twitter card tags."""
    tags = [("og:type", "website"), ("og:url", short_url)]
    card = "summary_large_image" if preview.image_url else "summary"
    tags.append(("twitter:card", card))
    if preview.title:
        tags += [("og:title", preview.title), ("twitter:title", preview.title)]
    if preview.description:
        tags += [("og:description", preview.description)]
        tags += [("twitter:description", preview.description)]
    if preview.image_url:
        tags += [("og:image", preview.image_url), ("twitter:image", preview.image_url)]
    head = "".join(
        f'<meta {"name" if name.startswith("twitter:") else "property"}="{name}" '
        f'content="{escape(value)}">'
        for name, value in tags
    )
    title = preview.title or short_url
    description = f"<p>{escape(preview.description)}</p>" if preview.description else ""
    link = f'<p><a href="{escape(short_url)}">{escape(short_url)}</a></p>'
    content = f"<h1>{escape(title)}</h1>{description}{link}"
    return _page(200, title, content, csp(), head)
