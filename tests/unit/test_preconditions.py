"""If-Match and If-None-Match as domain/preconditions.py reads them (RFC 9110 8.8.3, 13.1)."""

from __future__ import annotations

import pytest

from shortstack.domain.errors import MalformedPrecondition
from shortstack.domain.preconditions import Expected, expected, not_modified


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        ('"1"', {1}),
        ('"1", "2.ab"', {1, 2}),
        ('W/"1", "3"', {3}),
        # An entity tag may hold a comma (etagc is any visible character but DQUOTE).
        ('",", "4"', {4}),
        ('"a,b" ,, "5" ,', {5}),
        ('"x"', set()),
    ],
)
def test_if_match_lists_name_the_versions_of_their_strong_tags(
    header: str, versions: set[int]
) -> None:
    assert expected(header) == Expected(frozenset(versions))


@pytest.mark.parametrize("header", ["", "1", '"1" "2"', '"a"b"', '*, "1"', 'W/ "1"'])
def test_a_malformed_if_match_is_refused(header: str) -> None:
    with pytest.raises(MalformedPrecondition):
        expected(header)


def test_if_none_match_compares_weakly_and_ignores_what_it_cannot_read() -> None:
    assert not_modified('W/"7", "8"', '"7"')
    assert not_modified('"a,b", "7"', '"7"')
    assert not not_modified('"a,b"', '"7"')
    assert not not_modified("garbage", '"7"')
    assert not_modified("*", '"7"')


def test_if_none_match_on_a_write_excludes_the_versions_of_all_its_tags_weak_ones_too() -> None:
    assert expected(None, '"7.ab", W/"8", "x"') == Expected(None, frozenset({7, 8}))
    assert expected(None, "*") == Expected(None, None)
    assert expected('"7"', '"8"') == Expected(frozenset({7}), frozenset({8}))
    assert expected("*") == Expected(None)
    only_not_8 = expected(None, '"8"')
    assert only_not_8 is not None
    assert (only_not_8.allows(7), only_not_8.allows(8)) == (True, False)
    nothing = expected('"7"', "*")
    assert nothing is not None
    assert not nothing.allows(7)
    with pytest.raises(MalformedPrecondition, match="If-None-Match"):
        expected(None, "garbage")  # it guards a write: ignoring it would drop the guard


def test_a_header_naming_more_tags_than_one_dynamodb_condition_takes_is_refused() -> None:
    """Found by the outsider pass (fails before the fix): an If-Match of 300 tags became
    `#ver IN (300 values)`, which DynamoDB refuses (ValidationException: at most 100
    operands), a 500 on AWS. A header names at most 50, the same on every store."""
    fifty = ", ".join(f'"{n}"' for n in range(1, 51))
    assert expected(fifty, fifty) == Expected(frozenset(range(1, 51)), frozenset(range(1, 51)))
    for header in ("If-Match", "If-None-Match"):
        sent = {header: f'{fifty}, "51"'}
        with pytest.raises(MalformedPrecondition, match=f"{header} names at most 50"):
            expected(sent.get("If-Match"), sent.get("If-None-Match"))
