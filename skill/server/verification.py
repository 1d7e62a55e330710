"""Checks that a request really comes from Alexa, for our skill, and is fresh.

Built on ask-sdk-webservice-support's own RequestVerifier and TimestampVerifier, with what
they lack for a public endpoint:
  - every failure is one VerificationFailed with a short reason (a 400), where the upstream
    code lets some escape as 500s: a certificate without a SAN (ExtensionNotFound), a signature
    that is not base64 (binascii.Error), a chain that cannot be fetched (URLError, timeouts);
  - the certificate URL is put in one canonical form before anything else (scheme and host in lower
    case, default port dropped, %-escapes decoded once, path normalised), and a URL with a query string,
    fragment, parameters or user-info is refused: 10,000 spellings of one URL are one cache entry;
    a path that is still not plain after one decoding ("%252e%252e" leaves "%2e%2e", a backslash, a
    control character) is refused before any fetch, so nothing downstream can decode it into "..";
  - the signing certificate's SAN is compared without regard to case, as DNS names are;
  - the whole certificate fetch has one deadline (upstream: no timeout at all, so one slow or
    trickling server holds a worker);
  - a validated chain is cached until the certificate expires or CHAIN_MAX_AGE passes, whichever is
    first (upstream: forever), in a cache of MAX_CACHED_CHAINS entries (Alexa uses a handful);
  - junk certificate URLs cannot lock Alexa out. Nothing tells Alexa's URL from junk before it is
    fetched, so there is no budget per minute for junk to use up (one such budget let 60 unsigned
    requests lock out a cold cache, issue 21). Instead: a fetch goes only to Amazon's own bucket,
    one per request at most; a URL that never validated is remembered for
    FAILED_FETCH_MEMORY_SECONDS when it fails (so one junk URL is one fetch however often it is
    sent); requests naming a URL being fetched share that fetch; at most MAX_NEW_FETCHES_AT_ONCE
    fetches of never-validated URLs run at once, so junk holds few threads and is refused at once
    beyond that; and a URL whose chain validated before is fetched again whenever needed, whatever
    junk is in flight (a warm cache needs no fetch at all);
  - certificate dates are compared timezone-aware (upstream uses properties cryptography deprecated);
  - a signed request is handled once (SeenRequests): its signature stays good for the 150 s the
    timestamp allows, so a captured request could otherwise be sent again, each time with its effects.
`fetch` and `trust_roots` can be injected: the tests use a locally made PKI and no network.
"""
from __future__ import annotations

import base64
import binascii
import http.client
import io
import posixpath
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse

from ask_sdk_model import RequestEnvelope

from skill.server import openssl_compat

openssl_compat.install()  # must run before ask_sdk_webservice_support imports certvalidator

from ask_sdk_webservice_support.verifier import (  # noqa: E402
    AbstractVerifier,
    RequestVerifier,
    TimestampVerifier,
    VerificationException,
)
from ask_sdk_webservice_support.verifier_constants import (  # noqa: E402
    ALEXA_SKILL_EVENT_LIST,
    CERT_CHAIN_DOMAIN,
    MAX_NORMAL_REQUEST_TOLERANCE_IN_MILLIS,
    MAX_SKILL_EVENT_TOLERANCE_IN_MILLIS,
)
from asn1crypto import pem  # noqa: E402  (after the fix above: certvalidator imports oscrypto)
from certvalidator import CertificateValidator, ValidationContext  # noqa: E402
from certvalidator.errors import PathError, ValidationError  # noqa: E402
from cryptography import x509  # noqa: E402

FETCH_TIMEOUT_SECONDS = 5.0  # the deadline for a whole certificate fetch: connect, headers and body
CHAIN_MAX_AGE_SECONDS = 12 * 3600
MAX_CHAIN_BYTES = 64 * 1024
MAX_CACHED_CHAINS = 8
FAILED_FETCH_MEMORY_SECONDS = 60.0
MAX_FAILED_URLS = 1024  # failures remembered (a few hundred kilobytes at most)
MAX_NEW_FETCHES_AT_ONCE = 4  # fetches of URLs that never validated; Amazon's bucket answers in milliseconds
REQUEST_TOLERANCE_SECONDS = MAX_NORMAL_REQUEST_TOLERANCE_IN_MILLIS / 1000  # 150 s: the timestamp check's window
SKILL_EVENT_TOLERANCE_SECONDS = MAX_SKILL_EVENT_TOLERANCE_IN_MILLIS / 1000  # an hour for skill events
MAX_REMEMBERED_REQUESTS = 50_000  # per process: 160 requests a second for 300 s; about 10 MB at most

