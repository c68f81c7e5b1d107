"""Right passwords sent at once, more of them than the checks that may run together.

Five checks of one client's passwords run at once (docs/decisions/0106); the others wait
their turn. Their wait for an attempt the store holds is bounded (a held attempt may
belong to a check that died), but a right password that is merely in line behind the
checks of the same server is never refused, however long the line (800 at once over
real HTTP: decision 0106). Here the bound is shortened and each check slowed, so the
line outlasts it with a few dozen requests.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from shortstack.domain.errors import TooManyAttempts
from shortstack.domain.passwords import WRONG_ATTEMPTS_MAX
from shortstack.domain.visits import Visit
from shortstack.service_layer import redirects
from tests.concurrency import race, unlock_status
from tests.unit.test_redirects_service import World

CHECK_S = 0.02
LINE = 12 * WRONG_ATTEMPTS_MAX  # twelve rounds of checks: 0.24 s in all


@pytest.fixture
def slow_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    verify = redirects.verify_password

    def slow_verify(password: str, stored: str) -> bool:
        time.sleep(CHECK_S)
        return verify(password, stored)

    monkeypatch.setattr(redirects, "verify_password", slow_verify)
    # Shorter than the line (not than one check): a wait bounded by it alone would refuse.
    monkeypatch.setattr(redirects, "ATTEMPT_WAIT_S", 4 * CHECK_S)


def test_a_line_of_right_passwords_longer_than_the_wait_all_redirect(slow_checks: Any) -> None:
    world = World()
    link = world.create(password="open sesame")

    def unlock(n: int) -> str:
        try:
            world.redirects.unlock(link.short_id, Visit(address="192.0.2.1"), "open sesame")
        except TooManyAttempts:
            return "429"
        return "302"

    assert Counter(race(LINE, unlock)) == {"302": LINE}
    assert world.clicks(link.short_id) == LINE


def test_wrong_passwords_in_the_line_are_still_limited(slow_checks: Any) -> None:
    world = World()
    link = world.create(password="open sesame")

    def guess(n: int) -> str:
        return unlock_status(world.redirects, link.short_id, "192.0.2.1", f"guess {n}")

    outcomes = Counter(race(LINE, guess))
    assert outcomes == {"401": WRONG_ATTEMPTS_MAX, "429": LINE - WRONG_ATTEMPTS_MAX}
