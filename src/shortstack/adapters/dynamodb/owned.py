"""Requests every owned entity makes the same way: creates, partial updates, deletes, listings.

Each write is conditioned on the owner, so another owner's id behaves exactly
like a missing one; a versioned entity's write adds one to its version and, given an
If-Match, is conditioned on that version too (PreconditionFailed when it is another).
Listings query an index partition newest first, with a cursor that holds only the
sort position: the partition always comes from the caller, so a forged cursor cannot
reach another owner's data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import to_attribute, to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.domain.errors import InvalidCursor
from shortstack.domain.pagination import Page, decode_cursor, encode_cursor
from shortstack.domain.preconditions import LEGACY_VERSION, Expected, refusal

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
_OWNED = "attribute_exists(PK) AND #owner = :owner"
VERSION = "version"


@dataclass(frozen=True)
class Versioned:
    """A write of a versioned entity: what a refusal calls it, and the If-Match it must meet."""

    what: str
    expected: Expected | None = None


def _version_condition(
    expected: Expected | None, names: dict[str, str], values: dict[str, Any]
) -> str:
    """The ConditionExpression's part that checks If-Match and If-None-Match; "" when any
    version will do."""
    if expected is None:
        return ""
    if (expected.versions is not None and not expected.versions) or expected.excluded is None:
        return " AND attribute_not_exists(PK)"  # no version can match: never true
    check = ""
    for prefix, versions in ((":e", expected.versions), (":n", expected.excluded)):
        if not versions:
            continue
        names["#ver"] = VERSION
        marks = []
        for index, version in enumerate(sorted(versions)):
            values[f"{prefix}{index}"] = to_attribute(version)
            marks.append(f"{prefix}{index}")
        listed = f"#ver IN ({', '.join(marks)})"
        if LEGACY_VERSION in versions:  # a record from before versions has none: version 0
            listed = f"(attribute_not_exists(#ver) OR {listed})"
        if prefix == ":n":  # DynamoDB refuses redundant parentheses: add them only if none
            listed = f"NOT {listed}" if listed.startswith("(") else f"NOT ({listed})"
        check += f" AND {listed}"
    return check


def _stale_or_missing(exc: ClientError, owner: str, versioned: Versioned | None) -> None:
    """Raise PreconditionFailed when a failed condition found the owner's record (ALL_OLD)."""
    old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
    if versioned is not None and old and old.get("owner", {}).get("S") == owner:
        version = int(old.get(VERSION, {}).get("N", LEGACY_VERSION))
        raise refusal(versioned.what, versioned.expected, version) from exc


def put_new(client: DynamoDBClient, table: str, record: Mapping[str, Any]) -> bool:
    """Write a new item unless its key exists; False (and nothing written) if it does."""
    try:
        client.put_item(
            TableName=table,
            Item=to_attributes(record),
            ConditionExpression="attribute_not_exists(PK)",
        )
    except ClientError as exc:
        if is_conditional_check_failure(exc):
            return False
        raise
    return True


