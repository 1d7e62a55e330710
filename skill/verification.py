"""Checks that a request really comes from Alexa, for our skill, and is fresh.

Wraps ask-sdk-webservice-support's RequestVerifier (signature and certificate chain)
and TimestampVerifier, so that every way a request can fail them becomes one
VerificationFailed with a short reason, which the endpoint answers with a 400.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ask_sdk_model import RequestEnvelope

from . import openssl_compat

openssl_compat.install()  # must run before ask_sdk_webservice_support imports certvalidator

from ask_sdk_webservice_support.verifier import (  # noqa: E402  (import order is the point)
    AbstractVerifier,
    RequestVerifier,
    TimestampVerifier,
    VerificationException,
)


class VerificationFailed(Exception):
    """The request failed verification; the message is safe to return to the caller."""


def build_verifiers(verify_signature: bool, verify_timestamp: bool) -> list[AbstractVerifier]:
    """The verifiers to run on each request, by configuration."""
    verifiers: list[AbstractVerifier] = []
    if verify_signature:
        verifiers.append(RequestVerifier())
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


def skill_id_of(envelope: RequestEnvelope) -> str | None:
    """The application id the request is addressed to."""
    system = envelope.context.system if envelope.context else None
    if system is not None and system.application is not None:
        return system.application.application_id
    if envelope.session is not None and envelope.session.application is not None:
        return envelope.session.application.application_id
    return None