Fetch = Callable[[str, float], bytes]
# What a decoded certificate path may hold: RFC 3986 path characters without "%" (an escape left after
# one decoding was encoded twice) or ";" (parameters). No backslash, space or control character.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,=:@/-]*")


class VerificationFailed(Exception):
    """The request failed verification; the message is safe to return to the caller."""


class _DeadlineSocket:
    """A socket whose every read gets only the time left before one deadline.

    http.client's timeout applies to each read, so a server that sends a byte every few seconds
    never trips it; this makes the whole exchange share one deadline.
    """

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock, self._deadline = sock, deadline

    def _arm(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("certificate fetch passed its deadline")
        self._sock.settimeout(remaining)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._arm()
        try:
            return self._sock.recv_into(buffer, nbytes, flags)
        except TimeoutError as error:
            raise TimeoutError("certificate fetch passed its deadline") from error

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self._arm()
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> Any:
        # As socket.makefile does: count the stream, so closing the connection leaves it readable
        # until the response is done with it; reads come back through recv_into above.
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        return io.BufferedReader(raw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def fetch_url(url: str, deadline: float = FETCH_TIMEOUT_SECONDS) -> bytes:
    """Download a certificate chain within one deadline for the whole exchange, with a size cap."""
    parsed = urlparse(url)
    until = time.monotonic() + deadline
    if parsed.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parsed.hostname or "", parsed.port, timeout=deadline, context=ssl.create_default_context())
    else:  # plain HTTP only ever reaches here in tests: the verifier accepts https URLs alone
        connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=deadline)
    try:
        connection.connect()
        connection.sock = _DeadlineSocket(connection.sock, until)  # type: ignore[assignment]
        connection.request("GET", parsed.path or "/")
        response = connection.getresponse()
        if response.status != 200:
            raise OSError(f"certificate fetch answered {response.status}")
        data = b""
        while len(data) <= MAX_CHAIN_BYTES:
            chunk = response.read(min(16384, MAX_CHAIN_BYTES + 1 - len(data)))
            if not chunk:
                break
            data += chunk
        return data
    finally:
        connection.close()


def canonical_cert_url(cert_url: str) -> str:
    """The one spelling of a certificate URL: what is fetched and what keys the cache.

    Refuses what Alexa never sends and an attacker would use to make each URL unique: a query
    string, fragment, ;parameters or user-info. Alexa's own rules (https, s3.amazonaws.com,
    /echo.api/, port 443) are checked on the result by the SDK's validation, then that the path
    is plain (`checked_cert_url`).
    """
    parsed = urlparse(cert_url)
    if parsed.query or parsed.fragment or parsed.params or "@" in parsed.netloc:
        raise VerificationException("Signature certificate URL must not carry a query, fragment or user-info")
    try:
        port = parsed.port
    except ValueError as error:
        raise VerificationException("Signature certificate URL has an invalid port", error) from error
    scheme = parsed.scheme.lower()
    host = (parsed.hostname or "").lower()
    netloc = host if port in (None, 443) else f"{host}:{port}"
    path = posixpath.normpath(unquote(parsed.path)) if parsed.path else ""
    return f"{scheme}://{netloc}{path}"


def checked_cert_url(cert_url: str, alexa_rules: Callable[[str], None]) -> str:
    """The canonical URL, once it keeps Alexa's rules and its path is plain; else VerificationException.

    Plain: one decoding left no escape (so "%252e%252e" is refused, not fetched for S3 or a proxy to
    decode into ".."), no backslash, no space or control character.
    """
    url = canonical_cert_url(cert_url)
    alexa_rules(url)
    if not _PLAIN_PATH.fullmatch(urlparse(url).path):
        raise VerificationException("Signature Certificate URL has invalid path: escaped twice, or not plain")
    return url


