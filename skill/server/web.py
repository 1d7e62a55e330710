"""The HTTP side: POST / takes an Alexa request envelope, GET /health answers load balancers.

Every bad request gets a 4xx with a short reason; a request that reaches the skill
always gets a valid Alexa response. The order of the checks is the order of their cost, and
nothing an outsider sends is parsed before it has passed the checks that need no parsing:

  1. the size (413 over MAX_CONTENT_LENGTH, chunked bodies included) and the content type;
  2. the signature, on the raw bytes (when verification is on);
  3. the JSON, refused if nested deeper than any Alexa envelope (MAX_JSON_DEPTH) before it is parsed;
  4. the envelope's shape, then the timestamp, then the skill id (in context.System and the session alike);
  5. with signatures checked, the request id: a signed request is handled once, and a replay is a 400.

POST / is answered by SkillFirst, a WSGI middleware in front of Flask, from the WSGI environ: Flask's request
context, routing and response objects were a tenth of a worker's time on each Alexa request. Everything else
(GET /health, and the 404 and 405 of other paths and methods) is Flask's.
"""
from __future__ import annotations

import json
import logging
import re
import time
from http import HTTPStatus
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, request
from werkzeug.datastructures import EnvironHeaders
from werkzeug.wsgi import get_content_length

from skill.logsafe import clean
from skill.platform import envelope as envelopes
from skill.platform.envelope import SERIALIZER, BadRequest
from skill.server.verification import SeenRequests, VerificationFailed, Verifiers, verify

log = logging.getLogger(__name__)
MAX_JSON_DEPTH = envelopes.MAX_JSON_DEPTH
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string, escapes included (unrolled: linear)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}")  # one pass removes exactly one level, whatever the bracket kinds


class TooLarge(Exception):
    """The body is larger than any Alexa request."""


def _json(reply: Any) -> bytes:
    """A reply as compact JSON (jsonify sorts the keys and goes through Flask's JSON provider: a third slower)."""
    return json.dumps(reply, separators=(",", ":")).encode()


