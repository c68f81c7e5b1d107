"""`shortstack qr`: a link's QR code as a PNG or SVG file, from a terminal.

The same use case and options as `GET /api/v1/qr/{short_id}` (decision 0115), on the data
the settings name: the code says the link's short URL as `shortstack links show` prints it
(PUBLIC_BASE_URL, else the local server's address), and a link that would not redirect
gets none. The picture goes to `-o FILE`, to stdout when that is not a terminal, else to
`qr-<short_id>.<format>` in the current folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shortstack.domain import qr_codes
from shortstack.entrypoints.cli_data import run_action
from shortstack.entrypoints.cli_options import utf8, whole_number


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("short_id", type=utf8)
    parser.add_argument("--format", choices=qr_codes.FORMATS, default="png", help="default: png")
    parser.add_argument(
        "--size",
        type=whole_number(qr_codes.SIZE_MIN, qr_codes.SIZE_MAX),
        default=qr_codes.SIZE_DEFAULT,
        help=f"pixels, {qr_codes.SIZE_MIN}-{qr_codes.SIZE_MAX} (default {qr_codes.SIZE_DEFAULT})",
    )
    parser.add_argument(
        "--margin",
        type=whole_number(0, qr_codes.MARGIN_MAX),
        default=qr_codes.MARGIN_DEFAULT,
        help=f"the quiet zone in modules (default {qr_codes.MARGIN_DEFAULT})",
    )
    parser.add_argument(
        "--ecc", choices=qr_codes.ECC_LEVELS, default=qr_codes.ECC_DEFAULT, help="default: M"
    )
    parser.add_argument("--color", default=qr_codes.COLOR_DEFAULT, help="hex (default #000000)")
    parser.add_argument(
        "--background", default=qr_codes.BACKGROUND_DEFAULT, help="hex (default #ffffff)"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help='where to write it ("-": stdout)')
    parser.set_defaults(action="qr", json=False)


def run(args: argparse.Namespace) -> int:
    return run_action(args, {"qr": _write})


def _write(container: Any, args: argparse.Namespace) -> int:
    options = qr_codes.qr_options(
        format=args.format,
        size=args.size,
        margin=args.margin,
        ecc=args.ecc,
        color=args.color,
        background=args.background,
    )
    short_url = f"{container.settings.base_url}/{args.short_id}"
    picture = container.qr_codes.picture(args.short_id, short_url, options).body
    output = args.output
    if output is None:
        output = "-" if not sys.stdout.isatty() else f"qr-{args.short_id}.{options.format}"
    if output == "-":
        sys.stdout.buffer.write(picture)
        return 0
    Path(output).write_bytes(picture)
    print(f"shortstack: the QR code of {short_url} is in {output}", file=sys.stderr)
    return 0