class AlexaSignatureVerifier(RequestVerifier):
    """The SDK's RequestVerifier with safe failures, a fetch deadline and a small, expiring chain cache.

    It needs only the headers and the raw body, so the endpoint runs it before parsing anything.
    """

    def __init__(
        self,
        fetch: Fetch = fetch_url,
        trust_roots: Sequence[bytes] | None = None,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__()
        self._fetch = fetch
        self._trust_roots = list(trust_roots) if trust_roots is not None else None
        self._clock = clock
        self._chains: OrderedDict[str, tuple[x509.Certificate, float]] = OrderedDict()  # least recent first
        self._failed: OrderedDict[str, float] = OrderedDict()  # canonical URL -> remembered until
        self._fetching: dict[str, tuple[threading.Event, bool]] = {}  # URL -> (done, a never-validated URL)
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, Any], serialized_request_env: str, deserialized_request_env: RequestEnvelope) -> None:
        try:
            super().verify(dict(headers), serialized_request_env, deserialized_request_env)
        except VerificationException:
            raise
        except Exception as error:  # anything else the upstream code raises is a bad request too
            raise VerificationException(f"Signature verification failed ({type(error).__name__})") from error

    def _validate_certificate_url(self, cert_url: str) -> None:
        # Checked in canonical form: %-escapes decoded, so "%2e%2e" cannot slip by the path check.
        checked_cert_url(cert_url, super()._validate_certificate_url)

    def _retrieve_and_validate_certificate_chain(self, cert_url: str, x509_backend: Any = None) -> x509.Certificate:
        url = checked_cert_url(cert_url, super()._validate_certificate_url)
        for _ in range(2):
            found = self._cached_or_claimed(url)
            if isinstance(found, x509.Certificate):
                return found
            if found is None:
                return self._fetch_claimed(url)
            found.wait(FETCH_TIMEOUT_SECONDS + 1)  # another request is fetching this URL: its answer serves this one
        raise VerificationException("Unable to load certificate from URL (still loading; try again shortly)")

    def _cached_or_claimed(self, url: str) -> x509.Certificate | threading.Event | None:
        """The cached certificate; else the fetch under way to wait for; else None: this caller fetches it."""
        now = self._clock()
        with self._lock:
            cached = self._chains.get(url)
            if cached is not None and now < cached[1]:
                self._chains.move_to_end(url)
                return cached[0]
            if self._failed.get(url, 0.0) > now:
                raise VerificationException("Unable to load certificate from URL (failed recently)")
            if url in self._fetching:
                return self._fetching[url][0]
            new = url not in self._chains  # a URL that validated before is never held back
            if new and sum(counted for _, counted in self._fetching.values()) >= MAX_NEW_FETCHES_AT_ONCE:
                raise VerificationException("Unable to load certificate from URL (fetches busy; try again shortly)")
            self._fetching[url] = (threading.Event(), new)
            return None

    def _fetch_claimed(self, url: str) -> x509.Certificate:
        """Fetch and validate the chain this caller claimed; remember the outcome; wake whoever waits."""
        now = self._clock()
        try:
            end_cert = self._load_and_validate(url)
        except VerificationException:
            with self._lock:
                if url not in self._chains:  # Alexa's own URL failing once (a network blip) is tried again at once
                    self._failed[url] = now + FAILED_FETCH_MEMORY_SECONDS
                    self._failed.move_to_end(url)
                    while len(self._failed) > MAX_FAILED_URLS:
                        self._failed.popitem(last=False)
            raise
        else:
            expires = min(end_cert.not_valid_after_utc.timestamp(), now + CHAIN_MAX_AGE_SECONDS)
            with self._lock:
                self._chains[url] = (end_cert, expires)
                self._chains.move_to_end(url)
                while len(self._chains) > MAX_CACHED_CHAINS:
                    self._chains.popitem(last=False)
            return end_cert
        finally:
            with self._lock:
                done, _ = self._fetching.pop(url)
            done.set()

    def _load_and_validate(self, url: str) -> x509.Certificate:
        chain = self._load_cert_chain(url)
        self._validate_cert_chain(chain)
        try:
            end_cert = x509.load_pem_x509_certificate(chain)
        except ValueError as error:
            raise VerificationException("Signature certificate is not readable", error) from error
        self._validate_end_certificate(end_cert)
        return end_cert

    def _load_cert_chain(self, cert_url: str) -> bytes:
        try:
            data = self._fetch(cert_url, FETCH_TIMEOUT_SECONDS)
        except (OSError, ValueError, http.client.HTTPException) as error:  # timeouts are OSErrors
            raise VerificationException("Unable to load certificate from URL", error) from error
        if not data or len(data) > MAX_CHAIN_BYTES:
            raise VerificationException("Certificate chain is empty or too large")
        return data

    def _validate_cert_chain(self, cert_chain: bytes) -> None:
        if self._trust_roots is None:
            return super()._validate_cert_chain(cert_chain)
        try:
            certificates = [der for _, _, der in pem.unarmor(cert_chain, multiple=True)]
            if not certificates:
                raise VerificationException("Certificate chain is empty")
            context = ValidationContext(trust_roots=self._trust_roots)
            validator = CertificateValidator(certificates[0], certificates[1:], validation_context=context)
            validator.validate_usage(key_usage={"digital_signature"})
        except (PathError, ValidationError, ValueError) as error:
            raise VerificationException("Certificate chain is not valid", error) from error

    def _validate_end_certificate(self, x509_cert: x509.Certificate) -> None:
        # The upstream check, with timezone-aware dates (it uses the naive ones cryptography has
        # deprecated), a missing SAN reported as a failure instead of an exception, and the name
        # compared without regard to case (upstream: exact, so "ECHO-API.AMAZON.COM" was refused).
        now = datetime.now(UTC)
        if not x509_cert.not_valid_before_utc <= now <= x509_cert.not_valid_after_utc:
            raise VerificationException("Signing Certificate expired")
        try:
            names = x509_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound as error:
            raise VerificationException("Signature certificate has no subject alternative names", error) from error
        if CERT_CHAIN_DOMAIN not in {name.lower() for name in names.get_values_for_type(x509.DNSName)}:
            raise VerificationException(f"{CERT_CHAIN_DOMAIN} domain missing in Signature Certificate Chain")

    def _valid_request_body(self, cert_chain: x509.Certificate, signature: str, serialized_request_env: str) -> None:
        try:
            base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError) as error:
            raise VerificationException("Signature is not valid base64", error) from error
        super()._valid_request_body(cert_chain, signature, serialized_request_env)


