"""A small fake of Alexa's Timers, Reminders and Settings REST APIs, for the tests and the simulator.

It keeps to the documented contract, so a request the real service would refuse is refused here too:
  POST /v1/alerts/timers            Authorization: Bearer <apiAccessToken>, JSON body: duration (ISO 8601,
                                    at most 24 hours), timerLabel (at most 256 characters),
                                    creationBehavior.displayExperience.visibility, triggeringBehavior
                                    (operation ANNOUNCE with textToAnnounce [{locale, text}],
                                    notificationConfig.playAudible) -> 200 with the timer
  POST /v1/alerts/reminders         requestTime, trigger SCHEDULED_ABSOLUTE (scheduledTime as local time
                                    without an offset, timeZoneId) or SCHEDULED_RELATIVE (offsetInSeconds),
                                    alertInfo.spokenInfo.content [{locale, text}], pushNotification.status
                                    -> 201 with alertToken, status ON
  GET  /v2/devices/{id}/settings/System.timeZone  -> 200 with the zone name as a JSON string
Errors answer as documented: 400 (a body the contract refuses), 401 (wrong token, or the permission not
granted), 404, and whatever a test sets with `fail`: a status (403, 429, 500, 504) with the documented JSON
error, or one of ODD_ANSWERS, the answers the documentation does not promise but a real service can give
(an HTML 503 from a load balancer, an empty 429, a 200 that is not JSON, a time zone of 300 characters, an
answer that trickles in a byte at a time or never ends). Each is an `Answer`: status, bytes, content type,
and how it is delivered.

`handle` is the whole fake; tests serve it over HTTPS on loopback (tests/fake_api_server.py), and the
simulator plugs it in as the SDK's ApiClient (`FakeApiClient`), so both run the SDK's own service clients.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill.platform.alexa_api import REMINDERS, TIMERS

TIMER_PATH = "/v1/alerts/timers"
REMINDER_PATH = "/v1/alerts/reminders"
TIME_ZONE_PATH = re.compile(r"^/v2/devices/([^/]+)/settings/System\.timeZone$")
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?$")  # no offset: the zone says where
ERRORS = {400: "INVALID_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 429: "TOO_MANY_REQUESTS",
          500: "INTERNAL_ERROR", 503: "SERVICE_UNAVAILABLE", 504: "DEVICE_OFFLINE"}


Delivery = Literal["whole", "silence", "trickle", "slow body", "endless", "huge", "hang up", "not http"]
HUGE_BYTES = 50 * 1024 * 1024  # "endless" and "huge" answers: 50 MB, far past any answer Alexa's APIs give


@dataclass(frozen=True)
class Answer:
    """What the fake sends back: a status, the body's bytes and their type, and how they are delivered.

    Over HTTP (tests/fake_api_server.py): "whole" at once; "silence" nothing until the client gives up;
    "trickle" the whole answer, status line included, a byte at a time; "slow body" the headers at once, then
    the body a byte at a time; "endless" HUGE_BYTES of body with no length declared; "huge" the same with
    its length declared; "hang up" the connection closed with no answer; "not http" a line that is not HTTP.
    In-process (FakeApiClient), everything but "whole" is the error the real client raises for it.
    """

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    delivery: Delivery = "whole"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, value: Any) -> Answer:
        return cls(status, json.dumps(value).encode())


_HTML_503 = (b"<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
             b"<h1>503 Service Temporarily Unavailable</h1></center></body></html>")
# Answers a real service (or what stands in front of it) can give and the documentation does not describe,
# each by a name the tests use. Any of them, from any of the three APIs, must leave the user a calm answer.
ODD_ANSWERS: dict[str, Answer] = {
    "200, not JSON": Answer(200, b"OK", "text/plain"),
    "201, HTML": Answer(201, b"<html><body>Created</body></html>", "text/html"),
    "200, empty": Answer(200),
    "200, cut short": Answer(200, b'{"id": "5f0c", "status": "O'),
    "200, a JSON list": Answer.json(200, ["ON"]),
    "200, unknown status": Answer.json(200, {"id": "5f0c", "status": "SOMETHING_NEW", "alertToken": 7}),
    "200, a 300-character time zone": Answer.json(200, "Europe/" + "A" * 293),
    "200, a time zone outside the zone files": Answer.json(200, "../../../../etc/passwd"),
    "200, a time zone with a NUL": Answer.json(200, "America/New_York\u0000"),
    "200, a time zone that is a folder": Answer.json(200, "America"),
    "200, a time zone that is a number": Answer.json(200, 5),
    "302, elsewhere": Answer(302, b"", headers=(("Location", "/elsewhere"),)),  # followed, it would be a 2nd call
    "400, not JSON": Answer(400, b"Bad Request", "text/plain"),
    "401, empty": Answer(401),
    "403, HTML": Answer(403, b"<html><body>Forbidden</body></html>", "text/html"),
    "404, HTML": Answer(404, b"<html><body>Not Found</body></html>", "text/html"),
    "429, empty": Answer(429),
    "429, JSON with an unknown code": Answer.json(429, {"code": "TOO_MANY_REQUESTS", "message": "Rate exceeded"}),
    "500, a JSON string": Answer.json(500, "Internal Server Error"),
    "502, HTML": Answer(502, _HTML_503.replace(b"503 Service Temporarily Unavailable", b"502 Bad Gateway"), "text/html"),
    "503, HTML": Answer(503, _HTML_503, "text/html"),
    "504, empty": Answer(504),
    "no answer": Answer(0, delivery="silence"),
    "trickle": Answer(200, b'{"id": "5f0c", "status": "ON"}', delivery="trickle"),
    "slow body": Answer(200, b'{"id": "5f0c", "status": "ON"}', delivery="slow body"),
    "endless": Answer(200, delivery="endless"),
    "huge": Answer(200, delivery="huge"),
    "hang up": Answer(0, delivery="hang up"),
    "not http": Answer(0, delivery="not http"),
}


@dataclass
class Call:
    """One request the fake received, and what it answered (`sent`: bytes of the answer written, over HTTP)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    sent: int = 0

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


