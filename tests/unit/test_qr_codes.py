"""A QR picture's options and layout (domain/qr_codes.py), drawn by adapters/qr_images.py."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from shortstack.adapters.qr_images import qr_matrix, render_qr
from shortstack.domain.errors import InvalidInput
from shortstack.domain.qr_codes import (
    QrOptions,
    contrast_ratio,
    hex_color,
    layout,
    qr_options,
)
from tests.qr_decoding import decode_png, decode_svg, png_pixels, svg_pixels

URL = "https://sho.rt/abc1234"


def test_the_defaults_are_the_web_pages_level_on_a_300_pixel_png() -> None:
    assert qr_options() == QrOptions("png", 300, 4, "M", "#000000", "#ffffff")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"format": "gif"}, "format"),
        ({"size": 63}, "size"),
        ({"size": 2049}, "size"),
        ({"margin": -1}, "margin"),
        ({"margin": 17}, "margin"),
        ({"ecc": "X"}, "ecc"),
        ({"color": "red"}, "color"),
        ({"background": "#12345"}, "background"),
        ({"color": "#777", "background": "#888"}, "color"),
        ({"color": "#fff", "background": "#000"}, "color"),
    ],
)
def test_each_option_out_of_bounds_is_refused_by_name(given: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        qr_options(**given)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_colours_are_read_in_any_hex_spelling_and_kept_lower_case() -> None:
    assert hex_color("ABC", "color") == "#aabbcc"
    assert hex_color("#1A2b3C", "color") == "#1a2b3c"
    assert qr_options(ecc="h", color="#036", background="FFE").ecc == "H"


def test_contrast_is_wcags_ratio() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # A dark blue on white passes, a light grey on white (2.61:1) does not.
    assert qr_options(color="#1f3a93").color == "#1f3a93"
    with pytest.raises(InvalidInput, match=r"2\.61:1"):
        qr_options(color="#a0a0a0")


def test_modules_get_whole_pixels_and_the_rest_widens_the_margin() -> None:
    placed = layout(25, qr_options(size=300, margin=4))
    assert (placed.scale, placed.extent) == (9, 33)
    # 300 - 9 * 33 = 3 pixels left: 1 before, 2 after, beside 4 modules of margin.
    assert placed.offset == 1 + 4 * 9


def test_a_size_too_small_for_the_code_says_the_least_that_fits() -> None:
    with pytest.raises(InvalidInput, match="at least 73 px") as refused:
        layout(41, qr_options(size=64, margin=16))
    assert refused.value.field == "size"


@pytest.mark.parametrize("ecc", ["L", "M", "Q", "H"])
def test_the_png_is_exactly_the_size_asked_and_decodes_to_the_text(ecc: str) -> None:
    picture = render_qr(URL, qr_options(size=301, ecc=ecc, color="#1f3a93", background="#fffbe6"))
    width, height, _ = png_pixels(picture)
    assert (width, height) == (301, 301)
    assert decode_png(picture) == [URL]


def test_the_svg_decodes_to_the_text_and_says_its_size() -> None:
    picture = render_qr(URL, qr_options(format="svg", size=512, margin=2))
    assert b'width="512" height="512"' in picture
    assert decode_svg(picture) == [URL]


def test_the_level_asked_is_the_level_drawn() -> None:
    """segno would raise L to a higher level with room to spare; the code must keep L."""
    low, high = qr_matrix(URL, "L"), qr_matrix(URL, "H")
    assert len(low) < len(high)


def test_the_svg_and_the_png_draw_the_same_modules() -> None:
    options = qr_options(size=33 * 8, margin=4)
    png = png_pixels(render_qr(URL, options))
    svg = svg_pixels(render_qr(URL, qr_options(format="svg", size=33 * 8, margin=4)), scale=8)
    assert (len(qr_matrix(URL, "M")), png) == (25, svg)


def test_the_largest_picture_is_drawn_in_well_under_a_second() -> None:
    started = time.perf_counter()
    picture = render_qr(URL, qr_options(size=2048, ecc="H"))
    assert time.perf_counter() - started < 1.0
    assert len(picture) < 64 * 1024


def test_loading_the_drawing_module_does_not_load_segno() -> None:
    """segno loads xml.sax and urllib.request: only the first code drawn may pay that."""
    code = (
        "import sys, shortstack.adapters.qr_images, shortstack.bootstrap;"
        "print('segno' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
