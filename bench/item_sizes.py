"""An item's size and its write units, by DynamoDB's item-size rules.

The capacity meter and the cost benchmarks count with these, so every figure they print
rounds the way DynamoDB bills: attribute names plus values, a write unit per started KB.
"""

from __future__ import annotations

import base64
import math
from typing import Any


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value, by DynamoDB's item-size rules."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        digits = len(data.lstrip("-").replace(".", "").strip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(data)) if isinstance(data, str) else len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in data.items())
    if kind == "SS":
        return sum(len(element.encode()) for element in data)
    raise ValueError(kind)


def item_size(item: dict[str, Any]) -> int:
    """Bytes of an item: attribute names plus values."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))
