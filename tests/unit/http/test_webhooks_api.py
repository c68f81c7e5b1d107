"""Webhooks through HTTP, and a real delivery to a receiver on 127.0.0.1 (AUTH_MODE=none)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook as Verifier

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.clock import utc_now
from shortstack.domain.events import Event
from shortstack.domain.webhooks import DISABLE_AFTER_FAILURES, DISABLE_AFTER_SPAN
from shortstack.entrypoints.http.app import create_app
from tests.conftest import dispatcher_for, settings_for
from tests.webhook_support import Receiver, webhook_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Container]:
    # Backoff 0: a failed event is visible again at once, so a drain sees every attempt.
    container = bootstrap(
        settings_for("sqlite", tmp_path, events_backoff_base_s=0, webhook_timeout_s=1)
    )
    yield container
    container.close()


@pytest.fixture
def api(local: Container) -> Iterator[TestClient]:
    with TestClient(create_app(local)) as client:
        yield client


def subscribe(api: TestClient, url: str, events: list[str]) -> dict[str, Any]:
    created = api.post("/api/v1/webhooks", json={"url": url, "events": events})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def act(api: TestClient, hook: dict[str, Any], action: str) -> dict[str, Any]:
    """POST one of a webhook's actions (`secret`, `test`); its 200 answer."""
    answer = api.post(f"/api/v1/webhooks/{hook['webhook_id']}/{action}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def failing_on_a_new_link(api: TestClient, receiver: Receiver) -> dict[str, Any]:
    """The receiver answers 500; it is subscribed to LinkCreated and a link is made."""
    receiver.status = 500
    hook = subscribe(api, receiver.url, ["LinkCreated"])
    api.post("/api/v1/links", json={"url": "https://example.com/x"})
    return hook


def test_a_real_delivery_over_http_verifies_with_the_secret(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    hook = subscribe(api, receiver.url, ["LinkCreated", "LinkClicked"])
    assert hook["secret"].startswith("whsec_")
    link = api.post("/api/v1/links", json={"url": "https://example.com/landing"}).json()
    assert api.get(f"/{link['short_id']}", follow_redirects=False).status_code == 302
    dispatcher_for(local).drain()

    assert [r.path for r in receiver.requests] == ["/hooks/in", "/hooks/in"]
    kinds = []
    for request in receiver.requests:
        payload = Verifier(hook["secret"]).verify(request.body, request.headers)
        assert payload["data"]["short_id"] == link["short_id"]
        kinds.append(payload["type"])
        assert request.headers["content-type"] == "application/json"
    assert kinds == ["LinkCreated", "LinkClicked"]
    tampered = receiver.requests[0].body.replace(b"landing", b"landinG")
    with pytest.raises(Exception, match="signature"):
        Verifier(hook["secret"]).verify(tampered, receiver.requests[0].headers)

    deliveries = api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").json()
    assert [(d["event_type"], d["ok"], d["status_code"]) for d in deliveries] == [
        ("LinkClicked", True, 204),
        ("LinkCreated", True, 204),
    ]


def test_a_failing_receiver_is_retried_then_dead_lettered(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    hook = failing_on_a_new_link(api, receiver)
    dispatcher_for(local).drain()

    attempts = local.settings.events_max_attempts
    assert len(receiver.requests) == attempts
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert local.event_queue is not None
    [letter] = local.event_queue.dead_letters()
    assert "WebhookDeliveryFailed" in letter.last_error
    deliveries = api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").json()
    assert [d["status_code"] for d in deliveries] == [500] * attempts
    assert not any(d["ok"] for d in deliveries)

    # The receiver is fixed; `shortstack dlq replay` sends the letter again, same id.
    receiver.status = 204
    assert local.event_queue.replay(letter.event.id) == 1
    dispatcher_for(local).drain()
    assert len(receiver.requests) == attempts + 1
    assert receiver.requests[-1].headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]
    assert local.event_queue.dead_letters() == []
    latest = api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").json()[0]
    assert (latest["ok"], latest["status_code"]) == (True, 204)


def test_a_replayed_or_late_event_reaches_only_subscriptions_older_than_it(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    """Through the local queue and its dead letters: an event made before a subscription
    is never news to it, whether it waited in the queue or was replayed from the DLQ."""
    receiver.status = 500
    subscribe(api, receiver.url, ["LinkCreated"])
    api.post("/api/v1/links", json={"url": "https://example.com/dead"})
    dispatcher_for(local).drain()
    assert local.event_queue is not None
    [letter] = local.event_queue.dead_letters()
    api.post("/api/v1/links", json={"url": "https://example.com/waiting"})  # not yet sent
    with webhook_receiver() as later:
        late = subscribe(api, later.url, ["LinkCreated"])
        receiver.status = 204
        assert local.event_queue.replay(letter.event.id) == 1
        dispatcher_for(local).drain()
        assert later.requests == []
        assert api.get(f"/api/v1/webhooks/{late['webhook_id']}/deliveries").json() == []
        sent = [json.loads(r.body)["data"]["url"] for r in receiver.requests if r.body]
        assert sorted(sent[-2:]) == ["https://example.com/dead", "https://example.com/waiting"]
        api.post("/api/v1/links", json={"url": "https://example.com/new"})
        dispatcher_for(local).drain()
        assert [json.loads(r.body)["data"]["url"] for r in later.requests] == [
            "https://example.com/new"
        ]


def test_two_receivers_that_each_answer_within_the_budget_both_get_the_event(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    """Found by the outsider pass (fails before the fix): sent one after the other, the
    first receiver's 0.7 s left the second 0.3 s of the 1 s budget, on every retry in the
    same order, so the second never had the event and it was dead-lettered."""
    with webhook_receiver() as second:
        receiver.delay_s = second.delay_s = 0.7
        hooks = [subscribe(api, r.url, ["LinkCreated"]) for r in (receiver, second)]
        api.post("/api/v1/links", json={"url": "https://example.com/x"})
        dispatcher_for(local).drain()
        assert local.event_queue is not None
        assert local.event_queue.dead_letters() == []
        for hook in hooks:
            shown = api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").json()
            assert [(d["ok"], d["status_code"]) for d in shown] == [(True, 204)]


def test_a_slow_receiver_is_cut_off_at_the_time_budget(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    receiver.delay_s = 5
    hook = subscribe(api, receiver.url, ["LinkCreated"])
    api.post("/api/v1/links", json={"url": "https://example.com/x"})
    assert local.event_queue is not None
    dispatcher_for(local).run_once()
    [delivery] = api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").json()
    assert not delivery["ok"]
    assert delivery["duration_ms"] < 2500  # the budget is 1 s here


def test_a_failing_receiver_never_keeps_a_click_out_of_the_stats(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    receiver.status = 500
    subscribe(api, receiver.url, ["LinkClicked"])
    short_id = api.post("/api/v1/links", json={"url": "https://example.com/x"}).json()["short_id"]
    for _ in range(3):
        assert api.get(f"/{short_id}", follow_redirects=False).status_code == 302
    dispatcher_for(local).drain()
    assert local.event_queue is not None
    assert len(local.event_queue.dead_letters()) == 3  # no click reached the receiver
    assert api.get(f"/api/v1/links/{short_id}/stats").json()["clicks"] == 3

    receiver.status = 204  # fixed: the replayed clicks reach it and are not counted twice
    assert local.event_queue.replay() == 3
    dispatcher_for(local).drain()
    assert len(receiver.requests) == 3 * local.settings.events_max_attempts + 3
    assert api.get(f"/api/v1/links/{short_id}/stats").json()["clicks"] == 3


def attempts_waiting(container: Container) -> list[int]:
    """The receives each event still in the SQLite queue has had, oldest event first."""
    assert container.event_queue is not None
    conn = container.event_queue._db.connection()
    rows = conn.execute("SELECT attempts FROM event_queue ORDER BY seq").fetchall()
    return [row["attempts"] for row in rows]


def test_a_receiver_that_timed_out_rests_while_its_events_wait_with_their_attempts(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = settings_for(
        "sqlite", tmp_path, events_backoff_base_s=0, webhook_timeout_s=0.3, webhook_rest_s=2
    )
    local = bootstrap(settings)
    try:
        with TestClient(create_app(local)) as api:
            receiver.delay_s = 3
            subscribe(api, receiver.url, ["LinkCreated"])
            for n in range(4):
                api.post("/api/v1/links", json={"url": f"https://example.com/{n}"})
            dispatcher = dispatcher_for(local)
            assert dispatcher.run_once() == 4
            # One delivery ran out of time; the other three did not wait for the same answer.
            assert len(receiver.requests) == 1
            assert attempts_waiting(local) == [1, 0, 0, 0]
            dispatcher.drain()  # the failed one is due again at once: it waits for the rest too
            assert len(receiver.requests) == 1
            assert attempts_waiting(local) == [1, 0, 0, 0]

            receiver.delay_s = 0
            time.sleep(2.1)
            dispatcher.drain()
            assert len(receiver.requests) == 5
            assert attempts_waiting(local) == []
            assert local.event_queue is not None
            assert local.event_queue.dead_letters() == []
    finally:
        local.close()


def test_revoking_stops_deliveries(api: TestClient, local: Container, receiver: Receiver) -> None:
    hook = subscribe(api, receiver.url, ["LinkCreated"])
    assert api.delete(f"/api/v1/webhooks/{hook['webhook_id']}").status_code == 204
    api.post("/api/v1/links", json={"url": "https://example.com/x"})
    dispatcher_for(local).drain()
    assert receiver.requests == []
    assert api.get("/api/v1/webhooks").json() == []
    assert api.delete(f"/api/v1/webhooks/{hook['webhook_id']}").status_code == 404
    assert api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").status_code == 404


def test_the_list_never_shows_secrets(api: TestClient, receiver: Receiver) -> None:
    hook = subscribe(api, receiver.url, ["LinkCreated"])
    listed = api.get("/api/v1/webhooks").json()
    assert [h["webhook_id"] for h in listed] == [hook["webhook_id"]]
    assert hook["secret"] not in json.dumps(listed)
    one = api.get(f"/api/v1/webhooks/{hook['webhook_id']}").json()
    assert "secret" not in one


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "https://example.com/in"},
        {"url": "https://example.com/in", "events": []},
        {"url": "https://example.com/in", "events": ["ItemCreated"]},
        {"url": "https://example.com/in", "events": "LinkCreated"},
        {"url": "ftp://example.com/in", "events": ["LinkCreated"]},
        {"url": "https://user:pw@example.com/in", "events": ["LinkCreated"]},
        {"url": "https://example.com/\u0000", "events": ["LinkCreated"]},
        {"url": "https://" + "a" * 3000, "events": ["LinkCreated"]},
        {"url": "https://example.com/in", "events": ["LinkCreated"], "secret": "mine"},
        {"url": 5, "events": ["LinkCreated"]},
    ],
)
def test_bad_bodies_are_4xx_with_a_message(api: TestClient, body: Any) -> None:
    response = api.post("/api/v1/webhooks", json=body)
    assert 400 <= response.status_code < 500
    assert response.json()["message"]
    assert api.get("/api/v1/webhooks").json() == []


def test_a_receiver_that_is_not_running_is_said_so_in_the_api_and_the_dead_letter(
    api: TestClient, local: Container
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now
    hook = subscribe(api, f"http://127.0.0.1:{port}/in", ["LinkCreated"])
    sentence = f"127.0.0.1:{port} refused the connection: is the receiver running and on that port?"
    assert act(api, hook, "test")["error"] == sentence
    api.post("/api/v1/links", json={"url": "https://example.com/x"})
    dispatcher_for(local).drain()
    shown = api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").json()
    assert {(d["status_code"], d["error"]) for d in shown} == {(None, sentence)}
    assert local.event_queue is not None
    [letter] = local.event_queue.dead_letters()
    assert letter.last_error.endswith(f"the first: {sentence}")


def test_a_failed_delivery_is_redelivered_on_asking_and_linked_to_the_first(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    hook = failing_on_a_new_link(api, receiver)
    dispatcher_for(local).run_once()
    base = f"/api/v1/webhooks/{hook['webhook_id']}/deliveries"
    [first] = api.get(base).json()
    assert (first["ok"], first["redeliverable"], first["redelivery_of"]) == (False, True, None)
    receiver.status = 204
    answer = api.post(f"{base}/{first['delivery_id']}/redeliver")
    assert answer.status_code == 200, answer.text
    again = answer.json()
    assert (again["ok"], again["status_code"], again["redelivery_of"]) == (
        True,
        204,
        first["delivery_id"],
    )
    sent, resent = receiver.requests
    assert resent.body == sent.body
    assert Verifier(hook["secret"]).verify(resent.body, resent.headers)["type"] == "LinkCreated"
    assert [d["delivery_id"] for d in api.get(base).json()] == [
        again["delivery_id"],
        first["delivery_id"],
    ]
    assert api.post(f"{base}/nope/redeliver").status_code == 404
    elsewhere = f"/api/v1/webhooks/nope/deliveries/{first['delivery_id']}/redeliver"
    assert api.post(elsewhere).status_code == 404
    # An attempt recorded by a version that kept no body cannot be sent again: 410, said why.
    kept = local.webhooks.webhooks.deliveries(hook["webhook_id"], 1)[0]
    local.webhooks.webhooks.record_delivery(replace(kept, delivery_id="old", payload=None))
    gone = api.post(f"{base}/old/redeliver")
    assert gone.status_code == 410
    assert "its event was not kept" in gone.json()["message"]
    assert len(receiver.requests) == 2


def test_a_webhook_worn_out_by_failures_is_shown_off_and_patched_on_again(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    """Through the local queue: the failure that wears it out turns it off, and the event's
    retries then go nowhere instead of to the dead letters."""
    hook = failing_on_a_new_link(api, receiver)
    path = f"/api/v1/webhooks/{hook['webhook_id']}"
    day_ago = utc_now() - DISABLE_AFTER_SPAN
    for _ in range(DISABLE_AFTER_FAILURES):  # an earlier day of failures
        local.webhooks.webhooks.count_failure("local", hook["webhook_id"], day_ago)
    assert api.get(path).json()["failures"] == DISABLE_AFTER_FAILURES
    dispatcher_for(local).drain()
    off = api.get(path).json()
    assert (off["active"], off["failures"]) == (False, DISABLE_AFTER_FAILURES + 1)
    assert off["disabled_reason"].startswith("turned off after 21 failed deliveries in a row")
    last = "the receiver answered 500 Internal Server Error: it failed while handling"
    assert f"the last: {last}" in off["disabled_reason"]
    assert len(receiver.requests) == 1
    assert local.event_queue is not None
    assert local.event_queue.dead_letters() == []
    assert api.get("/api/v1/webhooks").json()[0]["active"] is False

    assert api.patch(path, json={"active": None}).status_code == 422
    receiver.status = 204
    on = api.patch(path, json={"active": True})
    assert on.status_code == 200, on.text
    assert {k: on.json()[k] for k in ("active", "disabled_reason", "disabled_at", "failures")} == {
        "active": True,
        "disabled_reason": None,
        "disabled_at": None,
        "failures": 0,
    }
    api.post("/api/v1/links", json={"url": "https://example.com/y"})
    dispatcher_for(local).drain()
    assert len(receiver.requests) == 2
    manual = api.patch(path, json={"active": False}).json()
    assert (manual["active"], manual["disabled_reason"]) == (False, "turned off by its owner")


def test_link_events_carry_the_links_facts_and_old_shaped_ones_still_go_out(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    hook = subscribe(api, receiver.url, ["LinkCreated", "LinkUpdated"])
    made = {"url": "https://example.com/x", "alias": "launch", "title": "Launch", "tags": ["a"]}
    assert api.post("/api/v1/links", json=made).status_code == 201
    changed = api.patch("/api/v1/links/launch", json={"title": "Launch day", "is_active": False})
    assert changed.status_code == 200, changed.text
    # Queued by a version before these facts: a receiver gets the keys it has.
    before = utc_now().isoformat().replace("+00:00", "Z")
    old_shapes = [
        {"short_id": "launch", "owner": "local", "url": made["url"], "expires_at": None},
        {"short_id": "launch", "owner": "local", "fields": ["url"]},
    ]
    assert local.event_queue is not None
    kinds = ["LinkCreated", "LinkUpdated"]
    local.event_queue.publish(
        [
            Event.from_dict(
                {"id": f"old{n}", "source": "shortstack.links", "time": before, "detail": detail}
                | {"detail-type": kinds[n]}
            )
            for n, detail in enumerate(old_shapes)
        ]
    )
    dispatcher_for(local).drain()
    assert local.event_queue.dead_letters() == []
    got = [Verifier(hook["secret"]).verify(r.body, r.headers) for r in receiver.requests]
    assert [(g["type"], {k: v for k, v in g["data"].items() if k != "event_id"}) for g in got] == [
        (
            "LinkCreated",
            {
                "short_id": "launch",
                "owner": "local",
                "url": "https://example.com/x",
                "expires_at": got[0]["data"]["expires_at"],
                "title": "Launch",
                "tags": ["a"],
            },
        ),
        (
            "LinkUpdated",
            {
                "short_id": "launch",
                "owner": "local",
                "fields": ["is_active", "title"],
                "changes": {"is_active": False, "title": "Launch day"},
            },
        ),
        ("LinkCreated", old_shapes[0]),
        ("LinkUpdated", old_shapes[1]),
    ]


def test_unknown_ids_are_404(api: TestClient) -> None:
    assert api.get("/api/v1/webhooks/nope").status_code == 404
    assert api.get("/api/v1/webhooks/nope/deliveries").status_code == 404
    assert api.delete("/api/v1/webhooks/nope").status_code == 404


def test_in_jwt_mode_another_callers_webhook_is_404_and_never_listed(tmp_path: Path) -> None:
    from tests.auth_support import bearer, jwt_mode_client, token
    from tests.webhook_support import ScriptedTransport

    transport = ScriptedTransport(names={"hooks.example.com": ["93.184.215.14"]})
    alice, bob = bearer(token("alice")), bearer(token("bob"))
    with jwt_mode_client(tmp_path, webhook_transport=transport) as api:
        body = {"url": "https://hooks.example.com/in", "events": ["LinkCreated"]}
        created = api.post("/api/v1/webhooks", json=body, headers=alice)
        assert created.status_code == 201, created.text
        hook = created.json()["webhook_id"]
        for method, path in [
            ("GET", f"/api/v1/webhooks/{hook}"),
            ("GET", f"/api/v1/webhooks/{hook}/deliveries"),
            ("DELETE", f"/api/v1/webhooks/{hook}"),
        ]:
            assert api.request(method, path, headers=bob).status_code == 404, path
        assert api.get("/api/v1/webhooks", headers=bob).json() == []
        assert [h["webhook_id"] for h in api.get("/api/v1/webhooks", headers=alice).json()] == [
            hook
        ]
        # Outside AUTH_MODE=none: plain http and private addresses are refused with a 422.
        for url in ("http://hooks.example.com/in", "https://127.0.0.1/in", "https://[::1]/"):
            refused = api.post("/api/v1/webhooks", json={**body, "url": url}, headers=alice)
            assert refused.status_code == 422, url
            assert refused.json()["detail"][0]["loc"] == ["body", "url"]


def test_the_documented_url_pattern_says_https_where_plain_http_is_refused(
    tmp_path: Path, api: TestClient
) -> None:
    """Schemathesis against a jwt-mode server sent `http://...`, which the document's pattern
    offered, and got the 422 for plain http: the pattern follows the setting that decides."""
    import re

    from tests.auth_support import jwt_mode_client

    def pattern(client: TestClient, body: str) -> re.Pattern[str]:
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        return re.compile(schema[body]["properties"]["url"]["pattern"])

    # A PATCH's url is checked as at registration, so its pattern is the create's: with the
    # single-line pattern instead, schemathesis sent {"url": "0"} and got the scheme's 422.
    for body in ("WebhookCreate", "WebhookUpdate"):
        with jwt_mode_client(tmp_path / f"jwt-{body}") as jwt_api:
            refusing = pattern(jwt_api, body)
        assert refusing.search("https://hooks.example.com/in")
        assert refusing.search(" HTTPS://hooks.example.com/in ")
        assert not refusing.search("http://hooks.example.com/in")
        laptop = pattern(api, body)  # AUTH_MODE=none on a local stage takes plain http too
        assert laptop.search("http://127.0.0.1:9000/in")
        assert laptop.search("https://hooks.example.com/in")
        assert not laptop.search("0")


def test_a_rotated_secret_is_shown_once_and_both_verify_meanwhile(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    hook = subscribe(api, receiver.url, ["LinkCreated"])
    body = act(api, hook, "secret")
    assert body["webhook_id"] == hook["webhook_id"]
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != hook["secret"]
    assert body["previous_secret_until"].endswith("Z")
    assert body["secret"] not in json.dumps(api.get("/api/v1/webhooks").json())
    api.post("/api/v1/links", json={"url": "https://example.com/x"})
    dispatcher_for(local).drain()
    [request] = receiver.requests
    for secret in (hook["secret"], body["secret"]):
        assert Verifier(secret).verify(request.body, request.headers)["type"] == "LinkCreated"
    assert api.post("/api/v1/webhooks/nope/secret").status_code == 404


def test_a_test_event_reaches_the_receiver_at_once_and_answers_its_outcome(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    hook = subscribe(api, receiver.url, ["ImportFinished"])
    sent = act(api, hook, "test")
    assert (sent["ok"], sent["status_code"]) == (True, 204)
    [request] = receiver.requests
    assert Verifier(hook["secret"]).verify(request.body, request.headers)["type"] == "WebhookTest"
    receiver.status = 500
    failed = act(api, hook, "test")
    assert (failed["ok"], failed["status_code"], failed["error"]) == (
        False,
        500,
        "the receiver answered 500 Internal Server Error: it failed while handling the delivery;"
        " see the receiver's logs",
    )
    dispatcher_for(local).drain()
    assert len(receiver.requests) == 2  # a test is never retried
    assert local.event_queue is not None
    assert local.event_queue.dead_letters() == []
    assert api.post("/api/v1/webhooks/nope/test").status_code == 404


def test_a_name_rebound_to_loopback_after_subscribing_reaches_nothing(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding through the real transport: the name is public at subscribe time and
    resolves to the receiver's 127.0.0.1 at delivery; the delivery is refused, not sent."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])
    answers = {"rebind.example": "93.184.215.14"}
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    settings = settings_for(
        "sqlite", tmp_path, events_backoff_base_s=0, webhooks_refuse_private_addresses=True
    )
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            hook = subscribe(client, f"http://rebind.example:{port}/hooks/in", ["LinkCreated"])
            answers["rebind.example"] = "127.0.0.1"
            client.post("/api/v1/links", json={"url": "https://example.com/x"})
            dispatcher_for(container).drain()
            assert receiver.requests == []
            shown = client.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries").json()
            assert {d["error"] for d in shown} == {
                "address refused: rebind.example resolves to 127.0.0.1, a private, loopback or "
                "link-local address, which deliveries may not reach"
            }
            assert act(client, hook, "test")["status_code"] is None
            assert receiver.requests == []
    finally:
        container.close()


def test_a_patch_changes_events_and_url_and_keeps_the_secret(
    api: TestClient, local: Container, receiver: Receiver
) -> None:
    hook = subscribe(api, receiver.url, ["LinkDeleted"])
    path = f"/api/v1/webhooks/{hook['webhook_id']}"
    changed = api.patch(path, json={"events": ["LinkCreated"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["events"], changed.json()["url"]) == (["LinkCreated"], receiver.url)
    assert "secret" not in changed.json()
    moved = receiver.url.replace("/hooks/in", "/hooks/moved")
    assert api.patch(path, json={"url": moved}).json()["url"] == moved
    api.post("/api/v1/links", json={"url": "https://example.com/x"})
    dispatcher_for(local).drain()
    [request] = receiver.requests
    assert request.path == "/hooks/moved"
    assert Verifier(hook["secret"]).verify(request.body, request.headers)["type"] == "LinkCreated"
    for bad in ({"url": "ftp://x.example/"}, {"events": []}, {"events": None}, {"nope": 1}):
        answer = api.patch(path, json=bad)
        assert answer.status_code == 422, (bad, answer.text)
    assert api.patch("/api/v1/webhooks/nope", json={"events": ["LinkCreated"]}).status_code == 404
