"""Users kept in dicts, with e-mail uniqueness checked under one lock."""

from __future__ import annotations

import threading

from shortstack.domain.errors import EmailTaken, UserIdTaken
from shortstack.domain.pagination import Page, decode_cursor, encode_cursor
from shortstack.domain.users import User, listing_position, normalize_email


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

    def list(self, *, limit: int, cursor: str | None) -> Page[User]:
        after = decode_cursor(cursor, ("k",))["k"] if cursor else None
        with self._lock:
            users = sorted(self._users.values(), key=listing_position, reverse=True)
        if after is not None:
            users = [user for user in users if listing_position(user) < after]
        page = users[:limit]
        more = len(users) > limit
        return Page(page, encode_cursor({"k": listing_position(page[-1])}) if more else None)
