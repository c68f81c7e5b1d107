"""Use cases of Users."""

from __future__ import annotations

from dataclasses import dataclass

from shortstack.domain import events
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import UserNotFound
from shortstack.domain.users import User, create_user
from shortstack.service_layer.ports import EventPublisher, UserRepository


@dataclass
class UsersService:
    users: UserRepository
    publisher: EventPublisher
    clock: Clock = utc_now

    def register(self, *, user_id: str, name: str, email: str) -> User:
        """Create a user; the repository refuses a taken userId or e-mail atomically."""
        now = self.clock()
        user = create_user(user_id=user_id, name=name, email=email, now=now)
        self.users.add(user)
        self.publisher.publish([events.user_created(user.user_id, now)])
        return user

    def get(self, user_id: str) -> User:
        """The user or UserNotFound."""
        user = self.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        return user

    def delete(self, user_id: str) -> None:
        """Delete the user (freeing the e-mail) or raise UserNotFound."""
        if not self.users.delete(user_id):
            raise UserNotFound(user_id)
        self.publisher.publish([events.user_deleted(user_id, self.clock())])
