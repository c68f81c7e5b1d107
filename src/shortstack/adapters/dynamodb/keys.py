"""Every PK/SK/GSI key of the single table, built in one place.

Layout (entity: PK / SK; indexes):
  item:        ITEM#<id> / ITEM;  GSI1 OWNER#<owner>#ITEMS / <created>#<id>,
                                  GSI2 OWNER#<owner>#ITEMCAT#<category> / <created>#<id>
  user:        USER#<id> / USER;  GSI2 USERS / <created>#<id> (the directory, newest first)
  user e-mail: USEREMAIL#<normalized e-mail> / USEREMAIL (uniqueness guard)
  link:        LINK#<short_id> / LINK;  GSI1 OWNER#<owner>#LINKS / <created>#<short_id>
  link stats:  LINK#<short_id> / STATS#<yyyy-mm-dd> (a day), STATS#M#<yyyy-mm-01> (a month)
  owner stats: OWNERSTATS#<owner> / DAY#<yyyy-mm-dd> (the owner's links summed per day)
  hot link:    HOTLINK#<short_id>#<n> / CLICKS (a throttled link's counter shards, hot_links.py)
  click fold:  CLICKFOLD#<event id> / CLICKFOLD (TTL)
  idempotency: IDEMPOTENCY#<key> / IDEMPOTENCY (TTL)
  import:      IMPORT#<id> / IMPORT;  GSI2 IMPORTS#UNFINISHED / <created>#<id> while unfinished
  import row:  IMPORT#<id> / ROW#<nnnnnnn> (one per-row error)
  API key:     APIKEY#<sha256 of the key> / APIKEY;  GSI1 OWNER#<owner>#KEYS / <created>#<key id>
  webhook:     OWNER#<owner>#WEBHOOKS / WEBHOOK#<id> (an owner's few subscriptions, one Query)
  delivery:    WEBHOOK#<id> / DELIVERY#<attempted at>#<delivery id> (TTL)
  maintenance: MAINTENANCE#<sweep name> / CURSOR (where a paginated sweep resumes)
  wrong passwords: UNLOCK#<short_id>#<client hash> / WINDOW#<window start> (TTL)
  orphan visits: ORPHANS#<yyyy-mm-dd> / <path>#<referrer host>#<browser> (TTL)
  orphan keys of a day: ORPHANKEYS#<yyyy-mm-dd> / KEYS (how many a day holds; TTL)
Free-text parts are escaped so that a '#' inside a value cannot forge another key.
"""

from __future__ import annotations

from typing import TypedDict

PK = "PK"
SK = "SK"
GSI1 = "GSI1"
GSI1PK = "GSI1PK"
GSI1SK = "GSI1SK"
GSI2 = "GSI2"
GSI2PK = "GSI2PK"
GSI2SK = "GSI2SK"
TTL_ATTRIBUTE = "ttl"


class Key(TypedDict):
    PK: str
    SK: str


# DynamoDB's bounds on a key's parts, in UTF-8 bytes. A request naming a longer key is
# refused (ValidationException), so an id that long names no item: `storable` says so
# before a read, update or delete by a client's id asks for it.
PARTITION_KEY_MAX = 2048
SORT_KEY_MAX = 1024


def storable(key: Key) -> bool:
    """Whether DynamoDB can hold an item under `key` at all."""
    pk, sk = key["PK"], key["SK"]
    # A character is at most 4 bytes in UTF-8: short keys need no encoding to measure.
    if len(pk) * 4 <= PARTITION_KEY_MAX and len(sk) * 4 <= SORT_KEY_MAX:
        return True
    return len(pk.encode()) <= PARTITION_KEY_MAX and len(sk.encode()) <= SORT_KEY_MAX


def escape(part: str) -> str:
    """Make a free-text value safe to embed between '#' separators."""
    return part.replace("%", "%25").replace("#", "%23")


def item_key(item_id: str) -> Key:
    return {"PK": f"ITEM#{escape(item_id)}", "SK": "ITEM"}


def unescape(part: str) -> str:
    """The free-text value `escape` embedded."""
    return part.replace("%23", "#").replace("%25", "%")


def items_of_owner(owner: str) -> str:
    return f"OWNER#{escape(owner)}#ITEMS"


def items_of_owner_in_category(owner: str, category: str) -> str:
    return f"OWNER#{escape(owner)}#ITEMCAT#{escape(category)}"


def user_key(user_id: str) -> Key:
    return {"PK": f"USER#{escape(user_id)}", "SK": "USER"}


# Every user in one GSI2 partition: the directory is read by operators, rarely and a
# page at a time, and its writes (registrations) are far below one partition's limits.
ALL_USERS = "USERS"


def user_email_key(normalized_email: str) -> Key:
    return {"PK": f"USEREMAIL#{escape(normalized_email)}", "SK": "USEREMAIL"}


def link_key(short_id: str) -> Key:
    return {"PK": f"LINK#{escape(short_id)}", "SK": "LINK"}


def links_of_owner(owner: str) -> str:
    return f"OWNER#{escape(owner)}#LINKS"


