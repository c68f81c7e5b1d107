"""Why a delivery failed, as a sentence its owner can act on.

A delivery's `error` is shown by the API, on the page and in a dead letter. Python's
own words ("ConnectionRefusedError: [Errno 111] Connection refused") say what the
socket saw; these say what happened at the receiver and what to check. The answer's
status code stays in its own field; the sentence repeats it with its reason phrase.
Standard library only: the transport's port speaks in OSError and its subclasses.
"""

from __future__ import annotations

import http
import ssl

from shortstack.domain.webhooks import RefusedAddress

# An attempt the deadline kept from being made: no fault of the receiver, so never counted
# towards turning it off.
NOT_SENT = "not sent: no time was left for it in this try; it goes with the event's next try"


class HostNotFound(OSError):
    """The receiver's host name resolves to no address."""


class LookupTimedOut(TimeoutError):
    """The receiver's host name was not resolved in the time the delivery had."""


class NotHttp(OSError):
    """What came back was not an HTTP answer (or the connection ended before one)."""


class NoTimeLeft(TimeoutError):
    """Nothing was sent: the event's time for deliveries had run out before this one."""


def answered(status: int) -> str | None:
    """The sentence for an answer with `status`; None for a 2xx (delivered)."""
    if 200 <= status < 300:
        return None
    said = f"the receiver answered {status}{_phrase(status)}"
    if 300 <= status < 400:
        return f"{said}, a redirect: deliveries do not follow redirects, so use the final URL"
    if 400 <= status < 500:
        return f"{said}: it turned the delivery down; check the URL and its signature check"
    if status >= 500:
        return f"{said}: it failed while handling the delivery; see the receiver's logs"
    return f"{said}, not a 2xx success"


def failed(exc: BaseException, host: str, port: int, timeout_s: float) -> str:
    """The sentence for a delivery to `host`:`port` that raised `exc` before any answer."""
    where = f"{host}:{port}"
    if isinstance(exc, NoTimeLeft):
        return NOT_SENT
    if isinstance(exc, RefusedAddress) and exc.address is not None:
        return (
            f"address refused: {host} resolves to {exc.address}, a private, loopback or"
            " link-local address, which deliveries may not reach"
        )
    if isinstance(exc, HostNotFound | RefusedAddress):
        return f"DNS name {host!r} not found: check the host in the URL"
    if isinstance(exc, LookupTimedOut):
        return (
            f"DNS lookup of {host!r} timed out after {round(timeout_s, 1):g} s: its name servers"
            " did not answer; check the host in the URL"
        )
    if isinstance(exc, TimeoutError):
        return f"timed out after {round(timeout_s, 1):g} s: the receiver must answer 2xx sooner"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection: is the receiver running and on that port?"
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = getattr(exc, "verify_message", None) or "not trusted"
        return f"TLS failure: {host}'s certificate did not verify ({reason})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failure talking to {where} ({getattr(exc, 'reason', None) or 'handshake'})"
    if isinstance(exc, ConnectionError | NotHttp):
        return f"{where} closed the connection without an HTTP answer"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"could not reach {where}: {reason or type(exc).__name__}"


def _phrase(status: int) -> str:
    try:
        return f" {http.HTTPStatus(status).phrase}"
    except ValueError:
        return ""
