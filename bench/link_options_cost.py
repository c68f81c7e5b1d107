"""What a redirect of a link with rules, variants or a password costs on DynamoDB.

The same deployment on moto as bench/cost_profile.py (every DynamoDB client wrapped by
bench/capacity_meter.py), links made through the API Lambda, then followed through the
redirect Lambda with real payload-2.0 events, REQUESTS of each kind:

- plain: the typical link of cost_profile (a title, two tags), GET through the function URL;
- rules + variants: the same link with 3 rules and 2 variants, followed as an iPhone;
- password, GET: a browser asking for a password link (the form; nothing is counted);
- password, right / wrong: the form posted to `POST /api/v1/unlock/{short_id}`, which API
  Gateway hands to the API function;
- crawler: Googlebot following the plain link (counted apart, in bot_count);
- password, busy: one try of a claim that finds every attempt of the client held by checks
  in flight (decision 0106: the request waits and tries again, 10 ms doubling to 100 ms,
  for at most 10 s), measured on the attempts adapter itself.

    python -m bench.link_options_cost
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.capacity_meter import Meter, MeteredDynamoDB
from bench.cost_profile import LINK_BODY, TABLE, Deployment, _load, deployed_on_moto
from bench.item_sizes import item_size
from shortstack.adapters.dynamodb.password_attempts import DynamoDBPasswordAttempts
from shortstack.domain.passwords import WRONG_ATTEMPTS_MAX, Claim

REQUESTS = 20
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
RULES = [
    {"url": "https://www.example.com/android", "device": "android"},
    {"url": "https://www.example.com/fr", "language": "fr", "country": "BE"},
    {"url": "https://www.example.com/ios", "device": "ios"},
]
VARIANTS = [
    {"url": "https://www.example.com/a?utm_content=a", "weight": 50},
    {"url": "https://www.example.com/b?utm_content=b", "weight": 50},
]
PASSWORD = "correct horse battery"  # noqa: S105 - the benchmark link's own


def create(deployed: Deployment, **extra: Any) -> str:
    event = _load("apigw_v2_links_create.json")
    event["body"] = json.dumps({**LINK_BODY, **extra})
    created = deployed.modules["api"].handler(event, None)
    if created["statusCode"] != 201:
        raise RuntimeError(f"creating the link failed: {created}")
    short_id: str = json.loads(created["body"])["short_id"]
    return short_id


def per_request(
    deployed: Deployment, events: list[dict[str, Any]], status: int, entry: str = "redirect"
) -> dict[str, Any]:
    """Send each event to a Lambda (the redirect's by default); the meter's figures per request."""
    deployed.meter.reset()
    handler = deployed.modules[entry].handler
    for event in events:
        answer = handler(event, None)
        if answer["statusCode"] != status:
            raise RuntimeError(f"expected {status}, the redirect answered {answer}")
    return mean_of(deployed.meter, len(events))


def mean_of(meter: Meter, count: int) -> dict[str, Any]:
    """The meter's figures per request over `count` requests; the meter starts again."""
    figures = {
        "requests": {op: n / count for op, n in sorted(meter.requests.items())},
        "rru": round(meter.rru / count, 3),
        "wru": round(meter.wru / count, 3),
    }
    meter.reset()
    return figures


def busy_try(deployed: Deployment, short_id: str) -> dict[str, Any]:
    """One try of a claim that finds every attempt held by checks in flight (none wrong)."""
    metered = MeteredDynamoDB(deployed.dynamodb, deployed.dynamodb, deployed.meter)
    attempts = DynamoDBPasswordAttempts(metered, TABLE)
    window = datetime.now(UTC).replace(second=0, microsecond=0)
    held = ("client-hash", window, window + timedelta(minutes=15), WRONG_ATTEMPTS_MAX)
    for _ in range(WRONG_ATTEMPTS_MAX):
        if attempts.claim(short_id, *held) is not Claim.CLAIMED:
            raise RuntimeError("an attempt should have been free")
    deployed.meter.reset()
    for _ in range(REQUESTS):
        if attempts.claim(short_id, *held) is not Claim.BUSY:
            raise RuntimeError("every attempt is held by a check in flight: busy")
    return mean_of(deployed.meter, REQUESTS)


def get(short_id: str, **headers: str) -> dict[str, Any]:
    event = _load("lambda_url_redirect_get.json", id=short_id)
    event["headers"] = {**event["headers"], **headers}
    return event


def unlock(short_id: str, password: str, source_ip: str) -> dict[str, Any]:
    event = _load("apigw_v2_unlock_post.json", id=short_id)
    event["body"] = base64.b64encode(f"password={password}".encode()).decode()
    event["requestContext"]["http"]["sourceIp"] = source_ip
    return event


def item_bytes(deployed: Deployment, short_id: str) -> int:
    key = {"PK": {"S": f"LINK#{short_id}"}, "SK": {"S": "LINK"}}
    return item_size(deployed.dynamodb.get_item(TableName=TABLE, Key=key)["Item"])


def measure() -> dict[str, Any]:
    with deployed_on_moto() as deployed:
        plain = create(deployed)
        routed = create(deployed, rules=RULES, variants=VARIANTS)
        locked = create(deployed, password=PASSWORD)
        deployed.meter.reset()
        html = {"accept": "text/html,application/xhtml+xml"}
        results = {
            "plain": per_request(deployed, [get(plain)] * REQUESTS, 302),
            "rules + variants": per_request(
                deployed, [get(routed, **{"user-agent": IPHONE})] * REQUESTS, 302
            ),
            "password, GET (the form)": per_request(
                deployed, [get(locked, **html)] * REQUESTS, 200
            ),
            "password, right": per_request(
                deployed, [unlock(locked, PASSWORD, "198.51.100.1")] * REQUESTS, 302, "api"
            ),
            # One client per request: a client's sixth wrong one would be a 429.
            "password, wrong": per_request(
                deployed,
                [unlock(locked, "wrong guess", f"198.51.100.{n + 10}") for n in range(REQUESTS)],
                401,
                "api",
            ),
            "crawler (Googlebot)": per_request(
                deployed, [get(plain, **{"user-agent": GOOGLEBOT})] * REQUESTS, 302
            ),
            "password, busy (one try of the wait)": busy_try(deployed, locked),
        }
        sizes = {
            "plain": item_bytes(deployed, plain),
            "rules + variants": item_bytes(deployed, routed),
            "password": item_bytes(deployed, locked),
        }
    return {"per_request": results, "link_item_bytes": sizes}


def main() -> int:
    figures = measure()
    print(f"per redirect on DynamoDB (capacity_meter on moto), mean of {REQUESTS} requests\n")
    print("| request | DynamoDB calls | RRU | WRU |\n|---|---|---|---|")
    for name, row in figures["per_request"].items():
        calls = ", ".join(f"{n:g} {op}" for op, n in row["requests"].items())
        print(f"| {name} | {calls} | {row['rru']:g} | {row['wru']:g} |")
    print("\nlink item bytes (after the requests):", json.dumps(figures["link_item_bytes"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
