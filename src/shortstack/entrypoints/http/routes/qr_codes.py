"""A short link's QR code as a picture: `GET/HEAD /api/v1/qr/{short_id}`, public.

Public like the short link it encodes, so a newsletter or a print template can embed it
as `<img src>`; only a link that would redirect now gets a code (service_layer/qr_codes.py,
decision 0115). PNG by default (mail clients render it, many do not render SVG); SVG with
`format=svg`, or when Accept prefers `image/svg+xml` to `image/png`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from shortstack.domain import qr_codes
from shortstack.entrypoints.http.deps import QrCodesDep, ShortBaseDep
from shortstack.entrypoints.http.preconditions import CONDITIONAL_READ, ETAG_HEADER, IfNoneMatch
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses

router = APIRouter(prefix="/api/v1/qr", tags=["qr codes"])

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# An hour: a link disabled meanwhile keeps its code in caches that long at most (its
# redirect answers 410 at once); a revalidation with the ETag costs a read, no drawing.
CACHE_CONTROL = "public, max-age=3600"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_HEADERS = {
    **ETAG_HEADER,
    "Cache-Control": {"description": CACHE_CONTROL, "schema": {"type": "string"}},
}
RESPONSES: Responses = {
    200: {
        "description": "the code of the link's short URL (exactly what the web page's QR "
        "encodes), `size` pixels square",
        "content": {media: _BINARY for media in MEDIA_TYPES.values()},
        "headers": _HEADERS,
    },
    **CONDITIONAL_READ,
    404: {"model": ErrorBody, "description": "no such link, or not valid yet"},
    410: {"model": ErrorBody, "description": "link disabled, expired or used up: no code"},
    422: {
        "model": ErrorBody,
        "description": "an option out of bounds, colours too alike or light on dark, or a "
        "size too small for this link's code (the message says the least that fits)",
    },
}

Format = Annotated[
    qr_codes.Format | None,
    Query(description="png or svg; by default what Accept prefers, else png"),
]
Size = Annotated[
    int,
    Query(
        ge=qr_codes.SIZE_MIN,
        le=qr_codes.SIZE_MAX,
        description="the picture's width and height in pixels; modules get whole pixels, "
        "what is left widens the margin",
    ),
]
Margin = Annotated[
    int, Query(ge=0, le=qr_codes.MARGIN_MAX, description="the quiet zone, in modules")
]
Ecc = Annotated[
    qr_codes.EccLevel,
    Query(description="error correction: L 7%, M 15% (the web page's), Q 25%, H 30%"),
]
Color = Annotated[
    str,
    Query(
        pattern=qr_codes.COLOR_PATTERN,
        description="hex, `#` optional (`%23` in a URL); at least "
        f"{qr_codes.CONTRAST_MIN:g}:1 contrast, modules darker than the background",
    ),
]


def chosen_format(asked: str | None, accept: str | None) -> str:
    """`format` if given; svg if Accept ranks image/svg+xml above image/png; else png."""
    if asked is not None:
        return asked
    ranks = _ranks(accept or "")

    def rank(media: str) -> float:
        # The most specific range that covers the type decides (RFC 9110 12.5.1).
        return ranks.get(media, ranks.get("image/*", ranks.get("*/*", 0.0)))

    return "svg" if rank("image/svg+xml") > rank("image/png") else "png"


def _ranks(accept: str) -> dict[str, float]:
    ranks: dict[str, float] = {}
    for item in accept.split(","):
        media, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranks[media.lower()] = quality
    return ranks


async def drawing_options(
    request: Request,
    format: Format = None,
    size: Size = qr_codes.SIZE_DEFAULT,
    margin: Margin = qr_codes.MARGIN_DEFAULT,
    ecc: Ecc = qr_codes.ECC_DEFAULT,
    color: Color = qr_codes.COLOR_DEFAULT,
    background: Color = qr_codes.BACKGROUND_DEFAULT,
) -> qr_codes.QrOptions:
    """The picture's options from the query (and Accept), checked by the domain."""
    asked = chosen_format(format, request.headers.get("accept"))
    return qr_codes.qr_options(
        format=asked, size=size, margin=margin, ecc=ecc, color=color, background=background
    )


Options = Annotated[qr_codes.QrOptions, Depends(drawing_options)]
_ROUTE: dict[str, Any] = {
    "path": "/{short_id}",
    "response_class": Response,
    "responses": RESPONSES,
}


@router.get(operation_id="qr_code", **_ROUTE)
@router.head(operation_id="qr_code_head", **_ROUTE)
async def qr_code(
    short_id: str,
    options: Options,
    qr: QrCodesDep,
    base: ShortBaseDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The QR code of a link's short URL, as PNG or SVG; public and cacheable (ETag,
    If-None-Match). No click is counted."""
    picture = qr.picture(short_id, f"{base}/{short_id}", options, if_none_match)
    headers = {"ETag": picture.tag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    if picture.status == 304:
        return Response(status_code=304, headers=headers)
    return Response(picture.body, 200, headers, MEDIA_TYPES[options.format])
