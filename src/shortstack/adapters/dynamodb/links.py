"""Links in the single table: conditional creates, GSI1 listings, and one-request click counts.

A redirect is one UpdateItem (docs/decisions/0100-redirect-click-counting.md):
`ADD click_count 1` under a condition that holds the redirect rules (exists,
active, not expired, under max_visits), returning the whole item. It reads and
counts in one request, and the count is exact, so a visit limit holds under any
concurrency. When the condition fails, the old item
(ReturnValuesOnConditionCheckFailure) tells 404 from 410 without another read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.adapters.dynamodb.owned import (
    Listing,
    delete_owned,
    list_newest_first,
    put_new,
    update_owned,
)
from shortstack.adapters.dynamodb.sweep import DEFAULT_MAX_PAGES, Sweep, sweep
from shortstack.adapters.link_routing_codec import (
    preview_from_text,
    preview_to_text,
    rules_from_text,
    rules_to_text,
    variants_from_text,
    variants_to_text,
)
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import DomainError, LinkGone, LinkNotFound, ShortIdTaken
from shortstack.domain.links import (
    Link,
    LinkChanges,
    Target,
    ensure_redirectable,
)
from shortstack.domain.pagination import Page

if TYPE_CHECKING:  # bulk import's types and loader stay off the redirect Lambda's cold start
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from shortstack.domain.imports import ExistingLink, PlannedLink

ENTITY = "link"
# The table's TTL may delete an expired link this long after it expired; until then it answers 410.
RETENTION_AFTER_EXPIRY = timedelta(days=30)
_CLICK_ATTEMPTS = 3

_CLICK_REQUEST: dict[str, Any] = {
    "UpdateExpression": "ADD #clicks :one",
    "ConditionExpression": (
        "attribute_exists(PK) AND #active = :true"
        " AND (attribute_not_exists(#expires) OR #expires > :now)"
        " AND (attribute_not_exists(#max) OR #clicks < #max)"
    ),
    "ExpressionAttributeNames": {
        "#clicks": "click_count",
        "#active": "is_active",
        "#expires": "expires_at",
        "#max": "max_visits",
    },
    "ReturnValues": "ALL_NEW",
    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
}


def sort_position(created_at: datetime, short_id: str) -> str:
    return f"{to_iso(created_at)}#{short_id}"


def _to_link(raw: dict[str, Any]) -> Link:
    values = from_attributes(raw)
    max_visits = values.get("max_visits")
    return Link(
        short_id=values["short_id"],
        owner=values["owner"],
        url=values["url"],
        title=values.get("title"),
        tags=tuple(values.get("tags") or ()),
        is_active=bool(values["is_active"]),
        redirect_status=int(values["redirect_status"]),
        expires_at=from_iso(values["expires_at"]) if values.get("expires_at") else None,
        max_visits=int(max_visits) if max_visits is not None else None,
        click_count=int(values.get("click_count", 0)),
        created_at=from_iso(values["created_at"]),
        updated_at=from_iso(values["updated_at"]),
        valid_since=from_iso(values["valid_since"]) if values.get("valid_since") else None,
        fallback_url=values.get("fallback_url"),
        password_hash=values.get("password_hash"),
        forward_query=bool(values.get("forward_query", False)),
        rules=rules_from_text(values.get("rules")),
        variants=variants_from_text(values.get("variants")),
        preview=preview_from_text(values.get("preview")),
        bot_count=int(values.get("bot_count", 0)),
        imported_clicks=int(values.get("imported_clicks", 0)),
    )


def _to_target(raw: dict[str, Any]) -> Target:
    # Read only the four attributes a redirect needs, straight from the wire format.
    expires_at = raw.get("expires_at")
    max_visits = raw.get("max_visits")
    return Target(
        url=raw["url"]["S"],
        redirect_status=int(raw["redirect_status"]["N"]),
        expires_at=from_iso(expires_at["S"]) if expires_at else None,
        max_visits=int(max_visits["N"]) if max_visits else None,
    )


def storage_expiry(expires_at: datetime | None) -> int | None:
    """Epoch seconds after which the table's TTL may drop a link (`ttl`); None keeps it."""
    if expires_at is None:
        return None
    return int((expires_at + RETENTION_AFTER_EXPIRY).timestamp())


