"""Speaks Alexa's wire format to the Flask app: full request envelopes, session carried turn to turn."""
from __future__ import annotations

import io
import json
import re
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skill.conversation.builder import MODEL_DIR
from skill.dev.nlu import FALLBACK, Resolver, shared
from tests import ssml_rules

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
MODEL_PATH = MODEL_DIR / "en-US.json"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request: dict[str, Any],
    *,
    user_id: str = "amzn1.ask.account.TESTUSER",
    attributes: dict[str, Any] | None = None,
    new: bool = True,
    session_id: str | None = None,
    skill_id: str = SKILL_ID,
    system: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete Alexa request envelope around one request object (`system` adds to context.System)."""
    request = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": now_iso(), "locale": "en-US", **request}
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id or f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": {"applicationId": skill_id},
            "attributes": attributes or {},
            "user": {"userId": user_id},
        },
        "context": {
            "System": {
                "application": {"applicationId": skill_id},
                "user": {"userId": user_id},
                "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "token",
                **(system or {}),
            }
        },
        "request": request,
    }


def intent_request(
    name: str,
    slots: dict[str, str] | None = None,
    dialog_state: str | None = None,
    resolved: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An IntentRequest object with optional slot values (and entity-resolution ids, as Alexa adds them)."""
    request: dict[str, Any] = {
        "type": "IntentRequest",
        "intent": {
            "name": name,
            "confirmationStatus": "NONE",
            "slots": {key: {"name": key, "value": value, "confirmationStatus": "NONE"} for key, value in (slots or {}).items()},
        },
    }
    for key, value_id in (resolved or {}).items():
        request["intent"]["slots"][key]["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.CUSTOM",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": request["intent"]["slots"][key]["value"], "id": value_id}}],
                }
            ]
        }
    if dialog_state:
        request["dialogState"] = dialog_state
    return request


def post_json(app: Any, body: bytes) -> tuple[int, dict[str, Any]]:
    """POST a JSON body to the app's "/" as a WSGI server does (gunicorn calls the app with such an environ): the
    status code and the JSON answer ({} if it is not JSON). Flask's test client does the same with about 100 us of
    building around every request, which the suite's 20,000-odd conversation turns do not need."""
    environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/", "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
               "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
               "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}
    started: list[str] = []
    chunks = app.wsgi_app(environ, lambda status, headers, exc_info=None: started.append(status))
    try:
        data = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    try:
        answer = json.loads(data) if data else {}
    except ValueError:
        answer = {}
    return int(started[0].split()[0]), answer if isinstance(answer, dict) else {}


