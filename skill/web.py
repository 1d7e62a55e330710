"""The HTTP side: POST / takes an Alexa request envelope, GET /health answers load balancers.

Every bad request gets a 4xx with a short reason; a request that reaches the skill
always gets a valid Alexa response.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, jsonify, request

from .serialization import EnvelopeSerializer
from .verification import VerificationFailed, skill_id_of, verify

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """The body is not an acceptable Alexa request; the message says why."""


def _error(status: int, reason: str) -> tuple[Response, int]:
    return jsonify({"error": reason}), status


SERIALIZER = EnvelopeSerializer()


def parse_envelope(body: bytes, content_type: str | None) -> tuple[str, RequestEnvelope]:
    """Decode and shape-check the body, then deserialize it into a RequestEnvelope."""
    if not content_type or content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest("expected Content-Type: application/json")
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest("body is not valid JSON") from error
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
    return text, envelope


class SkillEndpoint:
    """Verifies each request, then hands it to the skill."""

    def __init__(self, skill: CustomSkill, verifiers: list, skill_id: str | None):
        self.skill = skill
        self.verifiers = verifiers
        self.skill_id = skill_id

    def register(self, app: Flask) -> None:
        """Add the routes to the app."""
        app.add_url_rule("/", "skill", self.dispatch, methods=["POST"])
        app.add_url_rule("/health", "health", lambda: {"status": "ok"}, methods=["GET"])
        app.register_error_handler(413, lambda e: _error(413, "request body too large"))
        app.register_error_handler(405, lambda e: _error(405, "method not allowed"))
        app.register_error_handler(404, lambda e: _error(404, "not found"))

    def dispatch(self) -> Any:
        """POST /: one Alexa request in, one Alexa response out; one log line for each."""
        started = time.perf_counter()
        envelope: RequestEnvelope | None = None
        status, reason = 200, None
        try:
            body, envelope = parse_envelope(request.get_data(cache=False), request.content_type)
            verify(self.verifiers, request.headers, body, envelope)
            if self.skill_id is not None and skill_id_of(envelope) != self.skill_id:
                raise BadRequest("request is for another skill")
            result = jsonify(self.skill.serializer.serialize(self.skill.invoke(request_envelope=envelope, context=None)))
        except (BadRequest, VerificationFailed) as error:
            status, reason = 400, str(error)
            result = _error(400, reason)
        except AskSdkException as error:
            status, reason = 400, "the skill cannot handle this request"
            log.error("skill could not answer: %s", error)
            result = _error(400, reason)
        access_log(envelope, status, time.perf_counter() - started, reason)
        return result


def access_log(envelope: RequestEnvelope | None, status: int, seconds: float, reason: str | None) -> None:
    """One line per request: ids and types only, never the user id or what the user said."""
    request_obj = envelope.request if envelope is not None else None
    intent = getattr(getattr(request_obj, "intent", None), "name", None)
    log.info(
        "request id=%s type=%s intent=%s status=%d latency_ms=%.1f%s",
        getattr(request_obj, "request_id", None) or "-",
        getattr(request_obj, "object_type", None) or "-",
        intent or "-",
        status,
        seconds * 1000,
        f" reason={reason!r}" if reason else "",
    )
