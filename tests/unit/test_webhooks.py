"""Signed webhooks at the service layer: subscriptions, SSRF refusals, signed deliveries."""

from __future__ import annotations

import ipaddress
import json
import ssl
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks import Webhook as Verifier

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain import events
from shortstack.domain.clock import utc_now
from shortstack.domain.errors import InvalidInput, UnsafeUrl
from shortstack.domain.link_fields import TAGS_MAX, TITLE_MAX_LENGTH
from shortstack.domain.links import create_link
from shortstack.domain.visits import Click
from shortstack.domain.webhook_failures import HostNotFound, NotHttp
from shortstack.domain.webhooks import (
    DISABLE_AFTER_FAILURES,
    DISABLE_AFTER_SPAN,
    MAX_WEBHOOKS_PER_OWNER,
    PAYLOAD_KEPT_MAX,
    PREVIOUS_SECRET_KEPT,
    URL_MAX_LENGTH,
    Delivery,
    DeliveryNotFound,
    NotRedeliverable,
    RefusedAddress,
    TooManyWebhooks,
    WebhookNotFound,
    check_target,
    refused,
)
from shortstack.service_layer.events import Deferred
from shortstack.service_layer.webhooks import (
    LOCAL_DISPATCHER,
    DeliveryRuntime,
    WebhookDeliveryFailed,
    sqs_lambda,
)
from tests.conftest import settings_for
from tests.webhook_support import ScriptedTransport

RECEIVER = "https://hooks.example.com/in"


def created(short_id: str, owner: str, at: datetime) -> events.Event:
    """The LinkCreated of a link to https://example.com/ made at `at`."""
    link = create_link(
        short_id=short_id, owner=owner, url="https://example.com/", now=at, expires_at=None
    )
    return events.link_created(link)


def container_for(
    transport: ScriptedTransport, runtime: DeliveryRuntime = LOCAL_DISPATCHER, **settings: object
) -> Container:
    # The wall clock: receivers refuse a signature more than five minutes off their own time.
    return bootstrap(
        settings_for("memory", Path("/nonexistent"), **settings),
        webhook_transport=transport,
        webhook_runtime=runtime,
    )


def on_lambda(transport: ScriptedTransport, seconds_left: float) -> Container:
    """The events Lambda's container, its invocation having `seconds_left`."""
    runtime = sqs_lambda(lambda: seconds_left)
    return container_for(transport, runtime, webhooks_refuse_private_addresses=True)


@pytest.fixture
def transport() -> ScriptedTransport:
    return ScriptedTransport(names={"hooks.example.com": ["93.184.215.14"]})


@pytest.fixture
def jwt_like(transport: ScriptedTransport) -> Container:
    """Private addresses refused and https only, as in every deployed mode."""
    return container_for(transport, webhooks_refuse_private_addresses=True)


def test_the_specifications_example_signature_is_what_we_sign_with() -> None:
    """The Standard Webhooks specification's documented example, through the package we use."""
    signer = Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    signature = signer.sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        datetime.fromtimestamp(1614265330, UTC),
        '{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "64:ff9b::a9fe:a9fe",
        "224.0.0.1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address: str) -> None:
    assert refused(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible (deprecated ::/96), routed to IPv4 where sit0 is up
        "::10.0.0.1",
        "::ffff:0:7f00:1",  # SIIT's IPv4-translated form
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of the metadata endpoint
        "64:ff9b:1::a00:1",  # NAT64's local-use prefix (RFC 8215)
        "fec0::1",  # site-local, deprecated but still private
    ],
)
def test_ipv6_forms_that_embed_or_reach_a_private_address_are_refused(address: str) -> None:
    """Found by the outsider pass: Python 3.11's is_global calls all of these global."""
    assert refused(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["2002:5db8:d70e::1", "64:ff9b::5db8:d70e"])
