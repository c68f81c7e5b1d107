"""What the API and the redirect answers share about the edge and a link's paths.

The headers our CloudFront distribution adds, whose CloudFront-Viewer-* headers to
believe (`EdgeTrust`), and where a link's page and its password form live. Apart from
redirects.py, which imports the whole redirect service: the API Lambda's light front
reads these on every request and answers no redirect (its cold start,
docs/decisions/0405).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

# The origin custom header our distribution adds to every request it sends the API: only
# CloudFront knows its value, and it overwrites one a viewer sends (docs/decisions/0704).
ORIGIN_SECRET_HEADER = "x-shortstack-origin-secret"  # noqa: S105 (a header name)
# The viewer's IP as the distribution's viewer-request function writes it on the API's paths,
# from CloudFront's own record of the connection and replacing any a viewer sent (0704).
EDGE_VIEWER_HEADER = "x-shortstack-viewer-ip"


@dataclass(frozen=True, slots=True)
class EdgeTrust:
    """When a request's CloudFront-Viewer-* headers are CloudFront's, not the client's.

    `always`: every request reached us through a CloudFront that sets them (the redirect
    function, which only the distribution can invoke; a local server behind one's own
    CloudFront, TRUST_CLOUDFRONT_VIEWER_HEADERS). `secret`: a request that carries it in
    ORIGIN_SECRET_HEADER came through our distribution (the API, whose execute-api endpoint
    anyone can call directly). Neither: the headers are the client's own words.
    """

    always: bool = False
    secret: str = field(default="", repr=False)

    def judge(self, headers: Mapping[str, str]) -> tuple[bool, str | None]:
        """Whether to believe the CloudFront-Viewer-* headers, and the viewer's address our
        distribution's function wrote (only on a request that carries the secret)."""
        ours = self.carries_secret(headers.get(ORIGIN_SECRET_HEADER))
        return self.always or ours, headers.get(EDGE_VIEWER_HEADER) if ours else None

    def carries_secret(self, offered: str | None) -> bool:
        """`offered` (ORIGIN_SECRET_HEADER's value) is the secret: the request is our edge's."""
        if not self.secret or offered is None:
            return False
        # In constant time: how much of a guess matched must not show in the answer's time.
        return hmac.compare_digest(offered.encode(), self.secret.encode())


def link_path(short_id: str) -> str:
    """A short link's own path, relative to the origin that serves it (its form's page)."""
    return f"/{short_id}"


def unlock_path(short_id: str) -> str:
    """Where a password form posts (an API route on every runtime)."""
    return f"/api/v1/unlock/{short_id}"
