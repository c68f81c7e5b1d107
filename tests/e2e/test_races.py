"""Races through the real server on SQLite: partial updates and one-e-mail registrations.

The redirect and alias races live in test_links_server.py; the same races on the storage
adapters themselves (SQLite, DynamoDB on moto and on DynamoDB Local) are in tests/contract.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.concurrency import race
from tests.e2e.server import Server, call, running_server

FIELDS = ("name", "description", "price", "category")
ROUNDS = 25 if os.environ.get("STRESS") == "1" else 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("races-data")) as live:
        yield live


def test_concurrent_partial_updates_of_one_item_lose_no_field(server: Server) -> None:
    status, _, item = call(
        server,
        "POST",
        "/api/v1/items",
        {"name": "start", "description": "start", "price": 1, "category": "start"},
    )
    assert status == 201
    path = f"/api/v1/items/{item['item_id']}"
    # Each writer owns one field and sends only it: a read-modify-write of the whole item
    # anywhere on the path would let one writer put back another's old value. Every round
    # writes new values, so a lost update in any round shows.
    for round_no in range(ROUNDS):
        new_values = {
            "name": f"name {round_no}",
            "description": f"description {round_no}",
            "price": 10 + round_no,
            "category": f"category-{round_no}",
        }

        def update(n: int, values: dict[str, object] = new_values) -> str:
            field = FIELDS[n % len(FIELDS)]
            return str(call(server, "PUT", path, {field: values[field]})[0])

        assert race(40, update) == ["200"] * 40
        _, _, after = call(server, "GET", path)
        assert {field: after[field] for field in FIELDS} == new_values


def test_concurrent_registrations_with_one_email_have_exactly_one_winner(server: Server) -> None:
    def register(n: int) -> str:
        body = {"userId": f"racer-{n}", "name": f"Racer {n}", "email": "Same@Example.com"}
        return str(call(server, "POST", "/api/v1/users", body)[0])

    outcomes = race(30, register)
    assert sorted(outcomes) == ["201"] + ["409"] * 29
    winners = [n for n in range(30) if call(server, "GET", f"/api/v1/users/racer-{n}")[0] == 200]
    assert len(winners) == 1
