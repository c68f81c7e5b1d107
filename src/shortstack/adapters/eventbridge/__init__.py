"""Publishing domain events to an Amazon EventBridge bus, and reading them back (`publisher.py`)."""
