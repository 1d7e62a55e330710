"""Serves skill/dev/fake_alexa_api.py over HTTPS on loopback, as Alexa's API endpoint for a test.

The skill's client refuses anything but HTTPS, so the fake gets a certificate for 127.0.0.1 from a
throwaway CA (`ca_file()`), which the test's client is told to trust. Each Answer is delivered as it says:
at once, held back ("silence", past the client's deadline), a byte every TRICKLE_SECONDS, 50 MB without
end, a hang-up, or a line that is not HTTP. Every slow delivery stops when the test's server does.
"""
from __future__ import annotations

import functools
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from skill.dev.fake_alexa_api import HUGE_BYTES, Answer, Call, FakeAlexaApi
from tests import pki

_KEYS = Path(tempfile.mkdtemp(prefix="fake-alexa-api-"))  # one throwaway CA for the whole run
HOLD_SECONDS = 1.0  # how long "silence" holds its answer: past the short client deadline tests configure
TRICKLE_SECONDS = 0.1  # between the bytes of a trickle: far under any per-read timeout, so only a deadline ends it
_CHUNK = 64 * 1024


@functools.cache
def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for 127.0.0.1 it signed: (ca file, cert file, key file); made once."""
    ca_key, server_key = pki.key(), pki.key()
    ca = pki.certificate("Fake Alexa API CA", ca_key, "Fake Alexa API CA", ca_key, ca=True)
    now = datetime.now(UTC)
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    files = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    files[0].write_bytes(pki.pem(ca))
    files[1].write_bytes(pki.pem(server))
    files[2].write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return files


def ca_file() -> Path:
    """The CA file that vouches for every fake served in this run (for the client under test to trust)."""
    return _certificates(_KEYS)[0]


@contextmanager
def serve(fake: FakeAlexaApi) -> Iterator[tuple[str, Path]]:
    """Run the fake on an HTTPS loopback port: yields (its base URL, the CA file that vouches for it)."""
    ca_file, cert_file, key_file = _certificates(_KEYS)
    stopping = threading.Event()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # the status line says 1.1, as Alexa's APIs do; every answer closes

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            with lock:
                answer = fake.handle(self.command, self.path, dict(self.headers.items()), raw)
                call = fake.calls[-1]
            self.close_connection = True
            try:
                self._deliver(answer, call)
            except OSError:  # the client gave up: call.sent says how far the answer got
                pass

        def _deliver(self, answer: Answer, call: Call) -> None:
            if answer.delivery == "silence":  # hold the answer until the client has given up, then drop it
                stopping.wait(HOLD_SECONDS)
            elif answer.delivery == "not http":
                self.wfile.write(b"SSH-2.0-OpenSSH_9.2p1\r\n")
            elif answer.delivery in ("endless", "huge"):
                head = f"HTTP/1.1 {answer.status} OK\r\nContent-Type: {answer.content_type}\r\n"
                if answer.delivery == "huge":
                    head += f"Content-Length: {HUGE_BYTES}\r\n"
                head += "Connection: close\r\n\r\n"
                self.wfile.write(head.encode())
                call.sent = len(head)
                chunk = b'"' + b"x" * (_CHUNK - 1)
                while call.sent < HUGE_BYTES + len(head) and not stopping.is_set():
                    self.wfile.write(chunk)
                    call.sent += len(chunk)
            elif answer.delivery != "hang up":
                head = f"HTTP/1.1 {answer.status} {self.responses.get(answer.status, ('Unknown',))[0]}\r\n"
                fields = [("Content-Type", answer.content_type), *answer.headers,
                          ("Content-Length", str(len(answer.body))), ("Connection", "close")]
                head += "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
                if answer.delivery == "whole":
                    self.wfile.write(head.encode() + answer.body)
                    call.sent = len(head) + len(answer.body)
                    return
                if answer.delivery == "slow body":
                    self.wfile.write(head.encode())
                    call.sent, head = len(head), ""
                for byte in head.encode() + answer.body:  # "trickle" and "slow body": one byte at a time
                    if stopping.wait(TRICKLE_SECONDS):
                        return
                    self.wfile.write(bytes([byte]))
                    call.sent += 1

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads, server.block_on_close = True, False  # a held "timeout" answer does not hold the test
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca_file
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
