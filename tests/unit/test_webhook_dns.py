"""A receiver's name lookup is bounded by the delivery's time, like the request after it.

Found by schemathesis (seed 2719034481): POST /webhooks/{id}/test to an odd host took over
10 s to answer though a delivery has 5 s, the system resolver having no deadline of ours.
The resolver here is a stand-in for socket.getaddrinfo, so no test waits on real DNS.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shortstack.adapters.webhooks.http import LOOKUPS_MAX, HttpWebhookTransport
from shortstack.bootstrap import Container, bootstrap
from shortstack.domain import events
from shortstack.domain.clock import utc_now
from shortstack.domain.errors import UnsafeUrl
from shortstack.domain.webhook_failures import LookupTimedOut
from shortstack.service_layer.webhooks import (
    LOCAL_DISPATCHER,
    DeliveryRuntime,
    WebhookDeliveryFailed,
    sqs_lambda,
)
from tests.conftest import settings_for

BUDGET_S = 0.5
# What a bounded attempt may take beyond its budget on a busy, shared machine.
MARGIN_S = 0.3
RECEIVER = "https://hooks.example.com/in"


@dataclass
class Resolver:
    """Names and their addresses; a name in `hanging` is answered only after `delay_s` (or
    when released), any other unknown name does not exist. Addresses stand for themselves."""

    names: dict[str, str] = field(default_factory=dict)
    hanging: set[str] = field(default_factory=set)
    delay_s: float = 5.0
    released: threading.Event = field(default_factory=threading.Event)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in self.hanging:
            self.released.wait(self.delay_s)
        if host not in self.names:
            with contextlib.suppress(ValueError):
                ipaddress.ip_address(host)
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (self.names[host], port))]

    def hang(self, host: str) -> None:
        """Make `host`'s lookups hang; one answered late gives loopback, so sends nothing."""
        self.hanging.add(host)
        self.names[host] = "127.0.0.1"


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Resolver]:
    fake = Resolver(names={"hooks.example.com": "93.184.215.14"})
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    yield fake
    fake.released.set()  # the lookups left waiting end with the test


def container(
    runtime: DeliveryRuntime = LOCAL_DISPATCHER, *, refuse_private: bool = True
) -> Container:
    settings = settings_for(
        "memory",
        Path("/nonexistent"),
        webhooks_refuse_private_addresses=refuse_private,
        webhook_timeout_s=BUDGET_S,
    )
    return bootstrap(settings, webhook_transport=HttpWebhookTransport(), webhook_runtime=runtime)


def test_a_test_delivery_to_a_name_whose_lookup_hangs_answers_within_the_timeout(
    resolver: Resolver,
) -> None:
    local = container()
    hook = local.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    resolver.hang("hooks.example.com")
    started = time.monotonic()
    delivery = local.webhooks.send_test("alice", hook.webhook_id)
    took = time.monotonic() - started
    assert took < BUDGET_S + MARGIN_S, took
    assert (delivery.ok, delivery.status_code) == (False, None)
    assert delivery.error == (
        "DNS lookup of 'hooks.example.com' timed out after 0.5 s: its name servers did not"
        " answer; check the host in the URL"
    )


def test_on_the_events_lambda_the_lookup_shares_the_invocations_bound(
    resolver: Resolver,
) -> None:
    """The SQS consumer's budget is what the invocation leaves (here 0.3 s of 2.3 s)."""
    lambda_like = container(sqs_lambda(lambda: 2.3))
    hook = lambda_like.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    # The consumer's first event builds its idempotency guard, a heavy import: not timed.
    lambda_like.events.handle(events.link_deleted("b1", "bob", utc_now()))
    resolver.hang("hooks.example.com")
    started = time.monotonic()
    with pytest.raises(WebhookDeliveryFailed, match=r"DNS lookup of 'hooks\.example\.com' timed"):
        lambda_like.events.handle(events.link_deleted("a1", "alice", utc_now()))
    took = time.monotonic() - started
    assert took < 0.3 + MARGIN_S, took
    [delivery] = lambda_like.webhooks.deliveries("alice", hook.webhook_id)
    assert (delivery.error or "").startswith(
        "DNS lookup of 'hooks.example.com' timed out after 0.3 s"
    )


def test_a_slow_lookup_leaves_the_request_only_the_rest_of_the_time(
    resolver: Resolver,
) -> None:
    """A lookup and a receiver that each take most of the budget: together, one budget."""
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    port = listener.getsockname()[1]
    try:
        resolver.names["slow.example"] = "127.0.0.1"
        local = container(refuse_private=False)
        hook = local.webhooks.create("alice", f"https://slow.example:{port}/in", ["LinkDeleted"])
        resolver.hanging.add("slow.example")
        resolver.delay_s = 0.3
        started = time.monotonic()
        delivery = local.webhooks.send_test("alice", hook.webhook_id)
        took = time.monotonic() - started
    finally:
        listener.close()
    assert took < BUDGET_S + MARGIN_S, took
    assert (delivery.error or "").startswith("timed out after 0.5 s")


def test_subscribing_to_a_name_whose_lookup_hangs_is_refused_within_the_timeout(
    resolver: Resolver,
) -> None:
    resolver.hang("hooks.example.com")
    started = time.monotonic()
    with pytest.raises(UnsafeUrl, match=r"'hooks\.example\.com' did not resolve within 0\.5 s"):
        container().webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    assert time.monotonic() - started < BUDGET_S + MARGIN_S


def test_a_name_that_does_not_exist_is_still_not_found(resolver: Resolver) -> None:
    local = container()
    hook = local.webhooks.create("alice", RECEIVER, ["LinkDeleted"])
    del resolver.names["hooks.example.com"]
    delivery = local.webhooks.send_test("alice", hook.webhook_id)
    assert delivery.error == "DNS name 'hooks.example.com' not found: check the host in the URL"
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        local.webhooks.create("alice", "https://nowhere.example/in", ["LinkDeleted"])


def test_lookups_left_hanging_are_bounded_and_free_their_place_when_answered(
    resolver: Resolver,
) -> None:
    transport = HttpWebhookTransport()
    resolver.hang("hang.example")
    for _ in range(LOOKUPS_MAX):
        with pytest.raises(LookupTimedOut):
            transport.resolve("hang.example", 443, 0.01)
    with pytest.raises(LookupTimedOut, match=f"{LOOKUPS_MAX} lookups already running"):
        transport.resolve("hooks.example.com", 443, 0.05)
    resolver.released.set()
    answer = transport.resolve("hooks.example.com", 443, 2)
    assert answer == [ipaddress.ip_address("93.184.215.14")]
