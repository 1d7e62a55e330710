"""What makes a request envelope one this skill can use: shared by the web endpoint and the Lambda handler.

Imports neither Flask nor the verification stack, so the Lambda entry point can use it on a cold start.
"""
from __future__ import annotations

import copy
from typing import Any

from ask_sdk_model import RequestEnvelope
from ask_sdk_model.interfaces.system import SystemState

from skill.platform.serialization import EnvelopeSerializer

SERIALIZER = EnvelopeSerializer()
MAX_JSON_DEPTH = 32  # Alexa's envelopes nest about ten deep; the skill's own session attributes a few more


class SessionAttributes(dict):
    """A request's session attributes: JSON values, so a deep copy is a copy of their dicts and lists.

    The SDK deep-copies them for every request (AttributesManager); copy.deepcopy took 11 us of it, this 4 us.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: _copied(value) for key, value in self.items()}


_AS_IS = frozenset({str, int, float, bool, type(None)})


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    return copy.deepcopy(value)  # not a JSON value: as the SDK would copy it


class BadRequest(ValueError):
    """Not an Alexa request this skill can use; the message says why in a few words, safe to show the caller."""


def check_depth(payload: object, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse an already-parsed body nested deeper than any Alexa envelope (the SDK would recurse until it broke).

    Level by level, without recursion. The web endpoint checks the text before parsing instead (skill/server/web.py).
    """
    level = [payload]
    for _ in range(limit):
        level = [child for node in level if isinstance(node, (dict, list))
                 for child in (node.values() if isinstance(node, dict) else node)]
        if not level:
            return
    if any(isinstance(node, (dict, list)) for node in level):
        raise BadRequest("not an Alexa request: JSON nested too deep")


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
    if envelope.session is not None and type(envelope.session.attributes) is dict:
        envelope.session.attributes = SessionAttributes(envelope.session.attributes)
    return envelope


def system_of(envelope: RequestEnvelope) -> SystemState | None:
    """The request's context.System: read here only (read() refuses a request without it; a Lambda test event may lack it)."""
    return envelope.context.system if envelope.context else None


def skill_ids(envelope: RequestEnvelope) -> list[str | None]:
    """The application ids the request names: context.System's, and the session's when it has one."""
    named = []
    system = system_of(envelope)
    if system is not None and system.application is not None:
        named.append(system.application.application_id)
    if envelope.session is not None and envelope.session.application is not None:
        named.append(envelope.session.application.application_id)
    return named


def check_addressed_to(envelope: RequestEnvelope, skill_id: str | None) -> None:
    """With a skill id configured, refuse a request unless every application id it names is that one.

    Alexa puts the id in context.System and, for requests in a session, in the session too; the SDK
    checks only the first, so a request naming this skill in one place and another in the other got in.
    context.System.application must be there (the SDK reads it without looking).
    """
    if skill_id is None:
        return
    system = system_of(envelope)
    if system is None or system.application is None:  # Alexa always names it; the SDK would raise AttributeError
        raise BadRequest("request is for another skill")
    if any(name != skill_id for name in skill_ids(envelope)):
        raise BadRequest("request is for another skill")
