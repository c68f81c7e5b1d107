"""The HTTP API (FastAPI), shared by the local server and the API Lambda."""