def link_record(link: Link) -> dict[str, Any]:
    """The item a link is stored as (keys, GSI1 for the owner's listing, TTL)."""
    return {
        **keys.link_key(link.short_id),
        keys.GSI1PK: keys.links_of_owner(link.owner),
        keys.GSI1SK: sort_position(link.created_at, link.short_id),
        "entity": ENTITY,
        "short_id": link.short_id,
        "owner": link.owner,
        "url": link.url,
        "title": link.title,
        "tags": list(link.tags) or None,
        "is_active": link.is_active,
        "redirect_status": link.redirect_status,
        "expires_at": to_iso(link.expires_at) if link.expires_at else None,
        "max_visits": link.max_visits,
        "click_count": link.click_count,
        "created_at": to_iso(link.created_at),
        "updated_at": to_iso(link.updated_at),
        keys.TTL_ATTRIBUTE: storage_expiry(link.expires_at),
        # Absent unless set: every byte of the item is paid again by each click's write.
        "valid_since": to_iso(link.valid_since) if link.valid_since else None,
        "fallback_url": link.fallback_url,
        "password_hash": link.password_hash,
        "forward_query": True if link.forward_query else None,
        "rules": rules_to_text(link.rules),
        "variants": variants_to_text(link.variants),
        "preview": preview_to_text(link.preview),
        "bot_count": link.bot_count or None,
        "imported_clicks": link.imported_clicks or None,
    }


