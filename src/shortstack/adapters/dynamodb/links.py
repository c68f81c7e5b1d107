"""Links in the single table: conditional creates, GSI1 listings, and one-request click counts.

A redirect is one UpdateItem (docs/decisions/0100-redirect-click-counting.md):
`ADD click_count 1` under a condition that holds the redirect rules (exists,
active, started, not expired, under max_visits, and no password unless the visit
brings its hash), returning the whole item, rules and variants included. It reads
and counts in one request, and the count is exact, so a visit limit holds under
any concurrency. A crawler's visit is the same request with `ADD bot_count 1`:
it leaves `click_count` and the visit limit alone (decision 0106). When the
condition fails, the old item (ReturnValuesOnConditionCheckFailure) tells 404,
410, a fallback or a password form apart without another read.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.errors import (
    cancellation_codes,
    error_code,
    is_conditional_check_failure,
)
from shortstack.adapters.dynamodb.hot_links import (
    EXACT_WAIT_S,
    MARKER,
    SEALED,
    CountOnTheLink,
    HotLinks,
    backoff_s,
    is_throttle,
    shard_keys,
)
from shortstack.adapters.dynamodb.streamed import BOTS, CHANGED, CLICKS, VISIT, visit_attribute
from shortstack.adapters.link_routing_codec import (
    preview_from_text,
    preview_to_text,
    rules_from_text,
    rules_to_text,
    variants_from_text,
    variants_to_text,
)
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import (
    DomainError,
    LinkGone,
    LinkNotFound,
    ServiceUnavailable,
    ShortIdTaken,
)
from shortstack.domain.links import (
    Link,
    LinkChanges,
    Target,
    ensure_countable,
)
from shortstack.domain.pagination import Page
from shortstack.domain.preconditions import LEGACY_VERSION, Expected, refusal
from shortstack.domain.visits import Click

if TYPE_CHECKING:  # bulk import's types and loader stay off the redirect Lambda's cold start
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

    from shortstack.domain.imports import ExistingLink, PlannedLink

ENTITY = "link"
# The table's TTL may delete an expired link this long after it expired; until then it answers 410.
RETENTION_AFTER_EXPIRY = timedelta(days=30)
_CLICK_ATTEMPTS = 3
_BATCH_GET = 100  # BatchGetItem's limit

_COUNTABLE = (
    "attribute_exists(PK) AND #active = :true"
    " AND (attribute_not_exists(#since) OR #since <= :now)"
    " AND (attribute_not_exists(#expires) OR #expires > :now)"
    " AND (attribute_not_exists(#max) OR #clicks < #max)"
    " AND (attribute_not_exists(#password) OR #password = :unlocked)"
)
_NAMES = {
    "#clicks": CLICKS,
    "#active": "is_active",
    "#since": "valid_since",
    "#expires": "expires_at",
    "#max": "max_visits",
    "#password": "password_hash",
    "#visit": VISIT,
}
_CLICK_REQUEST: dict[str, Any] = {
    "UpdateExpression": "ADD #clicks :one SET #visit = :visit",
    "ConditionExpression": _COUNTABLE,
    "ExpressionAttributeNames": _NAMES,
    "ReturnValues": "ALL_NEW",
    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
}
# A crawler's visit: the same condition (it must not reach a link a person could not), but
# its own counter, so neither click_count nor the visit limit moves.
_BOT_VISIT_REQUEST: dict[str, Any] = {
    **_CLICK_REQUEST,
    "UpdateExpression": "ADD #bots :one SET #visit = :visit",
    "ExpressionAttributeNames": {**_NAMES, "#bots": BOTS},
}
# No hash starts with this: a visit without a password never passes `#password = :unlocked`.
_NOT_UNLOCKED = "-"


def sort_position(created_at: datetime, short_id: str) -> str:
    return f"{to_iso(created_at)}#{short_id}"


def _to_link(raw: dict[str, Any]) -> Link:
    return link_of(from_attributes(raw))


def link_of(values: Mapping[str, Any]) -> Link:
    """A link from its item's values, already decoded (a stream image's too)."""
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
        version=int(values.get("version", LEGACY_VERSION)),
    )


def _to_target(raw: dict[str, Any]) -> Target:
    # Read only the attributes a redirect needs, straight from the wire format.
    expires_at = raw.get("expires_at")
    max_visits = raw.get("max_visits")
    rules, variants, preview = raw.get("rules"), raw.get("variants"), raw.get("preview")
    return Target(
        url=raw["url"]["S"],
        redirect_status=int(raw["redirect_status"]["N"]),
        expires_at=from_iso(expires_at["S"]) if expires_at else None,
        max_visits=int(max_visits["N"]) if max_visits else None,
        rules=rules_from_text(rules["S"]) if rules else (),
        variants=variants_from_text(variants["S"]) if variants else (),
        forward_query=bool(raw.get("forward_query", {}).get("BOOL", False)),
        preview=preview_from_text(preview["S"]) if preview else None,
    )


def storage_expiry(expires_at: datetime | None) -> int | None:
    """Epoch seconds after which the table's TTL may drop a link (`ttl`); None keeps it."""
    if expires_at is None:
        return None
    return int((expires_at + RETENTION_AFTER_EXPIRY).timestamp())