class ContractError(ValueError):
    """A request the real API would refuse with 400."""


@dataclass
class FakeAlexaApi:
    token: str = "token"
    time_zone: str | None = "America/New_York"  # None: the Settings API has no time zone for the device (404)
    granted: set[str] = field(default_factory=lambda: {TIMERS, REMINDERS})  # what Alexa would let this token do
    failures: dict[str, int | Answer] = field(default_factory=dict)  # "timers" | "reminders" | "settings" -> ...
    calls: list[Call] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)  # the timers and reminders made, as sent

    def fail(self, api: str, outcome: int | str | Answer) -> None:
        """Answer every later call to `api` ("timers", "reminders", "settings") with this status and the documented
        JSON error, with one of ODD_ANSWERS by name ("timeout" is "no answer"), or with this Answer."""
        if isinstance(outcome, str):
            outcome = ODD_ANSWERS["no answer" if outcome == "timeout" else outcome]
        self.failures[api] = outcome

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        """What the API answers this request with."""
        headers = {key.lower(): value for key, value in headers.items()}
        call = Call(method, path, headers, _json(raw))
        self.calls.append(call)
        answer = self._answer(call, raw)
        call.status = answer.status
        return answer

    def _answer(self, call: Call, raw: bytes) -> Answer:
        outcome = self.failures.get(_api(call.path))
        if isinstance(outcome, Answer):
            return outcome
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "the access token is missing or not this request's apiAccessToken")
        if isinstance(outcome, int):
            return _error(outcome, "set by the test")
        try:
            if call.method == "POST" and call.path == TIMER_PATH:
                return self._timer(call, raw)
            if call.method == "POST" and call.path == REMINDER_PATH:
                return self._reminder(call, raw)
            if call.method == "GET" and TIME_ZONE_PATH.match(call.path):
                return Answer.json(200, self.time_zone) if self.time_zone else _error(404, "no time zone set for this device")
        except ContractError as error:
            return _error(400, str(error))
        return _error(404, f"no such resource: {call.method} {call.path}")

    def _timer(self, call: Call, raw: bytes) -> Answer:
        body = _body(call, raw)
        if TIMERS not in self.granted:
            return _error(401, "the user has not granted the timers permission")
        match = _DURATION.match(_get(body, "duration", str))
        if not match or not any(match.groups()):
            raise ContractError("duration must be ISO 8601, like PT15M")
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        if not 0 < hours * 3600 + minutes * 60 + seconds <= 24 * 3600:
            raise ContractError("duration must be above zero and at most 24 hours")
        if len(body.get("timerLabel") or "") > 256:
            raise ContractError("timerLabel is at most 256 characters")
        if _get(body, "creationBehavior.displayExperience.visibility", str) not in ("VISIBLE", "HIDDEN"):
            raise ContractError("creationBehavior.displayExperience.visibility must be VISIBLE or HIDDEN")
        operation = _get(body, "triggeringBehavior.operation", dict)
        if operation.get("type") != "ANNOUNCE":
            raise ContractError("this fake knows the ANNOUNCE operation only")
        _spoken(operation.get("textToAnnounce"), "textToAnnounce")
        _get(body, "triggeringBehavior.notificationConfig.playAudible", bool)
        self.created.append(body)
        stamp = _now()
        return Answer.json(200, {"id": str(uuid.uuid4()), "status": "ON", "duration": body["duration"],
                                 "timerLabel": body.get("timerLabel"), "createdTime": stamp, "updatedTime": stamp})

    def _reminder(self, call: Call, raw: bytes) -> Answer:
        body = _body(call, raw)
        if REMINDERS not in self.granted:
            return _error(401, "the user has not granted the reminders permission")
        _get(body, "requestTime", str)
        trigger = _get(body, "trigger", dict)
        if trigger.get("type") == "SCHEDULED_ABSOLUTE":
            if not _LOCAL_TIME.match(str(trigger.get("scheduledTime"))):
                raise ContractError("scheduledTime is local time without an offset, like 2026-11-24T21:30:00")
            if "timeZoneId" in trigger:
                try:
                    ZoneInfo(str(trigger["timeZoneId"]))
                except (ZoneInfoNotFoundError, ValueError):
                    raise ContractError("timeZoneId is not a time zone") from None
        elif trigger.get("type") == "SCHEDULED_RELATIVE":
            offset = trigger.get("offsetInSeconds")
            if not isinstance(offset, int) or isinstance(offset, bool) or offset <= 0:
                raise ContractError("offsetInSeconds must be a whole number above zero")
        else:
            raise ContractError("trigger.type must be SCHEDULED_ABSOLUTE or SCHEDULED_RELATIVE")
        _spoken(_get(body, "alertInfo.spokenInfo.content", list), "alertInfo.spokenInfo.content")
        if _get(body, "pushNotification.status", str) not in ("ENABLED", "DISABLED"):
            raise ContractError("pushNotification.status must be ENABLED or DISABLED")
        self.created.append(body)
        token, stamp = str(uuid.uuid4()), _now()
        return Answer.json(201, {"alertToken": token, "createdTime": stamp, "updatedTime": stamp, "status": "ON",
                                 "version": "1", "href": f"{REMINDER_PATH}/{token}"})