def owned_update(
    table: str,
    key: keys.Key,
    owner: str,
    sets: Mapping[str, Any],
    removes: Sequence[str] = (),
    adds: Mapping[str, int] | None = None,
    *,
    versioned: bool = False,
    expected: Expected | None = None,
) -> dict[str, Any]:
    """The UpdateItem request (also a transaction's Update) of `update_owned`."""
    names = {"#owner": "owner"}
    values: dict[str, Any] = {":owner": to_attribute(owner)}
    assignments = []
    for index, (name, value) in enumerate(sets.items()):
        names[f"#s{index}"] = name
        values[f":s{index}"] = to_attribute(value)
        assignments.append(f"#s{index} = :s{index}")
    if versioned:
        names["#ver"] = VERSION
        values[":one"] = to_attribute(1)
        values[":legacy"] = to_attribute(LEGACY_VERSION)
        assignments.append("#ver = if_not_exists(#ver, :legacy) + :one")
    expression = "SET " + ", ".join(assignments)
    if removes:
        names.update({f"#r{index}": name for index, name in enumerate(removes)})
        expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(removes)))
    if adds:
        names.update({f"#a{index}": name for index, name in enumerate(adds)})
        values.update({f":a{index}": to_attribute(n) for index, n in enumerate(adds.values())})
        expression += " ADD " + ", ".join(f"#a{index} :a{index}" for index in range(len(adds)))
    return {
        "TableName": table,
        "Key": to_attributes(key),
        "UpdateExpression": expression,
        "ConditionExpression": _OWNED + _version_condition(expected, names, values),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def update_owned(
    client: DynamoDBClient,
    table: str,
    key: keys.Key,
    owner: str,
    sets: Mapping[str, Any],
    removes: Sequence[str] = (),
    versioned: Versioned | None = None,
) -> dict[str, Any] | None:
    """SET `sets` and REMOVE `removes` on the owner's item; its new attributes, or None.

    Versioned, the version goes up by one, and PreconditionFailed is raised when the owner's
    item is at a version its If-Match does not allow."""
    if not keys.storable(key):
        return None
    expected = versioned.expected if versioned else None
    request = owned_update(
        table, key, owner, sets, removes, versioned=versioned is not None, expected=expected
    )
    try:
        response = client.update_item(
            **request, ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD"
        )
    except ClientError as exc:
        if is_conditional_check_failure(exc):
            _stale_or_missing(exc, owner, versioned)
            return None
        raise
    attributes: dict[str, Any] = response["Attributes"]
    return attributes


def delete_owned(
    client: DynamoDBClient,
    table: str,
    key: keys.Key,
    owner: str,
    versioned: Versioned | None = None,
) -> bool:
    """Delete the owner's item; False when there was none (or it is someone else's).

    Versioned, raises PreconditionFailed when its version is one the If-Match does not allow."""
    if not keys.storable(key):
        return False
    names = {"#owner": "owner"}
    values: dict[str, Any] = {":owner": to_attribute(owner)}
    expected = versioned.expected if versioned else None
    condition = _OWNED + _version_condition(expected, names, values)
    try:
        client.delete_item(
            TableName=table,
            Key=to_attributes(key),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as exc:
        if is_conditional_check_failure(exc):
            _stale_or_missing(exc, owner, versioned)
            return False
        raise
    return True


@dataclass(frozen=True)
class Listing(Generic[T]):
    """How one entity is listed from one index partition."""

    index: str
    partition: str
    key_of: Callable[[str], keys.Key]
    parse: Callable[[dict[str, Any]], T]
    position_of: Callable[[T], str]
    filter_expression: str | None = None
    filter_names: dict[str, str] = field(default_factory=dict)
    filter_values: dict[str, Any] = field(default_factory=dict)
    # With a filter, Query's Limit counts items read before filtering; past this many read
    # items a call returns a short page with a cursor rather than reading on.
    read_budget: int = 1000


def list_newest_first(
    client: DynamoDBClient, table: str, listing: Listing[T], limit: int, cursor: str | None
) -> Page[T]:
    """One page of `listing`, newest first, resuming after `cursor`."""
    pk_name, sk_name = f"{listing.index}PK", f"{listing.index}SK"
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": listing.index,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": pk_name, **listing.filter_names},
        "ExpressionAttributeValues": {
            ":pk": to_attribute(listing.partition),
            **{name: to_attribute(value) for name, value in listing.filter_values.items()},
        },
        "ScanIndexForward": False,
    }
    if listing.filter_expression:
        request["FilterExpression"] = listing.filter_expression
    start_key: dict[str, Any] | None = None
    if cursor:
        position = decode_cursor(cursor, ("k",))["k"]
        entity_id = position.rpartition("#")[2]
        if not entity_id:
            raise InvalidCursor()
        start_key = to_attributes(
            {**listing.key_of(entity_id), pk_name: listing.partition, sk_name: position}
        )
    found: list[T] = []
    read = 0
    while len(found) <= limit:
        wanted = limit + 1 - len(found)
        request["Limit"] = max(wanted, 100) if listing.filter_expression else wanted
        if start_key:
            request["ExclusiveStartKey"] = start_key
        try:
            response = client.query(**request)
        except ClientError as exc:
            if cursor and "ExclusiveStartKey" in str(exc):
                raise InvalidCursor() from exc
            raise
        found.extend(listing.parse(raw) for raw in response.get("Items", []))
        read += int(response.get("ScannedCount", 0))
        start_key = response.get("LastEvaluatedKey")
        if not start_key:
            break
        if read >= listing.read_budget and len(found) <= limit:
            return Page(found, encode_cursor({"k": start_key[sk_name]["S"]}))
    page = found[:limit]
    more = len(found) > limit and bool(page)
    return Page(page, encode_cursor({"k": listing.position_of(page[-1])}) if more else None)
