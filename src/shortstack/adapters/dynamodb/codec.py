"""Marshal Python values to DynamoDB attribute values and back with boto3's own serializers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    """A plain mapping as DynamoDB attribute values; None values are left out."""
    return {
        name: _serializer.serialize(value) for name, value in values.items() if value is not None
    }


def to_attribute(value: Any) -> Any:
    """One value as a DynamoDB attribute value."""
    return _serializer.serialize(value)


def from_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers as Decimal)."""
    return {name: _deserializer.deserialize(value) for name, value in item.items()}