# What the real client (skill/api_client.py) raises for an answer it does not take, by how it was delivered.
_CLIENT_ERRORS = {"silence": "no whole answer before the deadline", "trickle": "no whole answer before the deadline",
                  "slow body": "no whole answer before the deadline", "endless": "the answer is larger than the cap",
                  "huge": "the answer is larger than the cap", "hang up": "the connection closed without an answer",
                  "not http": "the answer is not HTTP"}


class FakeApiClient(ApiClient):
    """The fake as the SDK's ApiClient: the service clients run as they do in production, minus the network."""

    def __init__(self, fake: FakeAlexaApi):
        self.fake = fake

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        url = urlsplit(request.url or "")
        body = json.dumps(request.body).encode() if request.body is not None else b""
        answer = self.fake.handle(request.method or "", url.path, dict(request.headers or []), body)
        if answer.delivery != "whole":
            raise ApiClientException(_CLIENT_ERRORS[answer.delivery])
        return ApiClientResponse(headers=[("Content-Type", answer.content_type), *answer.headers],
                                 status_code=answer.status, body=answer.body.decode("utf-8", "replace"))


def _api(path: str) -> str:
    if path == TIMER_PATH:
        return "timers"
    if path == REMINDER_PATH:
        return "reminders"
    return "settings" if TIME_ZONE_PATH.match(path) else ""


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def _body(call: Call, raw: bytes) -> dict[str, Any]:
    if "application/json" not in call.headers.get("content-type", ""):
        raise ContractError("Content-Type must be application/json")
    if not isinstance(call.body, dict):
        raise ContractError("the body must be a JSON object")
    return call.body


def _get(body: dict[str, Any], dotted: str, kind: type) -> Any:
    node: Any = body
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, kind):
        raise ContractError(f"{dotted} is required ({kind.__name__})")
    return node


def _spoken(items: Any, where: str) -> None:
    if not isinstance(items, list) or not items:
        raise ContractError(f"{where} must list at least one {{locale, text}}")
    for item in items:
        if not isinstance(item, dict) or not re.match(r"^[a-z]{2}-[A-Z]{2}$", str(item.get("locale"))):
            raise ContractError(f"{where}: each entry needs a locale like en-US")
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            raise ContractError(f"{where}: each entry needs text")


def _error(status: int, message: str) -> Answer:
    return Answer.json(status, {"code": ERRORS.get(status, "ERROR"), "message": message})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
