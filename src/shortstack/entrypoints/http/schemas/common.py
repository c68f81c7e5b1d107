"""Field types shared by the request models.

FastAPI-free (no `Query` here, see query.py): the API Lambda's light front builds these
models without importing FastAPI.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    Tag,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from shortstack.domain.clock import to_iso
from shortstack.domain.errors import InvalidInput
from shortstack.domain.link_fields import SPACES

# The tags of the unions' members in request models. Pydantic locates an error inside a
# member at its tag ("ids.0.BulkTarget.id", "disable.ids"), a name no client sent or knows;
# the 422 leaves these out (errors.field_errors). So a union of a request model other than
# `X | None` tags its members with union_tag, and says which applies with a Discriminator.
UNION_TAGS: set[str] = set()


def union_tag_name(name: str) -> str:
    """The tag of the member called `name`: in angle brackets, like no field of ours."""
    return f"<{name}>"


def union_tag(name: str) -> Tag:
    tag = union_tag_name(name)
    UNION_TAGS.add(tag)
    return Tag(tag)


def _valid_text(value: str, allow_newlines: bool) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValueError("text must not contain control characters")
    return value


def single_line(value: str) -> str:
    """Valid Unicode on one line: no control characters at all."""
    return _valid_text(value, allow_newlines=False)


def multi_line(value: str) -> str:
    """Valid Unicode; newlines and tabs allowed, other control characters not."""
    return _valid_text(value, allow_newlines=True)


# What the validators accept, as JSON-schema patterns for the OpenAPI document: clients
# (and schemathesis) learn the rule from the schema instead of from a 422. Leading and
# trailing whitespace is stripped before validation (StrictModel), hence the outer \s*.
# Lone surrogates are refused too but stay out of the pattern: a surrogate range is not a
# valid regex for ECMA-262 engines in Unicode mode (nor for the Rust validators).
_SINGLE_LINE_REFUSED = "\\x00-\\x1f\\x7f-\\x9f"
_MULTI_LINE_REFUSED = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
# The whitespace stripped from both ends: ECMA-262's \s, spelled out (the domain's SPACES,
# which tags are stripped of too). Python's str.strip() and its \s also take \x1c-\x1f and
# \x85, which JSON-schema validators do not: the server stripped a trailing \x1d that the
# schema called a control character.
_STRIPPED = SPACES
# The same set as a regex class body, escaped so that every engine reads it alike.
_SPACE = "".join(f"\\u{ord(ch):04x}" for ch in _STRIPPED)
# Public for the patterns written elsewhere (target URLs): \s is not the same set in Python.
SPACE_CLASS = _SPACE


def strip_spaces(value: str) -> str:
    """`value` without the whitespace the documented patterns allow at its ends, and no
    other: what is left is what the pattern's middle was checked against."""
    return value.strip(_STRIPPED)


def _pattern(refused: str, non_blank: bool) -> str:
    space = f"[{_SPACE}]"
    if non_blank:  # minLength >= 1 counts after stripping: one visible character at least
        return f"^{space}*[^{_SPACE}{refused}](?:[^{refused}]*[^{_SPACE}{refused}])?{space}*$"
    return f"^{space}*[^{refused}]*{space}*$"


@dataclass(frozen=True, slots=True)
class _Text:
    """Annotated metadata: strip, validate and document text exactly as the schema says.

    minLength/maxLength count the characters the client sent (stripping came first, so
    a name of 100 characters plus a space passed although the schema said at most 100);
    the text is stripped afterwards, and a minLength of 1 or more means "not blank".
    """

    allow_newlines: bool

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        inner = handler(source)
        check = multi_line if self.allow_newlines else single_line
        if inner["type"] != "str":
            # On `str | None` the rule would wrap the union: put it on the str instead.
            raise TypeError("SingleLine/MultiLine annotate a str, e.g. Annotated[str, SingleLine]")
        non_blank = inner.get("min_length", 0) >= 1
        cast(core_schema.StringSchema, inner)["strip_whitespace"] = False

        def validate(value: str) -> str:
            value = value.strip(_STRIPPED)
            if non_blank and not value:
                raise ValueError("text must not be blank")
            return check(value)

        return core_schema.no_info_after_validator_function(validate, inner)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        refused = _MULTI_LINE_REFUSED if self.allow_newlines else _SINGLE_LINE_REFUSED
        json_schema["pattern"] = _pattern(refused, json_schema.get("minLength", 0) >= 1)
        return json_schema