# Click statistics: one item per link and UTC day, next to the link in its partition.
STATS_PREFIX = "STATS#"


# Rolled-up months sort after every day ("M" > any digit), so a day range never meets them.
MONTH_STATS_PREFIX = f"{STATS_PREFIX}M#"
LINK_PARTITION_PREFIX = "LINK#"


def link_partition(short_id: str) -> str:
    return link_key(short_id)["PK"]


def short_id_of_partition(partition: str) -> str:
    """The short id a `LINK#...` partition key holds."""
    return unescape(partition.removeprefix(LINK_PARTITION_PREFIX))


def link_month_stats_key(short_id: str, month_start: str) -> Key:
    return {"PK": link_partition(short_id), "SK": f"{MONTH_STATS_PREFIX}{month_start}"}


OWNER_DAY_PREFIX = "DAY#"


def owner_stats_partition(owner: str) -> str:
    return f"OWNERSTATS#{escape(owner)}"


def owner_stats_key(owner: str, day: str) -> Key:
    return {"PK": owner_stats_partition(owner), "SK": f"{OWNER_DAY_PREFIX}{day}"}


def password_attempts_key(short_id: str, client: str, window: str) -> Key:
    """Wrong passwords for one link from one client in one window (expires with the TTL)."""
    return {"PK": f"UNLOCK#{escape(short_id)}#{escape(client)}", "SK": f"WINDOW#{window}"}


def orphan_visits_of_day(day: str) -> str:
    """The partition of one UTC day's orphan-visit counters."""
    return f"ORPHANS#{day}"


def orphan_visit_key(day: str, path: str, referrer_host: str, browser: str) -> Key:
    """One orphan-visit counter; its sort key orders a day's counters as the listing does."""
    return {
        "PK": orphan_visits_of_day(day),
        "SK": f"{escape(path)}#{escape(referrer_host)}#{escape(browser)}",
    }


def orphan_day_keys_key(day: str) -> Key:
    """How many orphan-visit counters a day holds (the cap is checked on this one item)."""
    return {"PK": f"ORPHANKEYS#{day}", "SK": "KEYS"}


def maintenance_cursor_key(sweep: str) -> Key:
    return {"PK": f"MAINTENANCE#{escape(sweep)}", "SK": "CURSOR"}


def link_stats_key(short_id: str, day: str) -> Key:
    return {"PK": link_partition(short_id), "SK": f"{STATS_PREFIX}{day}"}


def hot_link_shard_key(short_id: str, shard: int) -> Key:
    """One of a hot link's counter shards: its own partition, so it takes its own writes."""
    return {"PK": f"HOTLINK#{escape(short_id)}#{shard}", "SK": "CLICKS"}


def click_fold_key(event_id: str) -> Key:
    """Marks one LinkClicked event as counted (expires with the TTL attribute)."""
    return {"PK": f"CLICKFOLD#{escape(event_id)}", "SK": "CLICKFOLD"}


def idempotency_key(key: str) -> Key:
    return {"PK": f"IDEMPOTENCY#{escape(key)}", "SK": "IDEMPOTENCY"}


IMPORT_ROW_PREFIX = "ROW#"
UNFINISHED_IMPORTS = "IMPORTS#UNFINISHED"


def import_key(import_id: str) -> Key:
    return {"PK": f"IMPORT#{escape(import_id)}", "SK": "IMPORT"}


def import_row_key(import_id: str, row: int) -> Key:
    """One per-row error; the row number is zero-padded so that rows sort numerically."""
    return {"PK": f"IMPORT#{escape(import_id)}", "SK": f"{IMPORT_ROW_PREFIX}{row:07d}"}


def api_key_key(key_hash: str) -> Key:
    """An API key, found by the hash of the presented secret (the secret is never stored)."""
    return {"PK": f"APIKEY#{escape(key_hash)}", "SK": "APIKEY"}


def api_keys_of_owner(owner: str) -> str:
    """The GSI1 partition listing one owner's API keys."""
    return f"OWNER#{escape(owner)}#KEYS"


WEBHOOK_PREFIX = "WEBHOOK#"
DELIVERY_PREFIX = "DELIVERY#"


def webhooks_of_owner(owner: str) -> str:
    """The partition holding one owner's webhook subscriptions (at most a few items)."""
    return f"OWNER#{escape(owner)}#WEBHOOKS"


def webhook_key(owner: str, webhook_id: str) -> Key:
    return {"PK": webhooks_of_owner(owner), "SK": f"{WEBHOOK_PREFIX}{escape(webhook_id)}"}


def webhook_deliveries(webhook_id: str) -> str:
    """The partition of one subscription's delivery attempts, sorted by time."""
    return f"{WEBHOOK_PREFIX}{escape(webhook_id)}"


def webhook_delivery_key(webhook_id: str, attempted_at: str, delivery_id: str) -> Key:
    return {
        "PK": webhook_deliveries(webhook_id),
        "SK": f"{DELIVERY_PREFIX}{attempted_at}#{escape(delivery_id)}",
    }
