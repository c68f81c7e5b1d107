"""Counting a day's distinct visitors in at most 193 bytes: exact while few, then HyperLogLog.

A click carries its visitor's daily hash (visits.visitor_hash); a (link, day) or
(owner, day) keeps the hashes it has seen in a VisitorSketch:

- up to EXACT_MAX visitors, the set of their 64-bit digests: exact;
- past that, a HyperLogLog of M = 256 registers of 6 bits (192 bytes): relative
  standard error 1.04 / sqrt(256) = 6.5 %, so about 95 % of estimates fall within
  13 % of the truth; below 2.5 * M the linear-counting correction keeps small counts
  close (docs/decisions/0110-unique-visitors-and-owner-roll-ups.md has the figures).

Both forms merge (a union; registers take the larger value), which is what the
tumbling window and the per-owner roll-up need: the merge of two sketches counts
each visitor once. The encoded form is what stores keep: empty, `E` and sorted
8-byte digests, or `H` and the packed registers. Standard library only.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

P = 8
M = 1 << P
REGISTER_BITS = 6
DENSE_BYTES = M * REGISTER_BITS // 8
DIGEST_BYTES = 8
EXACT_MAX = DENSE_BYTES // DIGEST_BYTES  # the exact form never outgrows the dense one
_EXACT = b"E"
EXACT_TAG = _EXACT  # the first byte of an encoded exact form
_DENSE = b"H"
_TAIL_BITS = 64 - P
_ALPHA = 0.7213 / (1 + 1.079 / M)


def visitor_digest(visitor: str) -> int:
    """A visitor hash as 64 uniform bits (whatever its spelling)."""
    return int.from_bytes(_digest_bytes(visitor), "big")


def _digest_bytes(visitor: str) -> bytes:
    return hashlib.sha256(visitor.encode()).digest()[:DIGEST_BYTES]


def with_visitors(stored: bytes | None, visitors: Iterable[str]) -> bytes | None:
    """An encoded sketch with `visitors` added, encoded as `to_bytes` would; `stored` itself
    when it held every one of them.

    A stored exact form (None or empty too) is merged as its 8-byte digests, without
    building the set of integers and back: a big-endian digest sorts as its number does.
    Past EXACT_MAX, or for another form, the sketch is decoded (`add_encoded`).
    """
    visitors = list(visitors)
    if not visitors:
        return stored
    if stored and (stored[:1] != _EXACT or (len(stored) - 1) % DIGEST_BYTES):
        return add_encoded(stored, visitors)[0]
    held = stored or b""
    known = {held[i : i + DIGEST_BYTES] for i in range(1, len(held), DIGEST_BYTES)}
    before = len(known)
    known.update(_digest_bytes(visitor) for visitor in visitors)
    if len(known) == before and stored is not None:
        return stored
    if len(known) > EXACT_MAX:
        return add_encoded(stored, visitors)[0]
    return _EXACT + b"".join(sorted(known))


def add_encoded(
    stored: bytes | None, visitors: Iterable[str], sketch: VisitorSketch | None = None
) -> tuple[bytes | None, VisitorSketch]:
    """`stored` with `visitors` added, encoded (`stored` itself when nothing changed), and
    the sketch it encodes. `sketch`: `stored` already decoded, which is then added to."""
    if sketch is None:
        sketch = VisitorSketch.from_bytes(stored)
    changed = False
    for visitor in set(visitors):
        changed = sketch.add(visitor) or changed
    # A period's regular visitors leave its sketch as it was: nothing to encode again.
    return (sketch.to_bytes() if changed or stored is None else stored), sketch


@dataclass(slots=True)
class VisitorSketch:
    """The distinct visitors of one period: `exact` digests, or HyperLogLog `registers`."""

    exact: set[int] = field(default_factory=set)
    registers: bytearray | None = None

    def add(self, visitor: str) -> bool:
        """Count `visitor`; whether the sketch changed (False: it held the visitor already)."""
        return self._add_digest(visitor_digest(visitor))

    def _add_digest(self, digest: int) -> bool:
        if self.registers is None:
            if digest in self.exact:
                return False
            self.exact.add(digest)
            if len(self.exact) > EXACT_MAX:
                self._densify()
            return True
        index = digest >> _TAIL_BITS
        tail = digest & ((1 << _TAIL_BITS) - 1)
        rank = _TAIL_BITS - tail.bit_length() + 1
        if rank > self.registers[index]:
            self.registers[index] = rank
            return True
        return False

    def _densify(self) -> None:
        digests, self.exact = self.exact, set()
        self.registers = bytearray(M)
        for digest in digests:
            self._add_digest(digest)

    def merge(self, other: VisitorSketch) -> None:
        """Add every visitor of `other` (a union: one seen by both counts once)."""
        if other.registers is None:
            for digest in other.exact:
                self._add_digest(digest)
            return
        if self.registers is None:
            self._densify()
        assert self.registers is not None
        for index, rank in enumerate(other.registers):
            if rank > self.registers[index]:
                self.registers[index] = rank

    def estimate(self) -> int:
        """How many distinct visitors: exact up to EXACT_MAX, a HyperLogLog estimate above."""
        if self.registers is None:
            return len(self.exact)
        raw = _ALPHA * M * M / sum(2.0**-rank for rank in self.registers)
        zeros = self.registers.count(0)
        if raw <= 2.5 * M and zeros:
            return round(M * math.log(M / zeros))
        return round(raw)

    def __bool__(self) -> bool:
        return bool(self.exact) or self.registers is not None

    def to_bytes(self) -> bytes:
        """The stored form: b"" when empty, else a one-byte tag and the payload."""
        if self.registers is None:
            if not self.exact:
                return b""
            return _EXACT + b"".join(
                digest.to_bytes(DIGEST_BYTES, "big") for digest in sorted(self.exact)
            )
        packed = 0
        for index, rank in enumerate(self.registers):
            packed |= rank << (REGISTER_BITS * index)
        return _DENSE + packed.to_bytes(DENSE_BYTES, "little")

    @classmethod
    def from_bytes(cls, data: bytes | None) -> VisitorSketch:
        """A stored sketch read back; anything unreadable reads as an empty sketch."""
        if not data:
            return cls()
        tag, payload = data[:1], data[1:]
        if tag == _EXACT and len(payload) % DIGEST_BYTES == 0:
            return cls(
                exact={
                    int.from_bytes(payload[i : i + DIGEST_BYTES], "big")
                    for i in range(0, len(payload), DIGEST_BYTES)
                }
            )
        if tag == _DENSE and len(payload) == DENSE_BYTES:
            packed = int.from_bytes(payload, "little")
            mask = (1 << REGISTER_BITS) - 1
            return cls(
                registers=bytearray(
                    (packed >> (REGISTER_BITS * index)) & mask for index in range(M)
                )
            )
        return cls()
