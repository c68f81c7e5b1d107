"""What a write leaves on its item for the stream consumer, which derives the events from it.

- A click SETs `visit`, one small map of the click's facts, replacing the whole
  map, so the stream's new image carries exactly this click's facts and never a
  previous one's. Short keys keep a typical link item under 1 KB, one WRU per
  click (docs/decisions/0105-the-click-path-on-aws.md has the sizes). The facts
  redirect rules read (languages, query digests, the A/B spin) ride along, so the
  consumer finds the rule or variant the redirect chose (decision 0106). A
  crawler's visit SETs `visit` too, with its `bot` kind, next to `bot_count`.
- An update of an item or a link SETs `changed_fields`, the names the Updated
  event lists (the request's fields, as the local runtime announces them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.visits import Click

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

CLICKS = "click_count"
BOTS = "bot_count"  # a crawler's visit counts here instead (decision 0106)
VISIT = "visit"
# What an update of an item or a link changed, for the stream consumer's Updated events.
CHANGED = "changed_fields"
_FIELDS = (("ref", "referrer"), ("ua", "user_agent"), ("cc", "country"), ("who", "visitor"))


def visit_attribute(click: Click) -> AttributeValueTypeDef:
    """The `visit` map in DynamoDB's wire format; absent facts are left out."""
    value: dict[str, AttributeValueTypeDef] = {
        "at": {"S": to_iso(click.at)},
        "sp": {"N": str(click.spin)},
    }
    for key, name in _FIELDS:
        fact = getattr(click, name)
        if fact:
            value[key] = {"S": fact}
    if click.languages:
        value["lg"] = {"S": ",".join(click.languages)}
    if click.query_digests:
        value["qd"] = {"S": ",".join(click.query_digests)}
    if click.bot:
        value["bot"] = {"S": click.bot}
    return {"M": value}


def click_of(visit: Mapping[str, Any]) -> Click:
    """The Click a `visit` map holds (plain values); KeyError/ValueError when malformed."""
    values = {name: str(visit[key]) for key, name in _FIELDS if key in visit}
    return Click(
        from_iso(str(visit["at"])),
        values.get("referrer"),
        values.get("user_agent"),
        values.get("country"),
        values.get("visitor"),
        languages=tuple(str(visit["lg"]).split(",")) if visit.get("lg") else (),
        query_digests=tuple(str(visit["qd"]).split(",")) if visit.get("qd") else (),
        spin=int(visit.get("sp", 0)),
        bot=str(visit["bot"]) if visit.get("bot") else None,
    )
