"""Sending webhook deliveries over HTTP(S), to addresses checked before the connection."""
