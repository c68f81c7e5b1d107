"""A link's QR code for anyone who has its short URL (GET /api/v1/qr/{short_id}).

The code encodes the short URL, which is public: whoever can scan the picture could type
the URL. So the picture is public too, and cacheable, but only for a link that would
redirect now: an unknown, not yet valid, disabled, expired or used-up link gets the
redirect's own 404 or 410, never a code (docs/decisions/0115).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import LinkNotFound
from shortstack.domain.links import ensure_redirectable
from shortstack.domain.preconditions import not_modified
from shortstack.domain.short_ids import is_possible_short_id

if TYPE_CHECKING:
    from shortstack.domain.qr_codes import QrOptions
    from shortstack.service_layer.ports import LinkRepository

# Bumped whenever the same text and options would draw a different picture (a new writer,
# a new encoder version): the old ETags then stop matching.
DRAWING = "segno1.6/1"


@dataclass(frozen=True, slots=True)
class QrPicture:
    """An answer: 200 with the picture, or 304 with no body; `tag` is its strong ETag."""

    status: int
    body: bytes
    tag: str


@dataclass
class QrCodesService:
    links: LinkRepository
    # Draws `text`'s code as `options` say (adapters/qr_images.render_qr).
    render: Callable[[str, QrOptions], bytes]
    clock: Clock = utc_now

    def picture(
        self, short_id: str, short_url: str, options: QrOptions, if_none_match: str | None = None
    ) -> QrPicture:
        """The code of `short_url`, the link's public address, or a 304 when If-None-Match
        names it. Raises LinkNotFound (LinkNotYetValid) or LinkGone as the redirect would;
        InvalidInput when `options.size` cannot hold the code."""
        if not is_possible_short_id(short_id):
            raise LinkNotFound(short_id)
        link = self.links.get(short_id, consistent=False)
        if link is None:
            raise LinkNotFound(short_id)
        ensure_redirectable(link, self.clock())
        digest = hashlib.sha256(f"{DRAWING}\n{options.key()}\n{short_url}".encode()).hexdigest()
        tag = f'"qr.{digest[:32]}"'
        if not_modified(if_none_match, tag):
            return QrPicture(304, b"", tag)
        return QrPicture(200, self.render(short_url, options), tag)
