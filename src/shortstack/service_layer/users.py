"""Use cases of Users."""

from __future__ import annotations

from dataclasses import dataclass

from shortstack.domain import events
from shortstack.domain.auth import Principal
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import InsufficientRights, UserNotFound
from shortstack.domain.pagination import MAX_PAGE_SIZE, Page, decode_cursor
from shortstack.domain.users import User, create_user
from shortstack.service_layer.ports import UnitOfWork, UserRepository


@dataclass
class UsersService:
    users: UserRepository
    uow: UnitOfWork
    clock: Clock = utc_now

    def register(
        self, *, user_id: str, name: str, email: str, caller: Principal | None = None
    ) -> User:
        """Create a user; the repository refuses a taken userId or e-mail atomically.

        With a `caller` that does not run the install, only their own record (userId = sub).
        """
        if caller is not None and not caller.may_manage_user(user_id):
            raise InsufficientRights("you can register only yourself: userId must be your own sub")
        now = self.clock()
        user = create_user(user_id=user_id, name=name, email=email, now=now)
        with self.uow.begin() as outbox:
            self.users.add(user)
            outbox.add([events.user_created(user.user_id, now)])
        return user

    def get(self, user_id: str, *, caller: Principal | None = None) -> User:
        """The user or UserNotFound (also for another's record, when `caller` may not see it)."""
        if caller is not None and not caller.may_read_user(user_id):
            raise UserNotFound(user_id)
        user = self.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        return user

    def list(self, caller: Principal, *, limit: int, cursor: str | None) -> Page[User]:
        """The directory, newest first: everyone for an operator or an admin, else only you."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        if caller.sees_every_user:
            return self.users.list(limit=limit, cursor=cursor)
        if cursor is not None:
            decode_cursor(cursor, ("k",))  # a cursor from elsewhere is refused, not ignored
            return Page([])
        own = self.users.get(caller.sub)
        return Page([own] if own is not None else [])

    def delete(self, user_id: str, *, caller: Principal | None = None) -> None:
        """Delete the user (freeing the e-mail) or raise UserNotFound (as for get)."""
        if caller is not None and not caller.may_manage_user(user_id):
            raise UserNotFound(user_id)
        with self.uow.begin() as outbox:
            if not self.users.delete(user_id):
                raise UserNotFound(user_id)
            outbox.add([events.user_deleted(user_id, self.clock())])
