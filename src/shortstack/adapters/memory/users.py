"""Users kept in dicts, with e-mail uniqueness checked under one lock."""

from __future__ import annotations

import threading

from shortstack.domain.errors import EmailTaken, UserIdTaken
from shortstack.domain.users import User, normalize_email


class MemoryUserRepository:
    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        self._emails: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, user: User) -> None:
        email = normalize_email(user.email)
        with self._lock:
            if user.user_id in self._users:
                raise UserIdTaken(user.user_id)
            if email in self._emails:
                raise EmailTaken()
            self._users[user.user_id] = user
            self._emails[email] = user.user_id

    def get(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def delete(self, user_id: str) -> bool:
        with self._lock:
            user = self._users.pop(user_id, None)
            if user is None:
                return False
            self._emails.pop(normalize_email(user.email), None)
            return True