def _error(status: int, reason: str) -> Response:
    """A Flask route's error, with the body the skill endpoint writes for its own."""
    return Response(_json({"error": reason}), status=status, mimetype="application/json")


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes whether or not a length was declared.

    Read from the server's input stream itself: werkzeug's stream wrappers cost more than the read (PEP 3333 lets
    an application read exactly the declared length).
    """
    stream = environ["wsgi.input"]
    length = get_content_length(environ)
    if length is not None and length > limit:
        raise TooLarge()
    try:
        data = stream.read(length if length is not None else limit + 1)  # chunked: de-chunked; one byte past
    except (OSError, ValueError) as error:  # a broken chunked body (the server's de-chunking gives up)
        raise BadRequest("body could not be read") from error
    if length is not None and len(data) < length:  # the client stopped sending: a part of a request is not one
        raise BadRequest("body shorter than its Content-Length")
    if len(data) > limit:
        raise TooLarge()
    return data


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether JSON text nests more than `limit` deep, found without parsing it.

    Strings are dropped, then everything but brackets; each pass then removes the pairs that are
    innermost before it ("[{}]" takes two passes, never one), so whatever is left after `limit` passes was deeper (or unbalanced, which
    is not JSON either). All of it runs in C: about a microsecond for an envelope, and about 50 ms for the
    worst 128 KiB body, which with verification on is refused unsigned before this.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # too few brackets to nest that deep: every real envelope ends here, in a microsecond
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _INNERMOST_PAIR.sub("", brackets)
    return bool(brackets)


def parse_envelope(text: str) -> RequestEnvelope:
    """Shape-check the JSON text, then deserialize it into a RequestEnvelope."""
    if nests_deeper_than(text, MAX_JSON_DEPTH):
        raise BadRequest("not an Alexa request: JSON nested too deep")
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BadRequest("body is not valid JSON") from error
    return envelopes.read(payload)


def decode(body: bytes, content_type: str | None) -> str:
    """The body as text, if it is declared and encoded as JSON."""
    if not content_type or content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest("expected Content-Type: application/json")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest("body is not valid JSON") from error


class SkillEndpoint:
    """Verifies each request, then hands it to the skill."""

    def __init__(self, skill: CustomSkill, verifiers: Verifiers, skill_id: str | None, max_bytes: int,
                 unsigned_hint: str | None = None, seen: SeenRequests | None = None):
        self.skill = skill
        self.verifiers = verifiers
        self.skill_id = skill_id
        self.max_bytes = max_bytes
        self.unsigned_hint = unsigned_hint  # added to the 400 for an unsigned request, for local trials
        self.seen = seen  # request ids already handled (with signatures checked): a replay is a 400

    def register(self, app: Flask) -> None:
        """Add the routes to the app, and put POST / in front of Flask's routing (see SkillFirst)."""
        app.add_url_rule("/", "skill", self.dispatch, methods=["POST"], provide_automatic_options=False)
        app.wsgi_app = SkillFirst(app, self)  # type: ignore[method-assign]
        app.add_url_rule("/health", "health", lambda: {"status": "ok"}, methods=["GET"], provide_automatic_options=False)
        app.register_error_handler(413, lambda e: _error(413, "request body too large"))
        app.register_error_handler(405, lambda e: _error(405, "method not allowed"))
        app.register_error_handler(404, lambda e: _error(404, "not found"))
        app.register_error_handler(500, lambda e: _error(500, "internal error"))  # as SkillFirst answers one

    def dispatch(self) -> Response:
        """Flask's own route for POST /, with the same answer (SkillFirst answers it first); the route also makes
        Flask answer GET / with 405, not 404."""
        status, body = self.answer(request.environ)
        return Response(body, status=status, mimetype="application/json")

    def answer(self, environ: dict[str, Any]) -> tuple[int, bytes]:
        """POST /: one Alexa request in, one Alexa response out (status and JSON body); one log line for each."""
        started = time.perf_counter()
        envelope: RequestEnvelope | None = None
        verified = False
        status, reason = 200, None
        result: Any
        try:
            text = decode(read_body(environ, self.max_bytes), environ.get("CONTENT_TYPE"))
            headers = EnvironHeaders(environ)
            verify(self.verifiers.raw, headers, text, None)
            envelope = parse_envelope(text)
            verify(self.verifiers.parsed, headers, text, envelope)
            envelopes.check_addressed_to(envelope, self.skill_id)  # context and session alike
            if self.seen is not None and not self.seen.first_time(envelope):
                raise BadRequest("request already handled")  # a replay: nothing is done twice
            verified = True
            result = SERIALIZER.serialize(self.skill.invoke(request_envelope=envelope, context=None))
        except TooLarge:
            status, reason = 413, "request body too large"
            result = {"error": reason}
        except (BadRequest, VerificationFailed) as error:
            status, reason = 400, clean(str(error), 200)
            if self.unsigned_hint and reason.startswith("Missing Signature"):
                reason = f"{reason}. {self.unsigned_hint}"
            result = {"error": reason}
        except AskSdkException as error:
            status, reason = 400, "the skill cannot handle this request"
            log.error("skill could not answer: %s", clean(str(error)))
            result = {"error": reason}
        body = _json(result)
        access_log(envelope if verified else None, status, time.perf_counter() - started, reason)
        return status, body


class SkillFirst:
    """WSGI middleware (Flask's documented `app.wsgi_app = ...` place for one): POST / goes straight to the skill
    endpoint; everything else (GET /health, other paths and methods, their 404 and 405) goes through Flask.

    Flask's request context, routing and response objects cost a worker about a tenth of its time on each Alexa
    request (docs/performance.md), for a route that uses none of them: the endpoint reads the WSGI environ itself.
    """

    def __init__(self, app: Flask, endpoint: SkillEndpoint):
        self.app = app
        self.flask_app = app.wsgi_app
        self.endpoint = endpoint

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/" or environ.get("REQUEST_METHOD") != "POST":
            return self.flask_app(environ, start_response)
        try:
            status, body = self.endpoint.answer(environ)
        except Exception:  # as Flask does for a view: raised in tests and the debugger, else logged and a 500
            propagate = self.app.config["PROPAGATE_EXCEPTIONS"]
            if propagate if propagate is not None else (self.app.testing or self.app.debug):
                raise
            log.exception("error answering POST /")
            status, body = 500, _json({"error": "internal error"})
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def access_log(envelope: RequestEnvelope | None, status: int, seconds: float, reason: str | None) -> None:
    """One line per request: ids and types only, never the user id or what the user said.

    Identifiers come from the body, so they are logged only for a request that passed verification,
    and always escaped and truncated: a newline in a request id cannot write a line of its own.
    """
    if not log.isEnabledFor(logging.INFO):
        return  # nothing cleaned or formatted for a line no one keeps
    request_obj = envelope.request if envelope is not None else None
    intent = getattr(getattr(request_obj, "intent", None), "name", None)
    log.info(
        "request id=%s type=%s intent=%s status=%d latency_ms=%.1f%s",
        clean(getattr(request_obj, "request_id", None) or "-"),
        clean(getattr(request_obj, "object_type", None) or "-"),
        clean(intent or "-"),
        status,
        seconds * 1000,
        f" reason={clean(reason)}" if reason else "",
    )