class DynamoDBLinkRepository:
    def __init__(
        self, client: DynamoDBClient, table_name: str, *, sweep_pages: int = DEFAULT_MAX_PAGES
    ) -> None:
        self._client = client
        self._table = table_name
        self._sweep_pages = sweep_pages

    def add(self, link: Link) -> None:
        if not put_new(self._client, self._table, link_record(link)):
            raise ShortIdTaken(link.short_id)

    def add_many(self, links: Sequence[Link]) -> list[DomainError | None]:
        """Conditional PutItems, a few in flight (see link_batch.py)."""
        from shortstack.adapters.dynamodb.link_batch import put_each

        return put_each(self._client, self._table, links, link_record)

    def add_new(
        self, owner: str, links: Sequence[PlannedLink], created_at: datetime
    ) -> list[ExistingLink | None]:
        """The LinkSink port: a chunk of imported links in batches (see link_loader.py)."""
        from shortstack.adapters.dynamodb.link_loader import add_new_links

        return add_new_links(self._client, self._table, owner, links, created_at, link_record)

    def get(self, short_id: str, *, consistent: bool = True) -> Link | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attributes(keys.link_key(short_id)),
            ConsistentRead=consistent,
        )
        raw = response.get("Item")
        return _to_link(raw) if raw is not None else None

    def update(self, owner: str, short_id: str, changes: LinkChanges, now: datetime) -> Link:
        # SET only the fields sent: concurrent updates and clicks never lose each other's work.
        sets: dict[str, Any] = {"updated_at": to_iso(now)}
        removes: list[str] = []
        expiry_changed = changes.expires_at is not None or changes.clear_expiry
        for name, value, cleared in (
            ("url", changes.url, False),
            ("is_active", changes.is_active, False),
            ("expires_at", changes.expires_at and to_iso(changes.expires_at), changes.clear_expiry),
            ("title", changes.title, changes.clear_title),
            ("tags", None if changes.tags is None else list(changes.tags), changes.tags == ()),
            ("max_visits", changes.max_visits, changes.clear_max_visits),
            ("redirect_status", changes.redirect_status, False),
            (
                "valid_since",
                changes.valid_since and to_iso(changes.valid_since),
                changes.clear_valid_since,
            ),
            ("fallback_url", changes.fallback_url, changes.clear_fallback_url),
            ("password_hash", changes.password_hash, changes.clear_password),
            ("forward_query", changes.forward_query or None, changes.forward_query is False),
            ("rules", changes.rules and rules_to_text(changes.rules), changes.rules == ()),
            (
                "variants",
                changes.variants and variants_to_text(changes.variants),
                changes.variants == (),
            ),
            ("preview", preview_to_text(changes.preview), changes.clear_preview),
            (
                keys.TTL_ATTRIBUTE,
                storage_expiry(changes.expires_at) if expiry_changed else None,
                changes.clear_expiry,
            ),
        ):
            if cleared:
                removes.append(name)
            elif value is not None:
                sets[name] = value
        raw = update_owned(self._client, self._table, keys.link_key(short_id), owner, sets, removes)
        if raw is None:
            raise LinkNotFound(short_id)
        return _to_link(raw)

    def delete(self, owner: str, short_id: str) -> bool:
        return delete_owned(self._client, self._table, keys.link_key(short_id), owner)

    def expired_before(self, cutoff: datetime) -> Iterator[str]:
        """Expired links found by the resumable maintenance Scan (sweep.py says why)."""
        plan = Sweep(
            name="expired_links",
            filter_expression="SK = :link AND #expires < :cutoff",
            names={"#expires": "expires_at"},
            values={":link": keys.link_key("")["SK"], ":cutoff": to_iso(cutoff)},
            projection="PK",
            max_pages=self._sweep_pages,
        )
        for item in sweep(self._client, self._table, plan):
            yield keys.short_id_of_partition(item["PK"]["S"])

    def delete_expired(self, short_id: str, cutoff: datetime) -> bool:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=to_attributes(keys.link_key(short_id)),
                ConditionExpression="#expires < :cutoff",
                ExpressionAttributeNames={"#expires": "expires_at"},
                ExpressionAttributeValues={":cutoff": {"S": to_iso(cutoff)}},
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                return False
            raise
        return True

    def list(self, owner: str, *, tag: str | None, limit: int, cursor: str | None) -> Page[Link]:
        listing = Listing(
            index=keys.GSI1,
            partition=keys.links_of_owner(owner),
            key_of=keys.link_key,
            parse=_to_link,
            position_of=lambda link: sort_position(link.created_at, link.short_id),
        )
        if tag is not None:
            # Tags filter the owner's GSI1 partition (a Query, never a Scan); a per-tag index
            # would cost a write per tag on every create and PATCH for a rarely used filter.
            listing = replace(
                listing,
                filter_expression="contains(#tags, :tag)",
                filter_names={"#tags": "tags"},
                filter_values={":tag": tag},
            )
        return list_newest_first(self._client, self._table, listing, limit, cursor)

    def record_click(self, short_id: str, now: datetime) -> Target:
        key = to_attributes(keys.link_key(short_id))
        values: dict[str, AttributeValueTypeDef] = {
            ":one": {"N": "1"},
            ":true": {"BOOL": True},
            ":now": {"S": to_iso(now)},
        }
        for _ in range(_CLICK_ATTEMPTS):
            try:
                response = self._client.update_item(
                    TableName=self._table,
                    Key=key,
                    ExpressionAttributeValues=values,
                    **_CLICK_REQUEST,
                )
            except ClientError as exc:
                if not is_conditional_check_failure(exc):
                    raise
                old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                if old is None:
                    raise LinkNotFound(short_id) from exc
                ensure_redirectable(_to_link(old), now)
                continue  # redirectable after all: re-enabled concurrently; count again
            return _to_target(response["Attributes"])
        raise LinkGone(short_id, "link is changing; try again")
