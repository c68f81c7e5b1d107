"""QR codes as PNG and SVG: segno encodes, the two small writers below draw.

segno (pure Python, a 77 KB wheel) is imported by the first code drawn, never at module
import: it loads xml.sax and urllib.request on the way (about 80 ms on a loaded 2-core
machine), which no redirect and no other API request should pay (decision 0115). The
writers are ours because the picture must be exactly `size` pixels with whole-pixel
modules (domain/qr_codes.layout), which segno's integer `scale` cannot give.
"""

from __future__ import annotations

import struct
import zlib

from shortstack.domain.qr_codes import Layout, QrOptions, layout

Matrix = tuple[tuple[bool, ...], ...]


def qr_matrix(text: str, ecc: str) -> Matrix:
    """The code's modules, row by row (True: dark), at exactly the level `ecc` asks.

    segno would otherwise raise the level when the code's version has room left; the web
    page's generator does not, and the same link should give the same code.
    """
    import segno

    code = segno.make_qr(text, error=ecc.lower(), boost_error=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def render_qr(text: str, options: QrOptions) -> bytes:
    """The picture of `text`'s code in `options.format` (InvalidInput: too small a size)."""
    matrix = qr_matrix(text, options.ecc)
    placed = layout(len(matrix), options)
    if options.format == "svg":
        return svg(matrix, placed, options, text)
    return png(matrix, placed, options)


def png(matrix: Matrix, placed: Layout, options: QrOptions) -> bytes:
    """A one-bit palette PNG: index 0 the background, 1 the modules' colour."""
    blank = _packed([False] * placed.size)
    lines = []
    for row in matrix:
        pixels = [False] * placed.offset
        for dark in row:
            pixels.extend([dark] * placed.scale)
        pixels.extend([False] * (placed.size - len(pixels)))
        lines.extend([_packed(pixels)] * placed.scale)
    top = [blank] * placed.offset
    bottom = [blank] * (placed.size - placed.offset - len(lines))
    raw = b"".join(b"\x00" + line for line in top + lines + bottom)  # filter 0 on every line
    palette = bytes.fromhex(options.background[1:] + options.color[1:])
    header = struct.pack(">IIBBBBB", placed.size, placed.size, 1, 3, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", palette),
            _chunk(b"IDAT", zlib.compress(raw, 6)),
            _chunk(b"IEND", b""),
        )
    )


def _packed(pixels: list[bool]) -> bytes:
    """A line of one-bit pixels, most significant bit first, padded to whole bytes."""
    bits = "".join("1" if dark else "0" for dark in pixels)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _escaped(text: str) -> str:
    """Text safe inside an XML element (the html module would load its entity table)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(matrix: Matrix, placed: Layout, options: QrOptions, text: str) -> bytes:
    """One path of the dark modules, a run of each row at a time, in module units; the
    picture is `size` pixels square and scales without blurring (it is vector)."""
    margin = options.margin
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start + margin} {y + margin}h{x - start}v1h-{x - start}z")
    extent, size = placed.extent, placed.size
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {extent} {extent}" shape-rendering="crispEdges" role="img">'
        f"<title>QR code for {_escaped(text)}</title>"
        f'<rect width="{extent}" height="{extent}" fill="{options.background}"/>'
        f'<path fill="{options.color}" d="{"".join(runs)}"/></svg>\n'
    ).encode()
