"""Publishing domain events to an Amazon EventBridge bus."""

from shortstack.adapters.eventbridge.publisher import (
    EventBridgePublisher,
    event_from_eventbridge,
    to_entry,
)

__all__ = ["EventBridgePublisher", "event_from_eventbridge", "to_entry"]