SingleLine = _Text(allow_newlines=False)
MultiLine = _Text(allow_newlines=True)


class StrictModel(BaseModel):
    """Request bodies refuse fields they do not know, so typos do not pass silently, and
    values of another JSON type than the schema states: no "5" for a number, 0 for a
    boolean or 1900000000 for a date-time (lax mode took each of them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    def refuse_nulls(self, *fields: str) -> None:
        """InvalidInput for the first of `fields` sent as null: in a partial update, fields
        that an absent value leaves unchanged and that null cannot clear."""
        for field in fields:
            if field in self.model_fields_set and getattr(self, field) is None:
                raise InvalidInput(f"{field} cannot be null", field=field)


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 3.0 as an integer; strict mode alone would refuse it.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = BeforeValidator(_whole_number)
"""For an `int` of a StrictModel: takes 3.0 as 3, as the schema's `integer` does."""

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# RFC 3339's date-time; the offset is left to AwareDatetime, whose error names it. Its
# fraction has any number of digits (nanosecond clocks write nine): fromisoformat keeps the
# first six, cut rather than rounded, so a moment never moves into the next second.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?")


def _date_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # a datetime passes; any other type is refused by strict mode
    if not _DATE_TIME.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time like 2026-11-24T09:00:00Z")
    parsed = datetime.fromisoformat(value.upper())
    if parsed.tzinfo is not None:
        # Every moment is kept in UTC: 0001-01-01T00:00:00+14:00 has no UTC year to keep.
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError("must lie between the years 0001 and 9999 in UTC") from None
    return parsed


DateTimeText = BeforeValidator(_date_time)
"""For a `datetime` of a StrictModel: an RFC 3339 string (strict mode takes no string)."""


def _full_date(value: Any) -> Any:
    if isinstance(value, str) and not _FULL_DATE.fullmatch(value):
        raise ValueError("must be a date like 2026-11-24")
    return value


FullDate = BeforeValidator(_full_date)
"""For a `date` parameter: only `YYYY-MM-DD`, as `format: date` says (not 0 or 86400,
which lax parsing read as seconds since 1970)."""


IsoTime = Annotated[datetime, PlainSerializer(to_iso, return_type=str)]
"""For a `datetime` of a response model: written by `to_iso`, as every time in the API
(`IsoTime | None` writes null as null)."""


def no_null_defaults(schema: dict[str, Any]) -> None:
    """Leave out `default: null` where null is not a documented value (a json_schema_extra)."""
    for field in schema.get("properties", {}).values():
        if field.get("default", 0) is None and "anyOf" not in field:
            field.pop("default")


class ErrorBody(BaseModel):
    """Every error: a message for people, and per-field details on 422."""

    message: str
    detail: list[dict[str, object]] | None = None


Responses = dict[int | str, dict[str, Any]]
"""The type FastAPI's `responses=` takes: extra documented statuses of a route."""


def leads_to(field: str | None, parameter: str, **operations: tuple[str, str]) -> dict[str, Any]:
    """OpenAPI links from a created resource to the operations its id opens.

    `operations` maps a link's name to (target operationId, what the link does); each link
    fills the target's path `parameter` from the answer's `field`, or, with no field (a
    HEAD answer has no body), from the request's own path parameter of that name. A
    client, or a stateful fuzzer, can then follow a create to its read, delete and
    sub-resources with the id the server made, instead of guessing ids that are never there.
    """
    source = f"$response.body#/{field}" if field else f"$request.path.{parameter}"
    return {
        "links": {
            name: {
                "operationId": operation_id,
                "parameters": {parameter: source},
                "description": description,
            }
            for name, (operation_id, description) in operations.items()
        }
    }
