"""Short ids and aliases: the alias rule, the reserved words, random ids, possible ids."""

from __future__ import annotations

import string

import pytest

from shortstack.domain.errors import InvalidInput
from shortstack.domain.short_ids import (
    BASE62,
    RESERVED_WORDS,
    check_alias,
    is_possible_short_id,
    new_short_id,
)


@pytest.mark.parametrize("alias", ["abc", "my-link_2026", "A" * 64, "Docs2"])
def test_valid_aliases(alias: str) -> None:
    assert check_alias(alias) == alias


@pytest.mark.parametrize(
    ("alias", "reason"),
    [
        ("ab", "3-64"),
        ("a" * 65, "3-64"),
        ("has space", "3-64"),
        ("dot.ted", "3-64"),
        ("slash/ed", "3-64"),
        ("ünï", "3-64"),
        ("api", "reserved"),
        ("API", "reserved"),
        ("Docs", "reserved"),
        ("health", "reserved"),
        ("shorten", "reserved"),
        ("static", "reserved"),
        ("assets", "reserved"),
        ("redoc", "reserved"),
    ],
)
def test_invalid_aliases_name_the_rule(alias: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        check_alias(alias)


def test_reserved_words_include_every_documented_path() -> None:
    documented = {"api", "docs", "redoc", "openapi.json", "health", "static", "assets", "shorten"}
    assert documented | {"favicon.ico", "robots.txt"} <= RESERVED_WORDS
    assert all(word == word.lower() for word in RESERVED_WORDS)


def test_short_ids_are_random_base62() -> None:
    ids = {new_short_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 7 and set(i) <= set(BASE62) for i in ids)
    assert set(BASE62) == set(string.ascii_letters + string.digits)
    # Every position uses the whole alphabet (no counter-like structure).
    for position in range(7):
        assert len({i[position] for i in ids}) > 55


@pytest.mark.parametrize(
    ("segment", "possible"),
    [("abc1234", True), ("my-alias", True), ("ab", False), ("api", False), ("a.b", False)],
)
def test_possible_short_ids(segment: str, possible: bool) -> None:
    assert is_possible_short_id(segment) is possible