def _shard_seal(table: str, key: dict[str, Any], count: int | None, seal: bool) -> dict[str, Any]:
    """A transaction's action on one shard: seal it and take its count away, or unseal it.

    `count` is the shard's clicks as read (None: no such shard); each action is
    conditioned on it, so a click that lands meanwhile cancels the transaction.
    """
    update: dict[str, Any] = {
        "TableName": table,
        "Key": key,
        "ExpressionAttributeNames": {"#sealed": SEALED},
    }
    if not seal:
        update["UpdateExpression"] = "REMOVE #sealed"
        update["ConditionExpression"] = "attribute_exists(PK)"
        return {"Update": update}
    values: dict[str, Any] = {":true": {"BOOL": True}}
    if count is None:  # a shard never used: create it sealed
        update["UpdateExpression"] = "SET #sealed = :true"
        update["ConditionExpression"] = "attribute_not_exists(PK)"
    elif count == 0:
        update["UpdateExpression"] = "SET #sealed = :true"
        update["ConditionExpression"] = "attribute_not_exists(#clicks) OR #clicks = :zero"
        update["ExpressionAttributeNames"]["#clicks"] = CLICKS
        values[":zero"] = {"N": "0"}
    else:
        update["UpdateExpression"] = "SET #sealed = :true ADD #clicks :minus"
        update["ConditionExpression"] = "#clicks = :count"
        update["ExpressionAttributeNames"]["#clicks"] = CLICKS
        values.update({":minus": {"N": str(-count)}, ":count": {"N": str(count)}})
    update["ExpressionAttributeValues"] = values
    return {"Update": update}


def _named(short_id: str) -> str:
    """What a refused write calls the link."""
    return f"short link {short_id!r}"


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
        "version": link.version or None,
    }