@dataclass
class Reply:
    """One response from the skill, with what a test needs to assert on."""

    status: int
    body: dict[str, Any]

    @property
    def response(self) -> dict[str, Any]:
        return self.body.get("response", {})

    @property
    def ssml(self) -> str:
        return (self.response.get("outputSpeech") or {}).get("ssml", "")

    @property
    def speech(self) -> str:
        """The spoken words, tags removed, spacing folded."""
        return _plain(self.ssml)

    @property
    def reprompt(self) -> str:
        return _plain(((self.response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml", ""))

    @property
    def ended(self) -> bool:
        return bool(self.response.get("shouldEndSession"))

    @property
    def attributes(self) -> dict[str, Any]:
        return self.body.get("sessionAttributes") or {}

    @property
    def directives(self) -> list[dict[str, Any]]:
        return self.response.get("directives") or []


def said_twice(text: str, run: int = 5) -> list[str]:
    """What one response says more than once: a sentence of three words or more, or any run of `run` words."""
    tokens = re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))
    sentences = [" ".join(re.findall(r"[a-z0-9']+", s)) for s in re.split(r"[.?!;:]", text.lower().replace("’", "'"))]
    twice = [s for s, n in Counter(s for s in sentences if len(s.split()) >= 3).items() if n > 1]
    runs = Counter(tuple(tokens[i : i + run]) for i in range(len(tokens) - run + 1))
    return twice + [" ".join(words) for words, n in runs.items() if n > 1]


def _plain(markup: str) -> str:
    text = re.sub(r"<[^>]+>", " ", markup)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return " ".join(text.split())


def back_to(content: Any, routine_id: str, step: int) -> str:
    """How the skill picks a routine up again at a step (0-based), as its content words it: "Back to <name>. Step
    <n> of <total>. <title>." (a reply starts with this)."""
    from skill.words import ssml

    routine = content.routines[routine_id]
    prompts = content.routine_prompts
    return _plain(f"{ssml.render(prompts['back_to_routine'], {'name': routine.name}).markup} "
                  f"{ssml.render(prompts['step_header'], {'number': step + 1, 'total': len(routine.steps), 'title': routine.steps[step].title}).markup}")


def resume_offer(content: Any, routine_id: str, step: int) -> str:
    """The offer to pick a remembered routine up at a step (0-based), as the content words it."""
    from skill.conversation import said

    return _plain(said.say(content, "resume_offer", routine_id, step).markup)


def _resolver(model_path: Path) -> Resolver:
    return shared(model_path)  # one per model file for the whole run, the simulator's too


class UtteranceRouter:
    """Routes typed utterances by the interaction model's samples only (skill/dev/nlu.py, exact matching).

    No generalisation: an utterance reaches an intent only when it matches a sample, with slots
    typed as Alexa sends them; anything else becomes AMAZON.FallbackIntent.
    """

    def __init__(self, model_path: Path = MODEL_PATH, generalise: bool = False):
        self.resolver = _resolver(model_path)  # one per model file: compiling ~900 samples takes ~45 ms
        self.generalise = generalise  # as the simulator does: the nearest sample, then the catch-all with the words

    def route(self, utterance: str) -> tuple[str, dict[str, str]]:
        """The intent name and slot values for an utterance."""
        name, slots, _ = self.route_resolved(utterance)
        return name, slots

    def route_resolved(self, utterance: str, eliciting: tuple[str, str] | None = None,
                       ) -> tuple[str, dict[str, str], dict[str, str]]:
        """The intent, its slot values, and the ids of values that a custom slot type resolves; while Alexa's
        dialog elicits a slot (intent, slot), that slot's own samples come first, as Alexa's do."""
        found = (self.resolver.resolve(utterance, eliciting) if self.generalise
                 else self.resolver.exact(utterance, eliciting))
        if found is None:
            return FALLBACK, {}, {}
        return found.intent, found.slots, found.resolved


@dataclass
class Alexa:
    """A conversation with the skill: launch, intents or typed utterances, session carried along."""

    client: Any
    router: UtteranceRouter
    user_id: str = "amzn1.ask.account.TESTUSER"
    attributes: dict[str, Any] = field(default_factory=dict)
    session_id: str | None = None
    last: Reply | None = None
    timestamp: str | None = None  # the request time to send; None: now
    system: dict[str, Any] = field(default_factory=dict)  # added to context.System: apiEndpoint, user.permissions
    locale: str = "en-US"  # the request's locale

    def post(self, request: dict[str, Any]) -> Reply:
        """Send one request in the current session (a new one if none is open)."""
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        system = {**self.system, "user": {"userId": self.user_id, **self.system.get("user", {})}}
        body = envelope(request, user_id=self.user_id, attributes=self.attributes, new=new, session_id=self.session_id,
                        system=system)
        if self.timestamp:
            body["request"]["timestamp"] = self.timestamp
        body["request"].setdefault("locale", self.locale)
        if "locale" not in request:
            body["request"]["locale"] = self.locale
        app = getattr(self.client, "application", None)  # a Flask app's client; else another door (the Lambda handler)
        if app is not None:
            reply = Reply(*post_json(app, json.dumps(body).encode()))
        else:
            result = self.client.post("/", data=json.dumps(body), content_type="application/json")
            reply = Reply(result.status_code, result.get_json(silent=True) or {})
        assert reply.status == 200, (reply.status, reply.body)
        check_reply(reply, request)
        self.attributes = reply.attributes
        if reply.ended or request["type"] == "SessionEndedRequest":
            self.session_id = None
            self.attributes = {}
        self.last = reply
        return reply

    def launch(self) -> Reply:
        return self.post({"type": "LaunchRequest"})

    def intent(self, name: str, slots: dict[str, str] | None = None, dialog_state: str | None = None) -> Reply:
        return self.post(intent_request(name, slots, dialog_state))

    def say(self, utterance: str) -> Reply:
        """Type what the user says; the interaction model decides the intent (the elicited slot's samples first)."""
        name, slots, resolved = self.router.route_resolved(utterance, self.eliciting())
        return self.post(intent_request(name, slots, resolved=resolved))

    def eliciting(self) -> tuple[str, str] | None:
        """The (intent, slot) the last response asked Alexa's dialog to elicit, while its session is open."""
        if self.last is None or self.session_id is None:
            return None
        for directive in self.last.directives:
            if directive.get("type") == "Dialog.ElicitSlot":
                return directive.get("updatedIntent", {}).get("name", ""), directive.get("slotToElicit", "")
        return None

    def permission_answer(self, status: str | None, token: str, code: str = "200") -> Reply:
        """Alexa's Connections.Response to an AskFor: ACCEPTED, DENIED, NOT_ANSWERED (None: no payload)."""
        payload = {"status": status} if status else {}
        return self.post({"type": "Connections.Response", "name": "AskFor", "status": {"code": code, "message": "OK"},
                          "token": token, "payload": payload})

    def end_session(self, reason: str = "USER_INITIATED") -> Reply:
        return self.post({"type": "SessionEndedRequest", "reason": reason})


def check_reply(reply: Reply, request: dict[str, Any]) -> None:
    """Rules every response must keep: valid SSML, and no dead ends."""
    if request["type"] == "SessionEndedRequest":
        assert "outputSpeech" not in reply.response
        return
    document = reply.ssml
    assert document, f"no speech for {request}"
    assert ssml_rules.problems(document) == [], (ssml_rules.problems(document), document)
    if any(directive.get("type") == "Connections.SendRequest" for directive in reply.directives):
        # Alexa takes the next turn (it asks the user); no reprompt, and shouldEndSession left out.
        assert "reprompt" not in reply.response and "shouldEndSession" not in reply.response, reply.response
        return
    if not reply.ended:
        assert reply.reprompt, f"session left open without a reprompt: {reply.speech}"
        reprompt_ssml = reply.response["reprompt"]["outputSpeech"]["ssml"]
        assert ssml_rules.problems(reprompt_ssml) == []
