"""UserRepository contract: uniqueness of id and e-mail, decided atomically, on every adapter."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.bootstrap import Adapters
from shortstack.domain.errors import EmailTaken, UserIdTaken
from shortstack.domain.users import create_user
from tests.contract.conftest import present

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def user(user_id: str = "u1", email: str = "ada@example.com", name: str = "Ada") -> Any:
    return create_user(user_id=user_id, name=name, email=email, now=T0)


def test_add_get_delete(adapters: Adapters) -> None:
    repo = adapters.users
    ada = user()
    repo.add(ada)
    assert repo.get("u1") == ada
    assert repo.delete("u1") is True
    assert repo.get("u1") is None
    assert repo.delete("u1") is False


def test_taken_user_id_conflicts_and_keeps_the_first(adapters: Adapters) -> None:
    repo = adapters.users
    repo.add(user())
    with pytest.raises(UserIdTaken):
        repo.add(user(email="other@example.com", name="Other"))
    assert present(repo.get("u1")).name == "Ada"


def test_taken_email_conflicts_case_insensitively(adapters: Adapters) -> None:
    repo = adapters.users
    repo.add(user())
    with pytest.raises(EmailTaken):
        repo.add(user(user_id="u2", email="ADA@Example.com"))
    assert repo.get("u2") is None


def test_deleting_a_user_frees_the_email(adapters: Adapters) -> None:
    repo = adapters.users
    repo.add(user())
    repo.delete("u1")
    repo.add(user(user_id="u2"))
    assert repo.get("u2") is not None


def test_concurrent_registrations_with_one_email_have_one_winner(adapters: Adapters) -> None:
    repo = adapters.users
    contenders = 8
    barrier = threading.Barrier(contenders)
    outcomes: list[str] = []
    lock = threading.Lock()

    def register(n: int) -> None:
        barrier.wait()
        try:
            repo.add(user(user_id=f"racer{n}", email="same@example.com"))
            result = "created"
        except EmailTaken:
            result = "taken"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["taken"] * (contenders - 1)


def test_the_directory_lists_newest_first_a_page_at_a_time(adapters: Adapters) -> None:
    repo = adapters.users
    for n in range(7):
        repo.add(
            create_user(
                user_id=f"u{n}", name="N", email=f"u{n}@example.com", now=T0 + timedelta(hours=n)
            )
        )
    # Two users created in the same instant sort by userId, and neither is skipped.
    repo.add(
        create_user(user_id="u6b", name="N", email="b@example.com", now=T0 + timedelta(hours=6))
    )
    seen: list[str] = []
    cursor = None
    while True:
        page = repo.list(limit=3, cursor=cursor)
        seen.extend(user.user_id for user in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["u6b", "u6", "u5", "u4", "u3", "u2", "u1", "u0"]
    repo.delete("u6b")
    assert [user.user_id for user in repo.list(limit=2, cursor=None).items] == ["u6", "u5"]