class DynamoDBLinkRepository:
    """Links in the table. The redirect Lambda loads this module to count clicks and nothing
    else, so the modules of owners' writes and listings (owned.py) and of the maintenance
    Scan (sweep.py) are imported where they are used, off its cold start (bench/README.md,
    "Cold starts")."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        sweep_pages: int | None = None,  # None: sweep.DEFAULT_MAX_PAGES
        hot: HotLinks | None = None,
        wait: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._table = table_name
        self._sweep_pages = sweep_pages
        self.hot = hot or HotLinks(client, table_name, expiry=storage_expiry)
        self._wait = wait
        self._clock = clock

    def add(self, link: Link) -> None:
        from shortstack.adapters.dynamodb.owned import put_new

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
        found = self._read(short_id, consistent=consistent)
        if found is None:
            return None
        link, marked = found
        if not marked:
            return link
        extra = self._shard_totals([short_id], consistent=consistent)
        return replace(link, click_count=link.click_count + extra.get(short_id, 0))

    def owner_of(self, short_id: str) -> str | None:
        if not keys.storable(keys.link_key(short_id)):
            return None
        # Eventually consistent and projected: half a read unit, whatever the item's size.
        item = self._client.get_item(
            TableName=self._table,
            Key=to_attributes(keys.link_key(short_id)),
            ProjectionExpression="#owner",
            ExpressionAttributeNames={"#owner": "owner"},
        ).get("Item")
        return str(from_attributes(item)["owner"]) if item else None

    def _read(self, short_id: str, *, consistent: bool) -> tuple[Link, bool] | None:
        """The link item as stored, and whether its clicks are spread over shards too."""
        key = keys.link_key(short_id)
        if not keys.storable(key):
            return None
        response = self._client.get_item(
            TableName=self._table, Key=to_attributes(key), ConsistentRead=consistent
        )
        raw = response.get("Item")
        return (_to_link(raw), MARKER in raw) if raw is not None else None

    def _shard_totals(self, short_ids: Sequence[str], *, consistent: bool) -> dict[str, int]:
        """The clicks counted on the shards of marked links, by short id."""
        wanted = [key for short_id in short_ids for key in shard_keys(short_id, self.hot.shards)]
        totals: dict[str, int] = {}
        for raw in self._batch_get(wanted, "short_id, #clicks", consistent):
            if "short_id" not in raw:
                continue  # a shard a limit created sealed: it never took a click
            short_id = raw["short_id"]["S"]
            clicks = int(raw.get(CLICKS, {}).get("N", "0"))
            totals[short_id] = totals.get(short_id, 0) + clicks
        return totals

    def _batch_get(
        self, wanted: list[dict[str, Any]], projection: str, consistent: bool
    ) -> list[dict[str, Any]]:
        """BatchGetItem of any number of keys, 100 a call (its limit), retrying unprocessed
        ones as batch writes do (batch_writes.retries)."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), _BATCH_GET):
            found.extend(
                self._batch_get_chunk(wanted[start : start + _BATCH_GET], projection, consistent)
            )
        return found

    def _batch_get_chunk(
        self, wanted: list[dict[str, Any]], projection: str, consistent: bool
    ) -> list[dict[str, Any]]:
        from shortstack.adapters.dynamodb.batch_writes import retries

        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "Keys": wanted,
            "ProjectionExpression": projection,
            "ConsistentRead": consistent,
        }
        if "#clicks" in projection:
            request["ExpressionAttributeNames"] = {"#clicks": CLICKS}
        pending: dict[str, Any] = {self._table: request}
        for _ in retries(f"click counts of {len(wanted)} keys", self._wait):
            response = self._client.batch_get_item(RequestItems=pending)
            found.extend(response.get("Responses", {}).get(self._table, []))
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
        return found

    def update(self, owner: str, short_id: str, changes: LinkChanges, now: datetime) -> Link:
        if not keys.storable(keys.link_key(short_id)):
            raise LinkNotFound(short_id)
        # SET only the fields sent: concurrent updates and clicks never lose each other's work.
        # `changed_fields` tells the stream consumer what LinkUpdated names (stream_events.py).
        sets: dict[str, Any] = {"updated_at": to_iso(now), CHANGED: changes.changed_fields()}
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
        if (changes.max_visits is not None or changes.clear_max_visits) and self._has_shards(
            short_id
        ):
            seal = changes.max_visits is not None
            return self._update_with_shards(
                owner, short_id, sets, removes, seal=seal, expected=changes.expected
            )
        from shortstack.adapters.dynamodb.owned import Versioned, update_owned

        key, versioned = keys.link_key(short_id), Versioned(_named(short_id), changes.expected)
        raw = update_owned(self._client, self._table, key, owner, sets, removes, versioned)
        if raw is None:
            raise LinkNotFound(short_id)
        return self._with_shards(_to_link(raw), raw)

    def _with_shards(self, link: Link, raw: dict[str, Any]) -> Link:
        if MARKER not in raw:
            return link
        extra = self._shard_totals([link.short_id], consistent=True).get(link.short_id, 0)
        return replace(link, click_count=link.click_count + extra)

    def _has_shards(self, short_id: str) -> bool:
        """Whether any click was ever counted on the link's shards (a consistent look)."""
        wanted = shard_keys(short_id, self.hot.shards)
        return bool(self._batch_get(wanted, "PK", consistent=True))

    def _update_with_shards(
        self,
        owner: str,
        short_id: str,
        sets: dict[str, Any],
        removes: list[str],
        *,
        seal: bool,
        expected: Expected | None,
    ) -> Link:
        """Change `max_visits` of a link with shards, in one transaction with its shards.

        Setting a limit seals every shard (no more shard clicks) and moves their counts
        onto the link item, so the limit counts every click; lifting it unseals them. Each
        shard is conditioned on the count read, so a click landing in between retries it.
        """
        for _ in range(_CLICK_ATTEMPTS):
            counts = {
                raw["PK"]["S"]: int(raw.get(CLICKS, {}).get("N", "0"))
                for raw in self._batch_get(
                    shard_keys(short_id, self.hot.shards), "PK, #clicks", consistent=True
                )
            }
            actions = [
                _shard_seal(self._table, key, counts.get(key["PK"]["S"]), seal)
                for key in shard_keys(short_id, self.hot.shards)
                if seal or key["PK"]["S"] in counts  # only existing shards are unsealed
            ]
            moved = sum(counts.values()) if seal else 0
            from shortstack.adapters.dynamodb.owned import owned_update

            link_update = owned_update(
                self._table,
                keys.link_key(short_id),
                owner,
                sets,
                removes,
                {CLICKS: moved} if moved else None,
                versioned=True,
                expected=expected,
            )
            # The requests are built as plain dicts (owned.py); the stubs see them as such.
            transaction = cast(
                "list[TransactWriteItemTypeDef]", [*actions, {"Update": link_update}]
            )
            try:
                self._client.transact_write_items(TransactItems=transaction)
            except ClientError as exc:
                codes = cancellation_codes(exc)
                if codes[-1:] == ["ConditionalCheckFailed"]:
                    found = self._read(short_id, consistent=True)
                    if found is not None and found[0].owner == owner:
                        raise refusal(_named(short_id), expected, found[0].version) from exc
                    raise LinkNotFound(short_id) from exc
                if error_code(exc) == "TransactionCanceledException":
                    continue  # a shard counted a click meanwhile: read them again
                raise
            self.hot.forget(short_id)
            link = self.get(short_id)
            if link is None:
                raise LinkNotFound(short_id)
            return link
        raise ServiceUnavailable("this link is too busy to change its visit limit; try again")

    def delete(self, owner: str, short_id: str, expected: Expected | None = None) -> bool:
        from shortstack.adapters.dynamodb.owned import Versioned, delete_owned

        versioned = Versioned(_named(short_id), expected)
        if not delete_owned(self._client, self._table, keys.link_key(short_id), owner, versioned):
            return False
        self._forget_stats(short_id)
        return True

    def _forget_stats(self, short_id: str) -> None:
        """The deleted link's stats, before anyone can take its id again.

        LinkDeleted's handler deletes them too, seconds later (or, from the dead-letter
        queue, much later): a link made under the alias meanwhile would show the old
        link's visitors as its own, and that cleanup would then erase the new link's.
        """
        from shortstack.adapters.dynamodb.stats import delete_link_stats

        delete_link_stats(self._client, self._table, short_id)

    def expired_before(self, cutoff: datetime) -> Iterator[str]:
        """Expired links found by the resumable maintenance Scan (sweep.py says why)."""
        from shortstack.adapters.dynamodb.sweep import DEFAULT_MAX_PAGES, Sweep, sweep

        plan = Sweep(
            name="expired_links",
            filter_expression="SK = :link AND #expires < :cutoff",
            names={"#expires": "expires_at"},
            values={":link": keys.link_key("")["SK"], ":cutoff": to_iso(cutoff)},
            projection="PK",
            max_pages=DEFAULT_MAX_PAGES if self._sweep_pages is None else self._sweep_pages,
        )
        for item in sweep(self._client, self._table, plan):
            yield keys.short_id_of_partition(item["PK"]["S"])

    def delete_expired(self, short_id: str, cutoff: datetime) -> str | None:
        try:
            response = self._client.delete_item(
                TableName=self._table,
                Key=to_attributes(keys.link_key(short_id)),
                ConditionExpression="#expires < :cutoff",
                ExpressionAttributeNames={"#expires": "expires_at"},
                ExpressionAttributeValues={":cutoff": {"S": to_iso(cutoff)}},
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                return None
            raise
        self._forget_stats(short_id)
        return str(response["Attributes"]["owner"]["S"])

    def list(self, owner: str, *, tag: str | None, limit: int, cursor: str | None) -> Page[Link]:
        from shortstack.adapters.dynamodb.owned import Listing, list_newest_first

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
        page = list_newest_first(self._client, self._table, listing, limit, cursor)
        counts = self._counts([link.short_id for link in page.items])
        return Page(
            [
                replace(link, click_count=clicks, bot_count=bots)
                for link in page.items
                for clicks, bots in [counts.get(link.short_id, (0, 0))]
            ],
            page.next_cursor,
        )

    def _counts(self, short_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(clicks, bots) of listed links: GSI1 leaves them out, so a click writes no index."""
        counts: dict[str, tuple[int, int]] = {}
        marked: list[str] = []
        keys_wanted = [to_attributes(keys.link_key(short_id)) for short_id in short_ids]
        projection = f"short_id, #clicks, {BOTS}, {MARKER}"
        for raw in self._batch_get(keys_wanted, projection, False):
            short_id = raw["short_id"]["S"]
            clicks = int(raw.get(CLICKS, {}).get("N", "0"))
            counts[short_id] = (clicks, int(raw.get(BOTS, {}).get("N", "0")))
            if MARKER in raw:
                marked.append(short_id)
        for short_id, extra in self._shard_totals(marked, consistent=False).items():
            clicks, bots = counts[short_id]
            counts[short_id] = (clicks + extra, bots)
        return counts

    def record_click(self, short_id: str, click: Click, unlocked_with: str | None = None) -> Target:
        # An unlock checks the password hash in its own condition: never on a shard.
        if unlocked_with is None and self.hot.is_hot(short_id):
            try:
                return self.hot.count(short_id, click, self._rules(short_id))
            except CountOnTheLink:
                pass
        return self._count(short_id, click, _CLICK_REQUEST, unlocked_with)

    def record_bot_visit(self, short_id: str, click: Click) -> Target:
        return self._count(short_id, click, _BOT_VISIT_REQUEST, None)

    def _count(
        self, short_id: str, click: Click, request: dict[str, Any], unlocked_with: str | None
    ) -> Target:
        now = click.at
        key = to_attributes(keys.link_key(short_id))
        values: dict[str, AttributeValueTypeDef] = {
            ":one": {"N": "1"},
            ":true": {"BOOL": True},
            ":now": {"S": to_iso(now)},
            ":visit": visit_attribute(click),
            ":unlocked": {"S": unlocked_with or _NOT_UNLOCKED},
        }
        refused = 0
        waited_since: float | None = None
        for attempt in itertools.count():
            try:
                response = self._client.update_item(
                    TableName=self._table,
                    Key=key,
                    ExpressionAttributeValues=values,
                    **request,
                )
            except ClientError as exc:
                if is_throttle(exc):
                    waited_since = waited_since or self._clock()
                    target = self._throttled(short_id, click, attempt, waited_since, unlocked_with)
                    if target is not None:
                        return target
                    continue
                if not is_conditional_check_failure(exc):
                    raise
                old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                if old is None:
                    raise LinkNotFound(short_id) from exc
                ensure_countable(_to_link(old), now, unlocked_with)
                refused += 1  # redirectable after all: re-enabled concurrently; count again
                if refused >= _CLICK_ATTEMPTS:
                    raise LinkGone(short_id, "link is changing; try again") from exc
                continue
            return _to_target(response["Attributes"])
        raise AssertionError("unreachable")  # pragma: no cover

    def _rules(self, short_id: str) -> Callable[[], tuple[Link, bool] | None]:
        return lambda: self._read(short_id, consistent=False)

    def _throttled(
        self,
        short_id: str,
        click: Click,
        attempt: int,
        waited_since: float,
        unlocked_with: str | None = None,
    ) -> Target | None:
        """The link's item refused the click for capacity: a Target, or None to try again.

        A link without a visit limit counts the click on a shard (hot_links.py); one with a
        limit, or whose shards cannot be used yet, waits and tries its own item again, up
        to EXACT_WAIT_S, then answers 503. A crawler is redirected without being counted:
        its visit is worth no wait. An unlock keeps to the item, whose condition checks the
        password.
        """
        found = self._read(short_id, consistent=False)
        if found is None:
            raise LinkNotFound(short_id)
        link, marked = found
        # Gone or locked links answer without another write.
        ensure_countable(link, click.at, unlocked_with)
        if click.bot is not None:
            return Target.of(link)
        if link.max_visits is None and unlocked_with is None:
            self.hot.adopt(link, marked)
            try:
                return self.hot.count(short_id, click, lambda: found)
            except CountOnTheLink:
                pass
        if self._clock() - waited_since > EXACT_WAIT_S:
            raise ServiceUnavailable("this link is too busy right now; try again in a second")
        self._wait(backoff_s(attempt))
        return None
