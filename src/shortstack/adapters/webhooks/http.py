"""Deliveries over HTTP(S) with the standard library, connected to a checked address.

The connection goes to the address the service checked, not to whatever the name
resolves to a moment later, while TLS still verifies the certificate against the
URL's host name. One timer bounds the whole request (connect, send, the answer's
head): a receiver that trickles its answer a byte at a time is cut off too.
Redirects are not followed; the answer's body is not read. The name lookup before it
has a deadline too: the system resolver has none of ours and may wait out several
unanswering name servers, so it runs on a thread of its own that is left behind, not
waited for, when the deadline passes.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from shortstack.domain.webhook_failures import HostNotFound, LookupTimedOut, NotHttp
from shortstack.domain.webhooks import IPAddress, target_host


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, address: IPAddress, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class HttpWebhookTransport:
    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._context = context or ssl.create_default_context()

    def resolve(self, host: str, port: int, timeout_s: float) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        try:
            infos = _looked_up(host, port, timeout_s)
        except (socket.gaierror, UnicodeError) as exc:
            raise HostNotFound(f"cannot resolve {host!r}: {exc}") from exc
        found: list[IPAddress] = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if address not in found:
                found.append(address)
        if not found:
            raise HostNotFound(f"{host!r} resolves to no address")
        return found

    def post(
        self, url: str, address: IPAddress, headers: dict[str, str], body: bytes, timeout_s: float
    ) -> int:
        parts = urlsplit(url)
        host, port = target_host(url)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = _PinnedHTTPSConnection(host, port, address, timeout_s, self._context)
        else:
            connection = _PinnedHTTPConnection(host, port, address, timeout_s)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        expired = threading.Event()
        deadline = threading.Timer(timeout_s, _cut, args=(connection, expired))
        deadline.daemon = True
        deadline.start()
        try:
            connection.request("POST", target, body=body, headers=headers)
            return connection.getresponse().status
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # Whatever a socket shut mid-read raises, the cause is the time limit.
            if expired.is_set():
                raise TimeoutError(f"no answer within {timeout_s:.1f} s") from exc
            if isinstance(exc, OSError):
                raise
            raise NotHttp(f"{type(exc).__name__}: {exc}") from exc
        finally:
            deadline.cancel()
            connection.close()


# Lookups left running at once: each one that hangs holds a thread until the system
# resolver gives up (tens of seconds), so a flood of odd names cannot pile up threads.
LOOKUPS_MAX = 16
_lookups = threading.BoundedSemaphore(LOOKUPS_MAX)


def _looked_up(host: str, port: int, timeout_s: float) -> list[Any]:
    """socket.getaddrinfo's answer for `host`, or LookupTimedOut after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    if not _lookups.acquire(timeout=max(timeout_s, 0)):
        raise LookupTimedOut(f"{LOOKUPS_MAX} lookups already running: none for {host!r}")
    outcome: list[Any] = []
    done = threading.Event()

    def look() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:  # handed to the caller, raised there
            outcome.append(exc)
        finally:
            _lookups.release()
            done.set()

    threading.Thread(target=look, name="webhook-dns", daemon=True).start()
    if not done.wait(max(deadline - time.monotonic(), 0)):
        raise LookupTimedOut(f"no answer for {host!r} within {timeout_s:.1f} s")
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return list(outcome[0])


def _cut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """End a request that outlived its time: the blocked read or write fails at once."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
