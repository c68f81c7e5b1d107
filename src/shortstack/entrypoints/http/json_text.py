"""The API's bodies are UTF-8 JSON (RFC 8259 8.1): what tells a body in another encoding.

Python's `json.loads` reads bytes in UTF-16 or UTF-32 too, guessing the encoding from a
byte order mark or from null bytes among the first four, so such a body was taken
where the contract says UTF-8. UTF-8 JSON never starts with FF FE or FE FF and holds no
raw NUL (outside strings only whitespace and punctuation; inside, control characters
are escaped), so the first four bytes tell. The middleware (app) and the API Lambda's
light front (which hands such a body to the app) read it here; no FastAPI import.
"""

from __future__ import annotations

NOT_UTF8 = "the body is not valid JSON: it is UTF-16 or UTF-32 text; send it as UTF-8"
# How much of a body `is_wide` needs.
HEAD_BYTES = 4


def is_json(content_type: str) -> bool:
    """A media type FastAPI reads as JSON (application/json, application/*+json)."""
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def is_wide(head: bytes) -> bool:
    """Whether a body whose first bytes are `head` (HEAD_BYTES, or the whole of a shorter
    body) is UTF-16 or UTF-32: a byte order mark, or a null byte."""
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:HEAD_BYTES]
