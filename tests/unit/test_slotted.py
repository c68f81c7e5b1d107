"""frozen_slots: the dataclass `@dataclass(frozen=True, slots=True)` makes, built through
its slots' descriptors."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field

import pytest

from shortstack.domain.events import Event
from shortstack.domain.links import Link, Target
from shortstack.domain.slotted import frozen_slots
from shortstack.domain.visits import Click, Visit
from shortstack.entrypoints.redirects import Reply
from shortstack.service_layer.redirects import Redirect


@frozen_slots
class Pair:
    left: int
    right: tuple[int, ...] = ()
    note: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Reference:
    left: int
    right: tuple[int, ...] = ()
    note: str | None = field(default=None, compare=False)


def test_it_takes_the_parameters_and_defaults_dataclass_gives() -> None:
    assert str(inspect.signature(Pair)) == str(inspect.signature(Reference))
    assert Pair(1) == Pair(left=1, right=()) == Pair(1, (), "ignored")
    assert Pair(1, (2,), note="x").note == "x"
    with pytest.raises(TypeError):
        Pair()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Pair(1, (), None, 4)  # type: ignore[call-arg]


def test_the_class_stays_frozen_hashed_printed_and_replaceable() -> None:
    pair = Pair(1, (2, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.left = 2  # type: ignore[misc]
    assert hash(pair) == hash(Pair(1, (2, 3)))
    assert repr(pair) == "Pair(left=1, right=(2, 3), note=None)"
    assert dataclasses.replace(pair, left=5) == Pair(5, (2, 3))
    assert pickle.loads(pickle.dumps(pair)) == pair  # noqa: S301 - our own bytes
    assert Pair.__init__.__qualname__ == "Pair.__init__"


def test_it_runs_post_init() -> None:
    seen: list[int] = []

    @frozen_slots
    class Checked:
        value: int

        def __post_init__(self) -> None:
            seen.append(self.value)

    Checked(7)
    assert seen == [7]


def test_a_default_factory_makes_a_value_for_each_instance_not_given_one() -> None:
    @frozen_slots
    class Counted:
        name: str
        seen: tuple[int, ...] = field(default_factory=lambda: (len(made),))

    @dataclass(frozen=True, slots=True)
    class Counted2:
        name: str
        seen: tuple[int, ...] = field(default_factory=lambda: (len(made),))

    made: list[Counted] = []
    made.append(Counted("a"))
    made.append(Counted("b"))
    assert [one.seen for one in made] == [(0,), (1,)]
    assert Counted("c", (9,)).seen == (9,)
    assert Counted.__doc__ == (Counted2.__doc__ or "").replace("Counted2", "Counted")


def test_it_refuses_fields_it_cannot_write_the_same_way() -> None:
    class Named:
        value: int = field(kw_only=True)

    with pytest.raises(TypeError, match="positional"):
        frozen_slots(Named)


@pytest.mark.parametrize("cls", [Link, Target, Visit, Click, Redirect, Reply, Event])
def test_the_redirects_classes_set_every_field(cls: type) -> None:
    names = [one.name for one in dataclasses.fields(cls)]
    values = [object() for _ in names]
    built = cls(*values)
    assert [getattr(built, name) for name in names] == values


def test_an_undocumented_class_is_documented_by_its_signature_as_dataclass_does() -> None:
    assert Pair.__doc__ == (Reference.__doc__ or "").replace("Reference", "Pair")
    assert (
        Reply.__doc__
        == "Reply(status: 'int', headers: 'list[tuple[str, str]]', body: 'bytes' = b'')"
    )
