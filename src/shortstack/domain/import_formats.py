"""Which tool wrote an import file, told from its header row, and where each field sits.

People bring their links from other shorteners as those tools export them.
Each format below is recognised by the column names only its export has; the
names are compared without case, spaces, underscores or dashes, so `Long URL`,
`long_url` and `longUrl` are one name. A file whose first row names none of
them is our own format: `url[,alias][,ttl_days]`, with or without a header.
docs/decisions/0107 lists each tool's columns and where they were read.

A row becomes the same fields whatever its format: the target, the old short
code (kept as an alias when the alias rules allow), a title, tags and the old
visit count (kept apart from our own clicks as `imported_clicks`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from shortstack.domain.errors import InvalidInput


class ImportFormat(StrEnum):
    SHORTSTACK = "shortstack"
    YOURLS = "yourls"
    BITLY = "bitly"
    SHLINK = "shlink"
    KUTT = "kutt"


# The fields a row can give, whatever its format.
URL, CODE, CUSTOM_SHORT_URL, SHORT_URL, TITLE, TAGS, CLICKS, TTL_DAYS = (
    "url", "code", "custom_short_url", "short_url", "title", "tags", "clicks", "ttl_days",
)  # fmt: skip

NATIVE_COLUMNS = ("url", "alias", "ttl_days", "title", "tags")
_NATIVE_FIELDS = {"url": URL, "alias": CODE, "ttl_days": TTL_DAYS, "title": TITLE, "tags": TAGS}
_POSITIONAL = ("url", "alias", "ttl_days")


@dataclass(frozen=True, slots=True)
class _Signature:
    """A tool's export: the names that must all appear, and every name it maps to a field."""

    format: ImportFormat
    required: tuple[frozenset[str], ...]  # one name of each set must appear
    fields: Mapping[str, str]  # normalized column name -> field


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


# First match wins: Shlink before Bitly (both may say `longUrl`), YOURLS last (its `url` is
# a name ours has too, so it needs `keyword`).
_SIGNATURES = (
    _Signature(
        ImportFormat.SHLINK,
        (_names("longurl"), _names("shortcode", "shorturl")),
        {
            "longurl": URL,
            "shortcode": CODE,
            "shorturl": SHORT_URL,
            "title": TITLE,
            "tags": TAGS,
            "visits": CLICKS,
            "visitscount": CLICKS,
        },
    ),
    _Signature(
        ImportFormat.BITLY,
        (
            _names("longurl", "destinationurl"),
            _names("link", "bitlink", "customlink", "custombitlinks"),
        ),
        {
            "longurl": URL,
            "destinationurl": URL,
            # A custom back-half is what people printed; the generated bitlink is the fallback.
            "customlink": CUSTOM_SHORT_URL,
            "custombitlinks": CUSTOM_SHORT_URL,
            "link": SHORT_URL,
            "bitlink": SHORT_URL,
            "title": TITLE,
            "tags": TAGS,
            "clicks": CLICKS,
            "totalclicks": CLICKS,
            "engagements": CLICKS,
            "totalengagements": CLICKS,
        },
    ),
    _Signature(
        ImportFormat.KUTT,
        (_names("address"), _names("target")),
        {
            "target": URL,
            "address": CODE,
            "link": SHORT_URL,
            "description": TITLE,
            "visitcount": CLICKS,
        },
    ),
    _Signature(
        ImportFormat.YOURLS,
        (_names("keyword"), _names("url", "longurl")),
        {
            "keyword": CODE,
            "url": URL,
            "longurl": URL,
            "title": TITLE,
            "clicks": CLICKS,
        },
    ),
)


@dataclass(frozen=True, slots=True)
class Layout:
    """A file's format, which cell holds which field, and whether line 1 is a header."""

    format: ImportFormat
    positions: Mapping[str, int]
    width: int  # the most cells a row may have
    has_header: bool


def normalize_name(name: str) -> str:
    """A column name without case, spaces, underscores or dashes."""
    return re.sub(r"[^a-z0-9]", "", name.strip().lower())


# Separators a spreadsheet may save a "CSV" with (Excel uses ";" where the decimal mark is ",").
_OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def detect(first_cells: Sequence[str]) -> Layout:
    """The layout the first non-blank row announces; InvalidInput for a bad native header
    or a header whose columns are separated by something else than commas."""
    if len(first_cells) == 1:
        _refuse_other_separators(first_cells[0])
    names = [normalize_name(cell) for cell in first_cells]
    signature = _signature_of(names)
    if signature is not None:
        return _layout(signature.format, names, signature.fields)
    raw = [cell.strip().lower() for cell in first_cells]
    if not raw or raw[0] not in NATIVE_COLUMNS:
        positions = {_NATIVE_FIELDS[name]: index for index, name in enumerate(_POSITIONAL)}
        return Layout(ImportFormat.SHORTSTACK, positions, len(_POSITIONAL), has_header=False)
    unknown = [name for name in raw if name not in NATIVE_COLUMNS]
    if unknown:
        raise InvalidInput(
            f"unknown column {unknown[0]!r} in the header; the columns are "
            f"{', '.join(NATIVE_COLUMNS)} (or the export of YOURLS, Bitly, Shlink or Kutt)",
            "file",
        )
    if len(set(raw)) != len(raw) or "url" not in raw:
        raise InvalidInput(
            "the header must name url once and each other column at most once", "file"
        )
    return _layout(ImportFormat.SHORTSTACK, raw, _NATIVE_FIELDS)


def _signature_of(names: Sequence[str]) -> _Signature | None:
    """The other shortener whose export header these (normalized) column names are."""
    for signature in _SIGNATURES:
        if all(any(name in names for name in wanted) for wanted in signature.required):
            return signature
    return None


def _refuse_other_separators(cell: str) -> None:
    """Refuse a header read as one cell that another separator would split into columns.

    Read as one column, `https://example.com/a;promo` is a valid URL: every row would
    load a link to the wrong address, without its alias.
    """
    for separator, name in _OTHER_SEPARATORS.items():
        parts = cell.split(separator)
        if len(parts) < 2:
            continue
        names = [normalize_name(part) for part in parts]
        if parts[0].strip().lower() in NATIVE_COLUMNS or _signature_of(names) is not None:
            raise InvalidInput(
                f"the header's columns are separated by {name}, not commas: "
                "save the file as comma-separated CSV",
                "file",
            )


def _layout(format: ImportFormat, names: Sequence[str], fields: Mapping[str, str]) -> Layout:
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        field = fields.get(name)
        if field is not None:
            positions.setdefault(field, index)  # the first of two columns for one field wins
    return Layout(format, positions, len(names), has_header=True)


def code_of_short_url(short_url: str) -> str:
    """The short code in a short URL: `https://bit.ly/abc`, `bit.ly/abc` and `abc` give `abc`."""
    rest = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", short_url.strip())
    _, slash, path = rest.partition("/")
    code = path if slash else rest
    return code.split("?")[0].split("#")[0].rstrip("/")


def split_tags(cell: str) -> list[str]:
    """Tags as exports write them: separated by `|` or `,`; inner spaces become dashes."""
    return ["-".join(part.split()) for part in re.split(r"[|,]", cell) if part.strip()]


def parse_count(cell: str) -> int | None:
    """A visit count as exports write it (`1234`, `1,234`, `1 234`); None when it is not one."""
    digits = re.sub(r"[\s,_']", "", cell)
    return int(digits) if digits.isascii() and digits.isdigit() else None