def test_ipv6_forms_that_embed_a_public_address_pass(address: str) -> None:
    assert not refused(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address: str) -> None:
    assert not refused(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",
        "ftp://hooks.example.com/in",
        "https://user:pw@hooks.example.com/in",
        "https:///nohost",
        "https://hooks.example.com/in with space",
        "https://hooks.example.com:0/",
        "https://hooks.example.com:99999/",
        "https://exämple.com/",
        "https://" + "a" * 2100 + ".com/",
    ],
)
def test_malformed_or_plain_http_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_target(url, allow_http=False)


def test_plain_http_is_allowed_only_when_asked() -> None:
    assert check_target("http://127.0.0.1:9/x", allow_http=True) == "http://127.0.0.1:9/x"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/in",
        "https://10.1.2.3/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/in",
        "https://internal.example.com/in",
        "https://unknown.example.com/in",
    ],
)
def test_registration_refuses_private_targets_after_resolution(
    jwt_like: Container, transport: ScriptedTransport, url: str
) -> None:
    transport.names["internal.example.com"] = ["93.184.215.14", "10.0.0.7"]
    with pytest.raises(RefusedAddress):
        jwt_like.webhooks.create("alice", url, ["LinkCreated"])
    assert jwt_like.webhooks.list("alice") == []


def test_the_local_mode_allows_a_receiver_on_the_same_machine(transport: ScriptedTransport) -> None:
    local = container_for(transport)
    hook = local.webhooks.create("alice", "http://127.0.0.1:8123/in", ["LinkCreated"])
    assert hook.url == "http://127.0.0.1:8123/in"
    refusing = container_for(transport, webhooks_refuse_private_addresses=True)
    with pytest.raises(RefusedAddress):
        refusing.webhooks.create("alice", "http://127.0.0.1:8123/in", ["LinkCreated"])


def test_plain_http_and_private_addresses_follow_the_auth_mode() -> None:
    local = settings_for("memory", Path("/nonexistent"))
    assert (local.webhooks_allow_http, local.webhooks_refuse_private) == (True, False)
    deployed = local.model_copy(update={"auth_mode": "jwt"})
    assert (deployed.webhooks_allow_http, deployed.webhooks_refuse_private) == (False, True)
    overridden = local.model_copy(update={"webhooks_refuse_private_addresses": True})
    assert overridden.webhooks_refuse_private
    on_aws = local.model_copy(update={"stage": "aws"})
    assert (on_aws.webhooks_allow_http, on_aws.webhooks_refuse_private) == (False, True)


def test_event_types_are_checked(jwt_like: Container) -> None:
    with pytest.raises(InvalidInput):
        jwt_like.webhooks.create("alice", RECEIVER, [])
    with pytest.raises(InvalidInput):
        jwt_like.webhooks.create("alice", RECEIVER, ["ItemCreated"])


def test_the_secret_is_a_standard_webhooks_secret(jwt_like: Container) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated", "LinkCreated"])
    assert hook.secret.startswith("whsec_")
    Verifier(hook.secret)  # decodes
    assert hook.events == ("LinkCreated",)


def test_each_owner_sees_and_revokes_only_their_own(jwt_like: Container) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated"])
    assert [h.webhook_id for h in jwt_like.webhooks.list("alice")] == [hook.webhook_id]
    assert jwt_like.webhooks.list("bob") == []
    for call in (jwt_like.webhooks.get, jwt_like.webhooks.revoke, jwt_like.webhooks.deliveries):
        with pytest.raises(WebhookNotFound):
            call("bob", hook.webhook_id)
    jwt_like.webhooks.revoke("alice", hook.webhook_id)
    assert jwt_like.webhooks.list("alice") == []


def test_an_owner_has_a_bounded_number_of_webhooks(jwt_like: Container) -> None:
    for _ in range(MAX_WEBHOOKS_PER_OWNER):
        jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated"])
    with pytest.raises(TooManyWebhooks):
        jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated"])


