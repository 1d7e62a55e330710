"""What makes a request envelope one this skill can use: shared by the web endpoint and the Lambda handler.

Imports neither Flask nor the verification stack, so the Lambda entry point can use it on a cold start.
"""
from __future__ import annotations

from ask_sdk_model import RequestEnvelope

from .serialization import EnvelopeSerializer

SERIALIZER = EnvelopeSerializer()


class BadRequest(ValueError):
    """Not an Alexa request this skill can use; the message says why in a few words, safe to show the caller."""


def read(payload: object) -> RequestEnvelope:
    """The RequestEnvelope in an already-parsed body, after the checks that need no SDK."""
    if not isinstance(payload, dict) or not isinstance(payload.get("request"), dict):
        raise BadRequest("not an Alexa request: no request object")
    if not isinstance(payload["request"].get("type"), str):
        raise BadRequest("not an Alexa request: no request type")
    try:
        envelope = SERIALIZER.envelope(payload)
    except Exception as error:  # the SDK raises several types for malformed fields
        raise BadRequest("malformed Alexa request") from error
    if envelope is None or envelope.request is None:
        raise BadRequest("malformed Alexa request")
    if envelope.context is None or envelope.context.system is None:  # Alexa always sends it; the SDK reads it first
        raise BadRequest("malformed Alexa request: no context.System")
    return envelope


def skill_ids(envelope: RequestEnvelope) -> list[str | None]:
    """The application ids the request names: context.System's, and the session's when it has one."""
    named = []
    system = envelope.context.system if envelope.context else None
    if system is not None and system.application is not None:
        named.append(system.application.application_id)
    if envelope.session is not None and envelope.session.application is not None:
        named.append(envelope.session.application.application_id)
    return named


def check_addressed_to(envelope: RequestEnvelope, skill_id: str | None) -> None:
    """With a skill id configured, refuse a request unless every application id it names is that one.

    Alexa puts the id in context.System and, for requests in a session, in the session too; the SDK
    checks only the first, so a request naming this skill in one place and another in the other got in.
    """
    if skill_id is None:
        return
    named = skill_ids(envelope)
    if not named or any(name != skill_id for name in named):
        raise BadRequest("request is for another skill")
