"""Checks that a request really comes from Alexa, for our skill, and is fresh.

Built on ask-sdk-webservice-support's own RequestVerifier and TimestampVerifier, with what
they lack for a public endpoint:
  - every failure is one VerificationFailed with a short reason (a 400), where the upstream
    code lets some escape as 500s: a certificate without a SAN (ExtensionNotFound), a signature
    that is not base64 (binascii.Error), a chain that cannot be fetched (URLError, timeouts);
  - the certificate chain is fetched with a timeout (upstream: none, so one slow fetch hangs a worker);
  - a validated chain is cached until the certificate expires or CHAIN_MAX_AGE passes,
    whichever is first (upstream: forever, even after the certificate expired);
  - percent-encoded paths are decoded before the /echo.api/ check, so "%2e%2e" cannot slip by;
  - certificate dates are compared timezone-aware (upstream uses properties cryptography deprecated).
`fetch` and `trust_roots` can be injected: the tests use a locally made PKI and no network.
"""
from __future__ import annotations

import base64
import binascii
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import unquote, urlparse, urlunparse

from ask_sdk_model import RequestEnvelope

from . import openssl_compat

openssl_compat.install()  # must run before ask_sdk_webservice_support imports certvalidator

from asn1crypto import pem  # noqa: E402  (after the fix above: certvalidator imports oscrypto)
from ask_sdk_webservice_support.verifier import (  # noqa: E402
    AbstractVerifier,
    RequestVerifier,
    TimestampVerifier,
    VerificationException,
)
from ask_sdk_webservice_support.verifier_constants import CERT_CHAIN_DOMAIN  # noqa: E402
from certvalidator import CertificateValidator, ValidationContext  # noqa: E402
from certvalidator.errors import PathError, ValidationError  # noqa: E402
from cryptography import x509  # noqa: E402

FETCH_TIMEOUT_SECONDS = 5.0
CHAIN_MAX_AGE_SECONDS = 12 * 3600
MAX_CHAIN_BYTES = 64 * 1024

Fetch = Callable[[str, float], bytes]


class VerificationFailed(Exception):
    """The request failed verification; the message is safe to return to the caller."""


def fetch_url(url: str, timeout: float) -> bytes:
    """Download a certificate chain, with a timeout and a size cap."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (URL checked before)
        return response.read(MAX_CHAIN_BYTES + 1)


class AlexaSignatureVerifier(RequestVerifier):
    """The SDK's RequestVerifier with safe failures, a fetch timeout and an expiring chain cache."""

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
        self._chains: dict[str, tuple[x509.Certificate, float]] = {}
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, Any], serialized_request_env: str, deserialized_request_env: RequestEnvelope) -> None:
        try:
            super().verify(headers, serialized_request_env, deserialized_request_env)
        except VerificationException:
            raise
        except Exception as error:  # anything else the upstream code raises is a bad request too
            raise VerificationException(f"Signature verification failed ({type(error).__name__})") from error

    def _validate_certificate_url(self, cert_url: str) -> None:
        parsed = urlparse(cert_url)
        # Decode %-escapes first, so the path check sees what the server would serve.
        super()._validate_certificate_url(urlunparse(parsed._replace(path=unquote(parsed.path))))

    def _retrieve_and_validate_certificate_chain(self, cert_url: str, x509_backend: Any = None) -> x509.Certificate:
        self._validate_certificate_url(cert_url)
        now = self._clock()
        with self._lock:
            cached = self._chains.get(cert_url)
        if cached is not None and now < cached[1]:
            return cached[0]
        chain = self._load_cert_chain(cert_url)
        self._validate_cert_chain(chain)
        try:
            end_cert = x509.load_pem_x509_certificate(chain)
        except ValueError as error:
            raise VerificationException("Signature certificate is not readable", error) from error
        self._validate_end_certificate(end_cert)
        expires = min(end_cert.not_valid_after_utc.timestamp(), now + CHAIN_MAX_AGE_SECONDS)
        with self._lock:
            self._chains[cert_url] = (end_cert, expires)
        return end_cert

    def _load_cert_chain(self, cert_url: str) -> bytes:
        try:
            data = self._fetch(cert_url, FETCH_TIMEOUT_SECONDS)
        except (OSError, urllib.error.URLError, ValueError) as error:  # timeouts are OSErrors
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
        # deprecated) and a missing SAN reported as a failure instead of an exception.
        now = datetime.now(timezone.utc)
        if not x509_cert.not_valid_before_utc <= now <= x509_cert.not_valid_after_utc:
            raise VerificationException("Signing Certificate expired")
        try:
            names = x509_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound as error:
            raise VerificationException("Signature certificate has no subject alternative names", error) from error
        if CERT_CHAIN_DOMAIN not in names.get_values_for_type(x509.DNSName):
            raise VerificationException(f"{CERT_CHAIN_DOMAIN} domain missing in Signature Certificate Chain")

    def _valid_request_body(self, cert_chain: x509.Certificate, signature: str, serialized_request_env: str) -> None:
        try:
            base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError) as error:
            raise VerificationException("Signature is not valid base64", error) from error
        super()._valid_request_body(cert_chain, signature, serialized_request_env)


def build_verifiers(
    verify_signature: bool,
    verify_timestamp: bool,
    fetch: Fetch = fetch_url,
    trust_roots: Sequence[bytes] | None = None,
) -> list[AbstractVerifier]:
    """The verifiers to run on each request, by configuration."""
    verifiers: list[AbstractVerifier] = []
    if verify_signature:
        verifiers.append(AlexaSignatureVerifier(fetch=fetch, trust_roots=trust_roots))
    if verify_timestamp:
        verifiers.append(TimestampVerifier())
    return verifiers


def verify(
    verifiers: Sequence[AbstractVerifier],
    headers: Mapping[str, Any],
    body: str,
    envelope: RequestEnvelope,
) -> None:
    """Run every verifier; raise VerificationFailed with a short reason on any failure."""
    for verifier in verifiers:
        try:
            verifier.verify(headers=dict(headers), serialized_request_env=body, deserialized_request_env=envelope)
        except VerificationException as error:
            raise VerificationFailed(str(error.args[0]) if error.args else "verification failed") from error
        except Exception as error:  # a verifier bug must still not be a 500
            raise VerificationFailed(f"verification failed ({type(error).__name__})") from error


def skill_id_of(envelope: RequestEnvelope) -> str | None:
    """The application id the request is addressed to."""
    system = envelope.context.system if envelope.context else None
    if system is not None and system.application is not None:
        return system.application.application_id
    if envelope.session is not None and envelope.session.application is not None:
        return envelope.session.application.application_id
    return None