def test_a_delivery_is_signed_and_verifies_with_the_secret(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated"])
    event = created("abc1234", "alice", utc_now())
    jwt_like.events.handle(event)
    [(url, address, headers, body)] = transport.posts
    assert (url, str(address)) == (RECEIVER, "93.184.215.14")
    assert headers["webhook-id"] == f"msg_{event.id}_{hook.webhook_id}"
    payload = Verifier(hook.secret).verify(body, headers)
    assert payload["type"] == "LinkCreated"
    assert payload["data"]["short_id"] == "abc1234"
    [delivery] = jwt_like.webhooks.deliveries("alice", hook.webhook_id)
    assert (delivery.ok, delivery.status_code, delivery.error) == (True, 200, None)


def with_a_clock(transport: ScriptedTransport) -> tuple[Container, list[datetime]]:
    """A deployed mode's container whose clock reads `clock[0]`, set by the test."""
    clock = [utc_now()]
    container = bootstrap(
        settings_for("memory", Path("/nonexistent"), webhooks_refuse_private_addresses=True),
        webhook_transport=transport,
        clock=lambda: clock[0],
    )
    return container, clock


def test_after_a_rotation_both_secrets_verify_for_a_day_then_only_the_new_one(
    transport: ScriptedTransport,
) -> None:
    container, clock = with_a_clock(transport)
    old = container.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    new = container.webhooks.rotate_secret("alice", old.webhook_id)
    assert new.secret != old.secret
    assert new.secret.startswith("whsec_")
    assert new.previous_until == clock[0] + PREVIOUS_SECRET_KEPT
    container.events.handle(events.link_deleted("a1", "alice", clock[0]))
    [(_, _, headers, body)] = transport.posts
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old.secret, new.secret):
        assert Verifier(secret).verify(body, headers)["type"] == "LinkDeleted"

    clock[0] += PREVIOUS_SECRET_KEPT
    container.events.handle(events.link_deleted("a2", "alice", clock[0]))
    headers, body = transport.posts[-1][2], transport.posts[-1][3]
    # Compared, not verified: the clock here is a day ahead of the wall's.
    signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    by_new = Verifier(new.secret).sign(headers["webhook-id"], signed_at, body.decode())
    assert headers["webhook-signature"] == by_new


def test_a_failed_delivery_is_sent_again_on_asking_signed_anew_and_linked_to_the_first(
    transport: ScriptedTransport,
) -> None:
    container, clock = with_a_clock(transport)
    hook = container.webhooks.create("alice", RECEIVER, ["LinkCreated"])
    event = created("abc1234", "alice", clock[0])
    transport.status = 503
    with pytest.raises(WebhookDeliveryFailed):
        container.events.handle(event)
    [first] = container.webhooks.deliveries("alice", hook.webhook_id)
    transport.status = 200
    clock[0] += timedelta(minutes=10)
    rotated = container.webhooks.rotate_secret("alice", hook.webhook_id)
    again = container.webhooks.redeliver("alice", hook.webhook_id, first.delivery_id)
    assert (again.ok, again.status_code, again.redelivery_of) == (True, 200, first.delivery_id)
    assert (again.event_id, again.message_id) == (first.event_id, first.message_id)
    (_, _, sent_first, body_first), (_, _, headers, body) = transport.posts
    assert body == body_first  # the same event, timestamp and all
    assert headers["webhook-id"] == sent_first["webhook-id"]  # which receivers dedupe on
    assert int(headers["webhook-timestamp"]) - int(sent_first["webhook-timestamp"]) == 600
    signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    for secret in (rotated.secret, hook.secret):  # signed anew, by the secrets of now
        assert Verifier(secret).sign(headers["webhook-id"], signed_at, body.decode()) in (
            headers["webhook-signature"].split(" ")
        )
    shown = container.webhooks.deliveries("alice", hook.webhook_id)
    assert [d.delivery_id for d in shown] == [again.delivery_id, first.delivery_id]
    # A redelivery that fails raises nothing: it is answered, and can be asked again.
    transport.status = 500
    failed_again = container.webhooks.redeliver("alice", hook.webhook_id, again.delivery_id)
    assert (failed_again.ok, failed_again.redelivery_of) == (False, again.delivery_id)


