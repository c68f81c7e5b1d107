"""The events a committed change announces, read from real stream records (DynamoDB Local).

tests/events/ddb_stream_*.json were captured by scripts/capture_stream_events.py from the
official engine: the services ran against it, and its stream was read back as is.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shortstack.adapters.dynamodb.outbox import DERIVED_DETAIL_TYPES, StreamOutbox, UnderivableEvent
from shortstack.adapters.dynamodb.stream_events import UnreadableRecord, change_of
from shortstack.domain.events import Event
from tests.lambda_support import load_event


def events_of(fixture: str) -> list[Event]:
    return [event for record in records(fixture) for event in change_of(record).events]


def records(fixture: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = load_event(fixture)["Records"]
    return found


def test_a_link_announces_its_creation_clicks_update_and_deletion() -> None:
    found = events_of("ddb_stream_link_lifecycle.json")
    assert [event.detail_type for event in found] == [
        "LinkCreated",
        "LinkClicked",
        "LinkClicked",
        "LinkVisitedByBot",  # Googlebot: redirected, counted apart (decision 0106)
        "LinkUpdated",
        "LinkDeleted",
    ]
    created, first, second, third, updated, deleted = found
    assert created.detail["short_id"] == "launch"
    assert created.detail["owner"] == "user-7f3a9c"
    assert first.detail["referrer"] == "https://news.ycombinator.com"  # an origin, no path
    assert first.detail["country"] == "DE"
    assert len(first.detail["visitor"]) == 16
    assert "198.51.100.10" not in str(first.detail)
    assert (second.detail["referrer"], second.detail["country"]) == (None, "FR")
    assert (first.detail["rule"], first.detail["variant"]) == (None, None)
    assert third.detail["bot"] == "crawler"
    assert "visitor" not in third.detail
    assert first.time < second.time < third.time
    assert created.detail["title"] == "Launch post"
    assert created.detail["tags"] == ["launch", "newsletter"]
    assert created.detail["url"] == "https://www.example.com/blog/2026/launch?utm_source=newsletter"
    assert updated.detail["fields"] == ["is_active"]
    assert updated.detail["changes"] == {"is_active": False}
    assert deleted.detail == {"short_id": "launch", "owner": "user-7f3a9c"}


def test_a_links_records_name_its_owner_for_the_click_fold() -> None:
    changes = [change_of(record) for record in records("ddb_stream_link_lifecycle.json")]
    # A removal names the owner its old image holds, and the link it forgets.
    assert [change.owner for change in changes] == ["user-7f3a9c"] * 6
    assert [change.forgets for change in changes] == [None] * 5 + ["launch"]
    shard = copy.deepcopy(records("ddb_stream_link_lifecycle.json")[1])
    shard["dynamodb"]["NewImage"]["entity"] = {"S": "link_clicks"}
    assert change_of(shard).owner is None  # a hot link's counter shard: looked up
    shard["dynamodb"]["OldImage"] = shard["dynamodb"].pop("NewImage")
    assert (change_of(shard).owner, change_of(shard).forgets) == (None, "launch")


def test_items_users_and_imports_announce_what_their_use_cases_announce() -> None:
    found = events_of("ddb_stream_items_users_imports.json")
    assert [event.detail_type for event in found] == [
        "ItemCreated",
        "ItemUpdated",
        "ItemDeleted",
        "UserCreated",
        "UserDeleted",
        "ImportRequested",
        "LinkCreated",
        "ImportFinished",
    ]
    assert found[1].detail["fields"] == ["price"]
    assert found[3].detail == {"user_id": "ann"}
    finished = found[-1].detail
    assert (finished["status"], finished["loaded"], finished["invalid"]) == (
        "partially_succeeded",
        1,
        1,
    )


def test_every_event_a_use_case_announces_is_derived_from_the_stream() -> None:
    found = {e.detail_type for f in ("ddb_stream_link_lifecycle.json",) for e in events_of(f)}
    found |= {e.detail_type for e in events_of("ddb_stream_items_users_imports.json")}
    assert found == DERIVED_DETAIL_TYPES


def test_event_ids_are_the_same_for_every_delivery_of_a_record() -> None:
    [record] = records("ddb_stream_link_lifecycle.json")[:1]
    again = copy.deepcopy(record)
    assert [e.id for e in change_of(record).events] == [e.id for e in change_of(again).events]
    ids = [event.id for event in events_of("ddb_stream_link_lifecycle.json")]
    assert len(set(ids)) == len(ids)
    assert all(len(event_id) == 32 for event_id in ids)


def test_a_record_that_cannot_be_read_fails_instead_of_being_skipped() -> None:
    record = records("ddb_stream_link_lifecycle.json")[1]
    record["dynamodb"]["NewImage"]["visit"] = {"M": {"ref": {"S": "https://t.co"}}}  # no "at"
    with pytest.raises(UnreadableRecord):
        change_of(record)


def test_writes_that_announce_nothing_stay_silent() -> None:
    guard = records("ddb_stream_items_users_imports.json")[4]
    assert guard["dynamodb"]["Keys"]["PK"]["S"].startswith("USEREMAIL#")
    assert change_of(guard).events == ()
    stats = {
        "eventID": "e1",
        "dynamodb": {
            "Keys": {"PK": {"S": "LINK#x"}, "SK": {"S": "STATS#2026-12-01"}},
            "NewImage": {"clicks": {"N": "3"}},
            "SequenceNumber": "1",
            "ApproximateCreationDateTime": 1796167620,
        },
    }
    assert change_of(stats).events == ()


def test_the_stream_outbox_refuses_an_event_it_could_not_derive() -> None:
    outbox = StreamOutbox()
    outbox.add(events_of("ddb_stream_link_lifecycle.json"))
    with pytest.raises(UnderivableEvent, match="ApiKeyCreated"):
        outbox.add(
            [
                Event(
                    "shortstack.keys",
                    "ApiKeyCreated",
                    {},
                    events_of("ddb_stream_link_lifecycle.json")[0].time,
                )
            ]
        )
