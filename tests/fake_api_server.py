"""Serves skill/fake_alexa_api.py over HTTPS on loopback, as Alexa's API endpoint for a test.

The SDK's DefaultApiClient refuses anything but HTTPS, so the fake gets a certificate for 127.0.0.1
from a throwaway CA; `requests` trusts that CA through REQUESTS_CA_BUNDLE for the test's duration.
A "timeout" failure makes the server hold its answer past the client's timeout.
"""
from __future__ import annotations

import functools
import ipaddress
import json
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from skill.fake_alexa_api import FakeAlexaApi
from tests import pki

_KEYS = Path(tempfile.mkdtemp(prefix="fake-alexa-api-"))  # one throwaway CA for the whole run
HOLD_SECONDS = 1.0  # how long a "timeout" holds its answer: past the short client timeout tests configure


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


@contextmanager
def serve(fake: FakeAlexaApi) -> Iterator[tuple[str, Path]]:
    """Run the fake on an HTTPS loopback port: yields (its base URL, the CA file that vouches for it)."""
    ca_file, cert_file, key_file = _certificates(_KEYS)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, answer = fake.handle(self.command, self.path, dict(self.headers.items()), raw)
            if status == 0:  # "timeout": hold the answer until the client has given up, then drop it
                time.sleep(HOLD_SECONDS)
                return
            data = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

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
        server.shutdown()
        server.server_close()
