"""A short link's QR code as a picture: the options a client may ask for, and their limits.

The code itself (its modules) comes from an encoder (adapters/qr_images.py); this module
says what a request may ask of the picture, refuses what would not scan or would cost too
much, and places the modules on a square of exactly `size` pixels. Every limit is a
constant here so the OpenAPI document, the CLI and the checks say the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from shortstack.domain.errors import InvalidInput

Format = Literal["png", "svg"]
EccLevel = Literal["L", "M", "Q", "H"]
FORMATS: Final = ("png", "svg")
ECC_LEVELS: Final = ("L", "M", "Q", "H")
SIZE_MIN = 64
SIZE_MAX = 2048
SIZE_DEFAULT = 300
# In modules. ISO/IEC 18004 asks for a quiet zone of 4; a code printed on a wide blank
# page scans with less, which is the client's call.
MARGIN_MAX = 16
MARGIN_DEFAULT = 4
# The web page's level (web/assets/qr.js): the same link gets the same code by default.
ECC_DEFAULT: EccLevel = "M"
COLOR_DEFAULT = "#000000"
BACKGROUND_DEFAULT = "#ffffff"
COLOR_PATTERN = r"^#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$"
# WCAG's contrast ratio of the two colours (1 to 21). Phone scanners binarise the picture
# by luminance: black on white is 21, the WCAG minimum for large graphics is 3.
CONTRAST_MIN = 3.0

_COLOR = re.compile(COLOR_PATTERN)


@dataclass(frozen=True, slots=True)
class QrOptions:
    """What a QR picture looks like; colours as lower-case `#rrggbb`."""

    format: str = "png"
    size: int = SIZE_DEFAULT
    margin: int = MARGIN_DEFAULT
    ecc: str = ECC_DEFAULT
    color: str = COLOR_DEFAULT
    background: str = BACKGROUND_DEFAULT

    def key(self) -> str:
        """Every option in one line: what an answer's ETag digests besides the text."""
        return f"{self.format}/{self.size}/{self.margin}/{self.ecc}/{self.color}/{self.background}"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the modules fall on the picture: each is `scale` pixels wide, the first
    starts `offset` pixels from the top and left edges; `extent` counts the modules and
    the margin on one side of the square."""

    size: int
    scale: int
    offset: int
    extent: int


def qr_options(
    *,
    format: str = "png",
    size: int = SIZE_DEFAULT,
    margin: int = MARGIN_DEFAULT,
    ecc: str = ECC_DEFAULT,
    color: str = COLOR_DEFAULT,
    background: str = BACKGROUND_DEFAULT,
) -> QrOptions:
    """The options, checked; InvalidInput (a 422) names the first one out of bounds."""
    if format not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", field="format")
    if not SIZE_MIN <= size <= SIZE_MAX:
        raise InvalidInput(f"size must be {SIZE_MIN} to {SIZE_MAX} pixels", field="size")
    if not 0 <= margin <= MARGIN_MAX:
        raise InvalidInput(f"margin must be 0 to {MARGIN_MAX} modules", field="margin")
    level = ecc.upper()
    if level not in ECC_LEVELS:
        raise InvalidInput(f"ecc must be one of {', '.join(ECC_LEVELS)}", field="ecc")
    dark, light = hex_color(color, "color"), hex_color(background, "background")
    ratio = contrast_ratio(dark, light)
    if luminance(dark) > luminance(light):
        raise InvalidInput(
            "color must be darker than background: many scanners read only dark modules "
            "on a light ground",
            field="color",
        )
    if ratio < CONTRAST_MIN:
        raise InvalidInput(
            f"color and background contrast {ratio:.2f}:1, below {CONTRAST_MIN:g}:1: "
            "scanners could not tell the modules from the ground",
            field="color",
        )
    return QrOptions(format, size, margin, level, dark, light)


def hex_color(value: str, field: str) -> str:
    """`#rgb`, `rgb`, `#rrggbb` or `rrggbb` as `#rrggbb`; InvalidInput otherwise."""
    found = _COLOR.fullmatch(value)
    if found is None:
        raise InvalidInput(f"{field} must be a hex colour such as 1a2b3c or #fff", field=field)
    digits = found.group(1).lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def luminance(color: str) -> float:
    """WCAG 2's relative luminance of `#rrggbb` (0 black to 1 white)."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two `#rrggbb` colours, 1 to 21."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def layout(modules: int, options: QrOptions) -> Layout:
    """The code's `modules` (per side) on a square of `options.size` pixels.

    Every module gets the same whole number of pixels, so no row or column is thicker
    than another; what the division leaves goes to the margin, split evenly. A size
    that cannot give each module a pixel is refused (InvalidInput) rather than drawn
    unreadable.
    """
    extent = modules + 2 * options.margin
    scale = options.size // extent
    if scale < 1:
        raise InvalidInput(
            f"size {options.size} px is too small for this code: its {modules} modules and "
            f"a margin of {options.margin} need at least {extent} px",
            field="size",
        )
    spare = options.size - scale * extent
    return Layout(options.size, scale, spare // 2 + options.margin * scale, extent)
