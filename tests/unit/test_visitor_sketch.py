"""VisitorSketch: exact while small, a HyperLogLog within its error bound above, a union."""

from __future__ import annotations

import statistics

import pytest

from shortstack.domain.visitor_sketch import DENSE_BYTES, EXACT_MAX, VisitorSketch


def sketch_of(visitors: range | list[str], prefix: str = "v") -> VisitorSketch:
    sketch = VisitorSketch()
    for visitor in visitors:
        sketch.add(f"{prefix}{visitor}")
    return sketch


def test_up_to_the_exact_limit_the_count_is_exact_and_repeats_count_once() -> None:
    sketch = sketch_of(list(range(EXACT_MAX)) * 3)
    assert sketch.estimate() == EXACT_MAX
    assert sketch.registers is None
    assert VisitorSketch().estimate() == 0
    assert not VisitorSketch()


@pytest.mark.parametrize("count", [EXACT_MAX + 1, 100, 1_000, 10_000, 100_000])
def test_above_it_the_estimate_is_within_three_standard_errors(count: int) -> None:
    estimate = sketch_of(range(count)).estimate()
    assert abs(estimate - count) <= 3 * 0.065 * count


def test_the_error_over_many_sketches_matches_the_documented_bound() -> None:
    """6.5 % standard error at M = 256: the relative errors' spread over 40 sketches."""
    errors = [
        sketch_of(range(5_000), prefix=f"{seed}-").estimate() / 5_000 - 1 for seed in range(40)
    ]
    assert statistics.pstdev(errors) < 0.09
    assert abs(statistics.mean(errors)) < 0.04


def test_a_merge_is_a_union_in_every_form() -> None:
    for left, right, both in [
        (range(10), range(5, 15), 15),
        (range(3000), range(1000, 4000), 4000),
    ]:
        merged = sketch_of(left)
        merged.merge(sketch_of(right))
        assert abs(merged.estimate() - both) <= 3 * 0.065 * both
        whole = sketch_of(list(left) + list(right))
        assert merged.to_bytes() == whole.to_bytes()  # the same registers, whatever the order
    small_into_big = sketch_of(range(100))
    small_into_big.merge(sketch_of(range(5)))
    assert small_into_big.to_bytes() == sketch_of(range(100)).to_bytes()


def test_the_stored_form_round_trips_and_stays_small() -> None:
    for sketch in (VisitorSketch(), sketch_of(range(7)), sketch_of(range(50_000))):
        data = sketch.to_bytes()
        assert len(data) <= DENSE_BYTES + 1
        again = VisitorSketch.from_bytes(data)
        assert again.to_bytes() == data
        assert again.estimate() == sketch.estimate()
    assert len(sketch_of(range(EXACT_MAX)).to_bytes()) == DENSE_BYTES + 1


@pytest.mark.parametrize("garbage", [b"", b"X123", b"E1234567", b"H" + bytes(10), None])
def test_an_unreadable_stored_form_reads_as_empty(garbage: bytes | None) -> None:
    assert VisitorSketch.from_bytes(garbage).estimate() == 0