def test_only_a_kept_attempt_of_the_owners_own_webhook_is_sent_again(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated"])
    huge = {"owner": "alice", "short_id": "big", "title": "x" * PAYLOAD_KEPT_MAX}
    jwt_like.events.handle(events.Event(events.SOURCE_LINKS, "LinkCreated", huge, utc_now()))
    [big] = jwt_like.webhooks.deliveries("alice", hook.webhook_id)
    assert (big.ok, big.payload) == (True, None)
    with pytest.raises(NotRedeliverable):
        jwt_like.webhooks.redeliver("alice", hook.webhook_id, big.delivery_id)
    with pytest.raises(DeliveryNotFound):
        jwt_like.webhooks.redeliver("alice", hook.webhook_id, "nope")
    sent = jwt_like.webhooks.send_test("alice", hook.webhook_id)
    with pytest.raises(WebhookNotFound):
        jwt_like.webhooks.redeliver("bob", hook.webhook_id, sent.delivery_id)
    assert len(transport.posts) == 2


def test_twenty_failures_in_a_row_over_a_day_turn_a_webhook_off_until_its_owner_turns_it_on(
    transport: ScriptedTransport,
) -> None:
    container, clock = with_a_clock(transport)
    service = container.webhooks
    hook = service.create("alice", RECEIVER, ["LinkDeleted"])
    transport.status = 503

    def fails(n: int) -> None:
        with pytest.raises(WebhookDeliveryFailed):
            container.events.handle(events.link_deleted(f"a{n}", "alice", clock[0]))

    for n in range(DISABLE_AFTER_FAILURES + 5):  # many, but within an hour: an outage
        fails(n)
        clock[0] += timedelta(minutes=2)
    assert service.get("alice", hook.webhook_id).active
    clock[0] += DISABLE_AFTER_SPAN
    fails(99)
    off = service.get("alice", hook.webhook_id)
    assert (off.active, off.disabled_at, off.failures) == (False, clock[0], 26)
    assert off.disabled_reason == (
        "turned off after 26 failed deliveries in a row over 24 h; the last: the receiver "
        "answered 503 Service Unavailable: it failed while handling the delivery; see the "
        "receiver's logs"
    )
    sent = len(transport.posts)
    container.events.handle(events.link_deleted("b1", "alice", clock[0]))  # nothing, no retry
    assert len(transport.posts) == sent
    assert service.send_test("alice", hook.webhook_id).status_code == 503  # still on asking

    transport.status = 200
    on = service.change("alice", hook.webhook_id, active=True)
    assert (on.active, on.disabled_reason, on.disabled_at, on.failures) == (True, None, None, 0)
    container.events.handle(events.link_deleted("b2", "alice", clock[0]))
    assert len(transport.posts) == sent + 2
    stored = service.get("alice", hook.webhook_id)
    assert (stored.secret, stored.url, stored.failures) == (hook.secret, RECEIVER, 0)


def test_turning_off_a_webhook_that_is_off_keeps_why_and_since_when(
    transport: ScriptedTransport,
) -> None:
    """Found by the outsider pass (fails before the fix): PATCH {"active": false} on a
    webhook already off replaced its reason ("turned off after 26 failed deliveries in a
    row ...; the last: ...") by "turned off by its owner" and moved disabled_at, so the
    owner lost why and since when it had stopped."""
    container, clock = with_a_clock(transport)
    service = container.webhooks
    hook = service.create("alice", RECEIVER, ["LinkDeleted"])
    transport.status = 503
    for n in range(DISABLE_AFTER_FAILURES):
        with pytest.raises(WebhookDeliveryFailed):
            container.events.handle(events.link_deleted(f"a{n}", "alice", clock[0]))
        clock[0] += DISABLE_AFTER_SPAN / DISABLE_AFTER_FAILURES * 2
    worn = service.get("alice", hook.webhook_id)
    assert worn.disabled_reason is not None
    assert worn.disabled_reason.startswith("turned off after")
    clock[0] += timedelta(hours=1)
    again = service.change("alice", hook.webhook_id, active=False)
    assert (again.active, again.disabled_reason, again.disabled_at) == (
        False,
        worn.disabled_reason,
        worn.disabled_at,
    )


def test_a_delivery_that_goes_through_forgets_the_failures_in_a_row(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    transport.status = 500
    for n in range(3):
        with pytest.raises(WebhookDeliveryFailed):
            jwt_like.events.handle(events.link_deleted(f"a{n}", "alice", utc_now()))
    assert jwt_like.webhooks.get("alice", hook.webhook_id).failures == 3
    transport.status = 204
    jwt_like.events.handle(events.link_deleted("a3", "alice", utc_now()))
    back = jwt_like.webhooks.get("alice", hook.webhook_id)
    assert (back.failures, back.failing_since, back.active) == (0, None, True)
    off = jwt_like.webhooks.change("alice", hook.webhook_id, active=False)
    assert (off.active, off.disabled_reason) == (False, "turned off by its owner")
    assert jwt_like.webhooks.get("alice", hook.webhook_id) == off


def test_a_redelivery_or_test_that_goes_through_forgets_the_failures_and_one_that_fails_adds_none(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    """Found by the outsider pass (fails before the fix): a redelivery answered 204 left
    "3 failed in a row" on the page, as if the receiver still failed."""
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    transport.status = 500
    for n in range(3):
        with pytest.raises(WebhookDeliveryFailed):
            jwt_like.events.handle(events.link_deleted(f"a{n}", "alice", utc_now()))
    first = jwt_like.webhooks.deliveries("alice", hook.webhook_id)[-1]
    assert not jwt_like.webhooks.redeliver("alice", hook.webhook_id, first.delivery_id).ok
    assert not jwt_like.webhooks.send_test("alice", hook.webhook_id).ok
    assert jwt_like.webhooks.get("alice", hook.webhook_id).failures == 3  # asked for: not counted
    transport.status = 204
    assert jwt_like.webhooks.redeliver("alice", hook.webhook_id, first.delivery_id).ok
    assert jwt_like.webhooks.get("alice", hook.webhook_id).failures == 0
    transport.status = 500
    with pytest.raises(WebhookDeliveryFailed):
        jwt_like.events.handle(events.link_deleted("a4", "alice", utc_now()))
    transport.status = 204
    assert jwt_like.webhooks.send_test("alice", hook.webhook_id).ok
    assert jwt_like.webhooks.get("alice", hook.webhook_id).failures == 0


def test_an_attempt_the_deadline_kept_from_being_made_is_not_counted(
    transport: ScriptedTransport,
) -> None:
    lambda_like = on_lambda(transport, seconds_left=1.5)
    hook = lambda_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    with pytest.raises(WebhookDeliveryFailed):
        lambda_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    assert lambda_like.webhooks.get("alice", hook.webhook_id).failures == 0


def test_a_test_event_is_signed_recorded_and_reports_a_failure_without_raising(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkClicked"])
    sent = jwt_like.webhooks.send_test("alice", hook.webhook_id)
    assert (sent.ok, sent.status_code, sent.event_type) == (True, 200, "WebhookTest")
    [(_, _, headers, body)] = transport.posts
    payload = Verifier(hook.secret).verify(body, headers)
    assert payload["type"] == "WebhookTest"
    assert payload["data"] == {
        "webhook_id": hook.webhook_id,
        "owner": "alice",
        "event_id": sent.event_id,
    }
    transport.names["hooks.example.com"] = ["10.0.0.7"]
    refused_now = jwt_like.webhooks.send_test("alice", hook.webhook_id)
    assert (refused_now.ok, refused_now.status_code) == (False, None)
    assert "10.0.0.7" in (refused_now.error or "")
    assert len(transport.posts) == 1
    shown = jwt_like.webhooks.deliveries("alice", hook.webhook_id)
    assert {d.delivery_id for d in shown} == {refused_now.delivery_id, sent.delivery_id}
    with pytest.raises(WebhookNotFound):
        jwt_like.webhooks.send_test("bob", hook.webhook_id)


def test_a_changed_webhook_keeps_its_secret_and_its_new_url_is_checked(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated"])
    with pytest.raises(InvalidInput):
        jwt_like.webhooks.change("alice", hook.webhook_id, events=[])
    with pytest.raises(UnsafeUrl):
        jwt_like.webhooks.change("alice", hook.webhook_id, url="ftp://hooks.example.com/in")
    transport.names["inner.example.com"] = ["10.1.2.3"]
    with pytest.raises(RefusedAddress):
        jwt_like.webhooks.change("alice", hook.webhook_id, url="https://inner.example.com/in")
    with pytest.raises(WebhookNotFound):
        jwt_like.webhooks.change("bob", hook.webhook_id, events=["LinkDeleted"])
    assert jwt_like.webhooks.get("alice", hook.webhook_id) == hook
    transport.names["new.example.com"] = ["93.184.215.15"]
    moved = jwt_like.webhooks.change(
        "alice", hook.webhook_id, url="https://new.example.com/in", events=["LinkDeleted"]
    )
    assert (moved.url, moved.events, moved.secret) == (
        "https://new.example.com/in",
        ("LinkDeleted",),
        hook.secret,
    )
    jwt_like.events.handle(created("a1", "alice", utc_now()))
    jwt_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    [(url, address, headers, body)] = transport.posts
    assert (url, str(address)) == ("https://new.example.com/in", "93.184.215.15")
    assert Verifier(hook.secret).verify(body, headers)["type"] == "LinkDeleted"


def test_only_the_owner_rotates_a_secret(jwt_like: Container) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkCreated"])
    with pytest.raises(WebhookNotFound):
        jwt_like.webhooks.rotate_secret("bob", hook.webhook_id)
    assert jwt_like.webhooks.get("alice", hook.webhook_id).secret == hook.secret


def test_only_the_owners_subscribed_event_types_are_sent(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    jwt_like.events.handle(created("a1", "alice", utc_now()))
    jwt_like.events.handle(events.link_deleted("a1", "bob", utc_now()))
    assert transport.posts == []
    jwt_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    assert len(transport.posts) == 1


def test_a_click_goes_to_the_links_owner_without_the_visitor_hash(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    link = jwt_like.links.create("alice", url="https://example.com/")
    jwt_like.webhooks.create("alice", RECEIVER, ["LinkClicked"])
    click = Click(at=utc_now(), referrer="https://ref.example", visitor="v-hash")
    jwt_like.events.handle(events.link_clicked(link.short_id, click))
    [(_, _, _, body)] = transport.posts
    data = json.loads(body)["data"]
    assert data["short_id"] == link.short_id
    assert "visitor" not in data


def test_a_click_on_a_deleted_link_never_reaches_whoever_took_its_alias_later(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    """A click waits in the queue (a receiver was down, the event is retried) while its link
    is deleted and another user makes a link under the freed alias: that user's receiver
    must not get the first owner's visitor (referrer, browser, country)."""
    jwt_like.links.create("alice", url="https://example.com/alice", alias="launch")
    clicked = events.link_clicked("launch", Click(at=utc_now(), referrer="https://alice.example"))
    jwt_like.links.delete("alice", "launch")
    time.sleep(0.002)  # the new link is made after the click, at a later millisecond
    jwt_like.links.create("bob", url="https://example.com/bob", alias="launch")
    jwt_like.webhooks.create("bob", RECEIVER, ["LinkClicked"])
    jwt_like.events.handle(clicked)
    assert transport.posts == []
    own = events.link_clicked("launch", Click(at=utc_now(), referrer="https://bob.example"))
    jwt_like.events.handle(own)
    [(_, _, _, body)] = transport.posts
    assert json.loads(body)["data"]["referrer"] == "https://bob.example"


def test_an_event_made_before_a_subscription_is_never_sent_to_it(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    """A late or replayed event (a dead letter, a stream retry) is news only to the
    subscriptions that existed when it happened."""
    older = jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    time.sleep(0.002)  # times are kept to the millisecond
    before = utc_now()
    time.sleep(0.002)
    newer = jwt_like.webhooks.create("alice", "https://hooks.example.com/new", ["LinkDeleted"])
    late = events.link_deleted("a1", "alice", before)
    jwt_like.events.handle(late)
    assert [url for url, *_ in transport.posts] == [RECEIVER]
    at_once = events.link_deleted("a2", "alice", newer.created_at)
    jwt_like.events.handle(at_once)
    assert sorted(url for url, *_ in transport.posts[1:]) == [RECEIVER, newer.url]
    assert older.created_at < before < newer.created_at
    shown = jwt_like.webhooks.deliveries("alice", newer.webhook_id)
    assert [d.event_id for d in shown] == [at_once.id]


def test_the_largest_link_events_stay_small(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    """A link at every limit (a 2,048-character URL and fallback, a title of 200 four-byte
    characters, ten tags of 32, a 64-character alias): the bodies the README states."""
    jwt_like.webhooks.create("o" * 64, RECEIVER, ["LinkCreated", "LinkUpdated"])
    url = "https://example.com/" + "a" * (URL_MAX_LENGTH - 20)
    link = create_link(
        short_id="s" * 64,
        owner="o" * 64,
        url=url,
        now=utc_now(),
        expires_at=utc_now(),
        title="\U0001f600" * TITLE_MAX_LENGTH,
        tags=[f"{n}" * 32 for n in range(TAGS_MAX)],
    )
    link = replace(link, fallback_url=url, valid_since=utc_now(), max_visits=10**9)
    jwt_like.events.handle(events.link_created(link))
    jwt_like.events.handle(events.link_updated(link, list(events.CARRIED_CHANGES), utc_now()))
    created, updated = (len(body) for *_, body in transport.posts)
    assert 3_000 < created < 4_096
    assert 5_000 < updated < 6_144


def test_a_failed_delivery_raises_so_the_event_is_delivered_again(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    transport.status = 503
    with pytest.raises(WebhookDeliveryFailed):
        jwt_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    [delivery] = jwt_like.webhooks.deliveries("alice", hook.webhook_id)
    assert (delivery.ok, delivery.status_code) == (False, 503)


def one_failed_delivery(container: Container) -> tuple[Delivery, str]:
    """Subscribe alice to LinkDeleted and send her one that fails: the attempt, and what the
    event's failure (a dead letter's error) says."""
    hook = container.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    with pytest.raises(WebhookDeliveryFailed) as raised:
        container.events.handle(events.link_deleted("a1", "alice", utc_now()))
    [delivery] = container.webhooks.deliveries("alice", hook.webhook_id)
    return delivery, str(raised.value)


@pytest.mark.parametrize(
    ("failure", "sentence"),
    [
        (
            ConnectionRefusedError(111, "Connection refused"),
            "hooks.example.com:443 refused the connection: is the receiver running and on that "
            "port?",
        ),
        (TimeoutError("no answer within 5.0 s"), "timed out after 5 s: the receiver must answer"),
        (HostNotFound("cannot resolve"), "DNS name 'hooks.example.com' not found"),
        (
            ssl.SSLCertVerificationError(1, "certificate verify failed"),
            "TLS failure: hooks.example.com's certificate did not verify",
        ),
        (NotHttp("BadStatusLine: ..."), "hooks.example.com:443 closed the connection without"),
        (ConnectionResetError(104, "reset"), "hooks.example.com:443 closed the connection without"),
        (OSError(101, "Network is unreachable"), "could not reach hooks.example.com:443: Network"),
    ],
)
def test_a_failed_delivery_says_what_happened_in_a_sentence(
    jwt_like: Container, transport: ScriptedTransport, failure: OSError, sentence: str
) -> None:
    """Python's words ("ConnectionRefusedError: [Errno 111] ...") are no help to an owner."""
    transport.fails_with = failure
    delivery, raised = one_failed_delivery(jwt_like)
    assert (delivery.error or "").startswith(sentence)
    assert delivery.status_code is None
    assert "Error" not in (delivery.error or "")
    assert "[Errno" not in (delivery.error or "")
    assert raised.endswith(f"the first: {delivery.error}")


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (301, "the receiver answered 301 Moved Permanently, a redirect: deliveries do not follow"),
        (401, "the receiver answered 401 Unauthorized: it turned the delivery down; check"),
        (503, "the receiver answered 503 Service Unavailable: it failed while handling"),
        (102, "the receiver answered 102 Processing, not a 2xx success"),
    ],
)
def test_an_answer_that_is_not_2xx_is_a_sentence_and_keeps_its_status_code(
    jwt_like: Container, transport: ScriptedTransport, status: int, sentence: str
) -> None:
    transport.status = status
    delivery, _ = one_failed_delivery(jwt_like)
    assert delivery.status_code == status
    assert (delivery.error or "").startswith(sentence)


def test_each_delivery_checks_the_address_again(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    """A name that resolved to a public address at registration and to a private one later."""
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    transport.names["hooks.example.com"] = ["169.254.169.254"]
    with pytest.raises(WebhookDeliveryFailed):
        jwt_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    assert transport.posts == []
    [delivery] = jwt_like.webhooks.deliveries("alice", hook.webhook_id)
    assert delivery.status_code is None
    assert delivery.error == (
        "address refused: hooks.example.com resolves to 169.254.169.254, a private, loopback or "
        "link-local address, which deliveries may not reach"
    )
    del transport.names["hooks.example.com"]  # and then to nothing
    with pytest.raises(WebhookDeliveryFailed):
        jwt_like.events.handle(events.link_deleted("a2", "alice", utc_now()))
    shown = {d.error for d in jwt_like.webhooks.deliveries("alice", hook.webhook_id)}
    assert shown - {delivery.error} == {
        "DNS name 'hooks.example.com' not found: check the host in the URL"
    }


def test_revoking_stops_deliveries(jwt_like: Container, transport: ScriptedTransport) -> None:
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    jwt_like.webhooks.revoke("alice", hook.webhook_id)
    jwt_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    assert transport.posts == []


def test_deliveries_never_outlast_the_invocation(transport: ScriptedTransport) -> None:
    """A Lambda with too little time left sends nothing and has the event retried."""
    lambda_like = on_lambda(transport, seconds_left=1.5)
    hook = lambda_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    with pytest.raises(WebhookDeliveryFailed):
        lambda_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    assert transport.posts == []
    [delivery] = lambda_like.webhooks.deliveries("alice", hook.webhook_id)
    assert (delivery.error or "").startswith("not sent: no time was left for it in this try")


def test_a_lambda_tries_a_receiver_that_timed_out_again_at_once(
    transport: ScriptedTransport,
) -> None:
    """SQS counts every receive: resting the receiver would spend attempts without trying."""
    lambda_like = on_lambda(transport, seconds_left=25.0)
    lambda_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    transport.fails_with = TimeoutError("no answer within 5.0 s")
    for _ in range(2):
        with pytest.raises(WebhookDeliveryFailed):
            lambda_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    assert len(transport.posts) == 2


def test_locally_a_receiver_that_timed_out_rests_and_the_event_is_deferred(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    transport.fails_with = OSError("connection refused")  # a quick failure: no rest
    for n in range(2):
        with pytest.raises(WebhookDeliveryFailed):
            jwt_like.events.handle(events.link_deleted(f"a{n}", "alice", utc_now()))
    transport.fails_with = TimeoutError("no answer within 5.0 s")
    with pytest.raises(WebhookDeliveryFailed):
        jwt_like.events.handle(events.link_deleted("a2", "alice", utc_now()))
    with pytest.raises(Deferred) as deferred:
        jwt_like.events.handle(events.link_deleted("a3", "alice", utc_now()))
    assert 0 < deferred.value.retry_in_s <= jwt_like.settings.webhook_rest_s
    assert len(transport.posts) == 3


def test_a_resting_receiver_moved_to_another_url_is_tried_at_once(
    jwt_like: Container, transport: ScriptedTransport
) -> None:
    """The rest is the old address's: events for the new one must not wait it out."""
    hook = jwt_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    transport.fails_with = TimeoutError("no answer within 5.0 s")
    with pytest.raises(WebhookDeliveryFailed):
        jwt_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    transport.fails_with = None
    transport.names["new.example.com"] = ["93.184.215.15"]
    jwt_like.webhooks.change("alice", hook.webhook_id, url="https://new.example.com/in")
    jwt_like.events.handle(events.link_deleted("a2", "alice", utc_now()))
    assert transport.posts[-1][0] == "https://new.example.com/in"