class SeenRequests:
    """The ids of the requests this process has handled, each kept while a replay could still pass.

    A request passes the timestamp check for its tolerance either side of its timestamp, so a replay
    can arrive up to twice that after the first copy: each id is kept that long (300 s; two hours for
    skill events), MAX_REMEMBERED_REQUESTS at most, the oldest forgotten first. Only requests that
    passed verification are recorded, so nobody can use up an id Alexa has yet to send. Per process:
    with several workers, a replay that reaches another worker is handled there once more.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_ids: int = MAX_REMEMBERED_REQUESTS):
        self._clock, self._max_ids = clock, max_ids
        self._until: OrderedDict[str, float] = OrderedDict()  # request id -> remembered until, oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._until)

    def first_time(self, envelope: RequestEnvelope) -> bool:
        """Record the request's id; False if it was recorded before (a replay). A request needs an id."""
        request = envelope.request
        request_id = getattr(request, "request_id", None)
        if not isinstance(request_id, str) or not request_id:
            raise VerificationFailed("malformed Alexa request: no requestId")
        events = getattr(request, "object_type", None) in ALEXA_SKILL_EVENT_LIST
        keep = 2 * (SKILL_EVENT_TOLERANCE_SECONDS if events else REQUEST_TOLERANCE_SECONDS)
        now = self._clock()
        with self._lock:
            while self._until and next(iter(self._until.values())) <= now:
                self._until.popitem(last=False)
            if self._until.get(request_id, 0.0) > now:
                return False
            self._until[request_id] = now + keep
            while len(self._until) > self._max_ids:
                self._until.popitem(last=False)
            return True


@dataclass(frozen=True)
class Verifiers:
    """The checks to run on each request, split by what they need."""

    raw: tuple[AbstractVerifier, ...] = ()  # headers and raw body only (the signature): run before parsing
    parsed: tuple[AbstractVerifier, ...] = ()  # the parsed envelope too (the timestamp)


def build_verifiers(
    verify_signature: bool,
    verify_timestamp: bool,
    fetch: Fetch = fetch_url,
    trust_roots: Sequence[bytes] | None = None,
) -> Verifiers:
    """The verifiers to run on each request, by configuration."""
    return Verifiers(
        raw=(AlexaSignatureVerifier(fetch=fetch, trust_roots=trust_roots),) if verify_signature else (),
        parsed=(TimestampVerifier(),) if verify_timestamp else (),
    )


def verify(
    verifiers: Sequence[AbstractVerifier],
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]],  # a dict, or werkzeug's Headers: each verifier gets a dict
    body: str,
    envelope: RequestEnvelope | None,
) -> None:
    """Run the verifiers; raise VerificationFailed with a short reason on any failure."""
    for verifier in verifiers:
        try:
            # The signature verifier never reads the envelope, so it runs before there is one.
            verifier.verify(headers=dict(headers), serialized_request_env=body,
                            deserialized_request_env=envelope)  # type: ignore[arg-type]
        except VerificationException as error:
            raise VerificationFailed(str(error.args[0]) if error.args else "verification failed") from error
        except Exception as error:  # a verifier bug must still not be a 500
            raise VerificationFailed(f"verification failed ({type(error).__name__})") from error

