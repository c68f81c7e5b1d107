"""The webhooks section of /openapi.json tells the truth: what both runtimes send validates.

The deliveries are those the real code makes: the use cases' events, locally from the
SQLite queue through the dispatcher, on AWS derived from the table's stream (moto) and
read back from the EventBridge form the events consumer gets, each delivered by
`WebhooksService` to a scripted transport; and a WebhookTest sent on asking.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from shortstack.bootstrap import Container, bootstrap
from shortstack.domain.clock import utc_now
from shortstack.domain.events import Event
from shortstack.domain.links import LinkChanges
from shortstack.domain.visits import Visit
from shortstack.entrypoints.http.schemas.webhook_payloads import EVENTS
from tests.conftest import TABLE_NAME, dispatcher_for, settings_for
from tests.stream_esm import StreamTail
from tests.webhook_support import ScriptedTransport

RECEIVER = "https://hooks.example.com/in"


def use_cases(app: Container) -> None:
    """Every kind of event a subscription can receive, with values in every field."""
    link = app.links.create(
        "alice", url="https://example.com/a", alias="hooked", title="A", tags=["x"]
    )
    other = app.links.create("alice", url="https://example.com/b")  # the default expiry
    app.redirects.follow(
        link.short_id, Visit.from_headers("https://t.co/x", "Mozilla/5.0 Chrome/131", "DE")
    )
    app.links.update(
        "alice",
        link.short_id,
        LinkChanges(
            url="https://example.com/c",
            is_active=False,
            expires_at=utc_now() + timedelta(days=3),
            title="B",
            tags=("y", "z"),
            max_visits=5,
            redirect_status=308,
            valid_since=utc_now(),
            fallback_url="https://example.com/gone",
            forward_query=True,
        ),
    )
    app.links.update("alice", link.short_id, LinkChanges(clear_title=True, clear_expiry=True))
    app.imports.submit("alice", b"url,alias\nhttps://example.com/d,imported\nnot a url,\n")
    # Not the clicked one: a click is sent only while its link is there (decision 0201).
    app.links.delete("alice", other.short_id)


def local(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Container, Callable[[], None]]:
    app = bootstrap(settings_for("sqlite", tmp_path, click_events_on_bus=True))
    return app, dispatcher_for(app).drain


def on_aws(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Container, Callable[[], None]]:
    client = request.getfixturevalue("moto_dynamodb")
    request.getfixturevalue("monkeypatch").setenv("TABLE_NAME", TABLE_NAME)
    app = bootstrap(settings_for("dynamodb", tmp_path, click_events_on_bus=True))
    tail = StreamTail(client, TABLE_NAME)

    def deliver() -> None:
        for event in tail.events():
            # As the events consumer reads it from SQS: the EventBridge form, through JSON.
            app.events.handle(Event.from_dict(json.loads(json.dumps(event.to_dict()))))

    return app, deliver


def checked(document: dict[str, Any], name: str, value: Any, schema: dict[str, Any]) -> None:
    """`value` validates against `schema` and has no key the schema does not name."""
    Draft202012Validator({**schema, "components": document["components"]}).validate(value)
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for choice in schema.get("anyOf", [schema]):
        if isinstance(value, dict) and "properties" in choice:
            assert set(value) <= set(choice["properties"]), (name, value)
            for key, inner in value.items():
                checked(document, f"{name}.{key}", inner, choice["properties"][key])


@pytest.mark.parametrize("runtime", [local, on_aws])
def test_every_delivery_both_runtimes_send_is_what_the_document_says(
    document: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest, runtime: Any
) -> None:
    transport = ScriptedTransport(names={"hooks.example.com": ["93.184.215.14"]})
    app, deliver = runtime(tmp_path, request)
    app.webhooks.transport = transport
    hook = app.webhooks.create("alice", RECEIVER, [t for t in EVENTS if t != "WebhookTest"])
    use_cases(app)
    deliver()
    app.webhooks.send_test("alice", hook.webhook_id)
    app.close()
    sent: dict[str, int] = {}
    for _, _, headers, body in transport.posts:
        payload = json.loads(body)
        operation = document["webhooks"][payload["type"]]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        checked(document, payload["type"], payload, schema)
        for parameter in operation["parameters"]:
            assert re.search(parameter["schema"]["pattern"], headers[parameter["name"]])
        sent[payload["type"]] = sent.get(payload["type"], 0) + 1
    assert set(sent) == set(EVENTS)
    assert sent["LinkUpdated"] == 2


def test_the_delivery_models_load_with_the_document_not_with_a_request() -> None:
    """The API Lambda's cold start pays nothing for them (decision 0405)."""
    script = """
import sys, tempfile
from pathlib import Path
from fastapi.testclient import TestClient
from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app
from tests.conftest import settings_for
client = TestClient(create_app(bootstrap(settings_for("memory", Path(tempfile.mkdtemp())))))
name = "shortstack.entrypoints.http.schemas.webhook_payloads"
assert client.post("/api/v1/links", json={"url": "https://example.com/"}).status_code == 201
assert name not in sys.modules
assert set(client.get("/openapi.json").json()["webhooks"]) == {"LinkCreated", "LinkUpdated",
    "LinkDeleted", "LinkClicked", "ImportFinished", "WebhookTest"}
"""
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", script], check=True, cwd=root, capture_output=True)
