"""A tiny local stand-in for the DynamoDB endpoint, so cold-start runs make a real HTTP call.

It answers UpdateItem and GetItem with one fixed link and anything else with
`{}`. The point is not DynamoDB's behaviour (the tests use moto for that) but
a first request that goes through botocore's whole path: endpoint resolution,
signing, HTTP and parsing, as a first invocation on Lambda does.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LINK_ITEM = {
    "PK": {"S": "LINK#abc1234"},
    "SK": {"S": "LINK"},
    "short_id": {"S": "abc1234"},
    "owner": {"S": "local"},
    "url": {"S": "https://example.com/landing"},
    "is_active": {"BOOL": True},
    "redirect_status": {"N": "302"},
    "expires_at": {"S": "2099-01-01T00:00:00.000Z"},
    "click_count": {"N": "1"},
    "created_at": {"S": "2026-01-01T00:00:00.000Z"},
    "updated_at": {"S": "2026-01-01T00:00:00.000Z"},
}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        operation = self.headers.get("x-amz-target", "").rpartition(".")[2]
        body: dict[str, object] = {}
        if operation == "UpdateItem":
            body = {"Attributes": LINK_ITEM}
        elif operation == "GetItem":
            body = {"Item": LINK_ITEM}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/x-amz-json-1.0")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


def start() -> tuple[ThreadingHTTPServer, str]:
    """Serve on a free 127.0.0.1 port in a daemon thread; (server, endpoint URL)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
