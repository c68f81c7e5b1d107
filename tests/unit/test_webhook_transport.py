"""The HTTP(S) transport itself: TLS to a pinned address, and one time bound for a request."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shortstack.adapters.webhooks.http import HttpWebhookTransport
from shortstack.domain.webhook_failures import HostNotFound, NotHttp, failed

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def self_signed(directory: Path, host: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, Path, list[bytes]]]:
    """An HTTPS server on 127.0.0.1 whose certificate names `hooks.test` only."""
    cert, key = self_signed(tmp_path, "hooks.test")
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(202)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert, bodies
    server.shutdown()
    server.server_close()


def test_https_goes_to_the_pinned_address_and_checks_the_certificate_for_the_name(
    tls_receiver: tuple[int, Path, list[bytes]],
) -> None:
    port, cert, bodies = tls_receiver
    transport = HttpWebhookTransport(ssl.create_default_context(cafile=str(cert)))
    # `hooks.test` resolves nowhere: the connection goes to the address given, TLS checks
    # the certificate against the URL's name.
    status = transport.post(f"https://hooks.test:{port}/in?x=1", LOOPBACK, {}, b"{}", 5)
    assert (status, bodies) == (202, [b"{}"])
    with pytest.raises(ssl.SSLCertVerificationError, match=r"other\.test") as mismatch:
        transport.post(f"https://other.test:{port}/in", LOOPBACK, {}, b"{}", 5)
    assert failed(mismatch.value, "other.test", port, 5) == (
        "TLS failure: other.test's certificate did not verify (Hostname mismatch, certificate "
        "is not valid for 'other.test'.)"
    )
    with pytest.raises(ssl.SSLCertVerificationError):  # a certificate nobody vouches for
        HttpWebhookTransport().post(f"https://hooks.test:{port}/in", LOOPBACK, {}, b"{}", 5)


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\n":
                if stop.wait(0.3):
                    return
                connection.sendall(bytes([byte]))

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"no answer within 1\.0 s"):
        HttpWebhookTransport().post(f"http://127.0.0.1:{port}/in", LOOPBACK, {}, b"{}", 1.0)
    took = time.monotonic() - started
    stop.set()
    listener.close()
    thread.join(5)
    # Each byte came well within a per-read timeout; only the whole-request bound stops it.
    assert took < 3.0


def test_names_resolve_to_their_addresses_and_unknown_names_fail() -> None:
    transport = HttpWebhookTransport()
    assert transport.resolve("127.0.0.1", 80, 5) == [LOOPBACK]
    assert transport.resolve("[::1]", 80, 5) == [ipaddress.ip_address("::1")]
    assert LOOPBACK in transport.resolve("localhost", 80, 5)
    with pytest.raises(HostNotFound, match="cannot resolve"):
        transport.resolve("no-such-host.invalid", 443, 5)


def test_what_the_socket_raises_becomes_a_sentence() -> None:
    """The real exceptions, not look-alikes: a closed port and a receiver that hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(ConnectionRefusedError) as closed:
        HttpWebhookTransport().post(f"http://127.0.0.1:{port}/in", LOOPBACK, {}, b"{}", 1.0)
    assert failed(closed.value, "127.0.0.1", port, 1.0) == (
        f"127.0.0.1:{port} refused the connection: is the receiver running and on that port?"
    )
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    with pytest.raises((NotHttp, ConnectionError)) as dropped:  # RemoteDisconnected is both
        HttpWebhookTransport().post(f"http://127.0.0.1:{port}/in", LOOPBACK, {}, b"{}", 2.0)
    thread.join(5)
    listener.close()
    assert failed(dropped.value, "127.0.0.1", port, 2.0) == (
        f"127.0.0.1:{port} closed the connection without an HTTP answer"
    )
