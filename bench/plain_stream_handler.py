"""The baseline for the stream consumer: a tumbling window's records relayed by hand.

What lambda_stream does for each record, without Powertools, domain objects or the
User-Agent classification: read the images, sum a click per link and day into the
window's state, and put every other change on the bus with PutEvents, ten at a time.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

_events = boto3.client("events", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
_bus = os.environ.get("EVENT_BUS_NAME", "shortstack")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state: dict[str, int] = dict(event.get("state") or {})
    entries = []
    for record in event["Records"]:
        stream = record["dynamodb"]
        new, old = stream.get("NewImage") or {}, stream.get("OldImage") or {}
        before = int(old.get("click_count", {}).get("N", "0"))
        if "visit" in new and int(new.get("click_count", {}).get("N", "0")) == before + 1:
            key = f"{new['short_id']['S']}#{new['visit']['M']['at']['S'][:10]}"
            state[key] = state.get(key, 0) + 1
            continue
        entries.append(
            {
                "Source": "shortstack.links",
                "DetailType": record["eventName"],
                "Detail": json.dumps({"keys": stream["Keys"]}),
                "EventBusName": _bus,
            }
        )
    for start in range(0, len(entries), 10):
        _events.put_events(Entries=entries[start : start + 10])
    return {"batchItemFailures": [], "state": state}
