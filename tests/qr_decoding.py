"""Reading QR pictures back in tests: our PNG and SVG to grey pixels, then zxing-cpp.

zxing-cpp (a test dependency, a binary wheel with no system library) decodes from a
buffer of grey pixels; the PNG reader below reads the palette PNGs the API writes (and
refuses anything else), the SVG reader fills the path's unit squares.
"""

from __future__ import annotations

import re
import struct
import zlib

import zxingcpp


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and grey pixels (0-255) of a one-bit palette PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, compressed, palette = 8, b"", []
    width = height = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", body[:10])
            assert (depth, color_type) == (1, 3), "expected a one-bit palette PNG"
        elif kind == b"PLTE":
            palette = [body[i : i + 3] for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            compressed += body
    raw = zlib.decompress(compressed)
    stride = (width + 7) // 8 + 1
    assert len(raw) == stride * height
    grey = [(red * 299 + green * 587 + blue * 114) // 1000 for red, green, blue in palette]
    pixels = bytearray()
    for y in range(height):
        assert raw[y * stride] == 0, "filter type 0 expected"
        line = raw[y * stride + 1 : (y + 1) * stride]
        pixels.extend(grey[(line[x // 8] >> (7 - x % 8)) & 1] for x in range(width))
    return width, height, bytes(pixels)


_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\3z")


def svg_pixels(data: bytes, scale: int = 8) -> tuple[int, int, bytes]:
    """The SVG's modules drawn `scale` pixels each, dark on white, with its viewBox."""
    text = data.decode()
    extent = int(re.search(r'viewBox="0 0 (\d+) \1"', text)[1])  # type: ignore[index]
    path = re.search(r'<path fill="#[0-9a-f]{6}" d="([^"]*)"', text)[1]  # type: ignore[index]
    assert _RUN.sub("", path) == "", "the path holds only row runs"
    side = extent * scale
    pixels = bytearray([255]) * (side * side)
    for x, y, run in ((int(a), int(b), int(c)) for a, b, c in _RUN.findall(path)):
        for row in range(y * scale, (y + 1) * scale):
            pixels[row * side + x * scale : row * side + (x + run) * scale] = bytes(run * scale)
    return side, side, bytes(pixels)


def decoded(width: int, height: int, pixels: bytes) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in the grey picture."""
    image = memoryview(pixels).cast("B", (height, width))
    return [
        code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def decode_png(data: bytes) -> list[str]:
    return decoded(*png_pixels(data))


def decode_svg(data: bytes) -> list[str]:
    return decoded(*svg_pixels(data))
