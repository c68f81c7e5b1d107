"""Users use cases against the in-memory fakes."""

from __future__ import annotations

import pytest

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.users import MemoryUserRepository
from shortstack.domain.errors import EmailTaken, InvalidInput, UserIdTaken, UserNotFound
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.users import UsersService


@pytest.fixture
def publisher() -> MemoryEventPublisher:
    return MemoryEventPublisher()


@pytest.fixture
def service(publisher: MemoryEventPublisher) -> UsersService:
    return UsersService(MemoryUserRepository(), PublishingUnitOfWork(publisher))


def test_register_publishes_user_created(
    service: UsersService, publisher: MemoryEventPublisher
) -> None:
    user = service.register(user_id="grace", name="Grace Hopper", email=" Grace@Navy.mil ")
    assert user.email == "Grace@Navy.mil"
    assert [e.detail for e in publisher.of_type("UserCreated")] == [{"user_id": "grace"}]


def test_conflicts_publish_nothing(service: UsersService, publisher: MemoryEventPublisher) -> None:
    service.register(user_id="grace", name="Grace", email="grace@navy.mil")
    with pytest.raises(UserIdTaken):
        service.register(user_id="grace", name="Other", email="other@navy.mil")
    with pytest.raises(EmailTaken):
        service.register(user_id="g2", name="Other", email="GRACE@navy.mil")
    assert len(publisher.of_type("UserCreated")) == 1


def test_delete_then_not_found(service: UsersService, publisher: MemoryEventPublisher) -> None:
    service.register(user_id="grace", name="Grace", email="grace@navy.mil")
    service.delete("grace")
    assert publisher.of_type("UserDeleted")[0].detail == {"user_id": "grace"}
    with pytest.raises(UserNotFound):
        service.get("grace")
    with pytest.raises(UserNotFound):
        service.delete("grace")


@pytest.mark.parametrize(
    ("user_id", "name", "email", "field"),
    [
        ("", "n", "a@b.c", "userId"),
        ("has space", "n", "a@b.c", "userId"),
        ("x" * 65, "n", "a@b.c", "userId"),
        ("ok", "", "a@b.c", "name"),
        ("ok", "n", "no-at-sign", "email"),
    ],
)
def test_domain_validation(
    service: UsersService, user_id: str, name: str, email: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.register(user_id=user_id, name=name, email=email)
    assert caught.value.field == field
