"""A timer or a check-in reminder, offered by content and made through Alexa's own APIs.

The ice or heat session offers a timer when it finishes ("set the timer" asks for it directly); the early
triage band offers a reminder at the twelve-hour mark. "Yes" makes it: with the permission already granted, straight away; else
Alexa asks for the permission by voice (Connections.SendRequest, AskFor), and the Connections.Response
that follows says whether the user allowed it. The token sent with the question carries what to make
("checkin|<due, epoch seconds>"), so the answer needs nothing from the session. Denied or an API error:
the user hears how to do it by hand (after a "no", a card in the Alexa app lets them allow it later).
Not answered is not a no: a kind word on how to have it later by voice, and no card.
"""
from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

if TYPE_CHECKING:
    from ask_sdk_model.interfaces.connections import ConnectionsResponse

from skill.conversation import said
from skill.conversation.handlers.base import IntentHandler, content_of, hand_over, intent_name, not_understood, now, offer, offered, profile, reply
from skill.conversation.offers import Offer, Pending
from skill.logsafe import clean
from skill.platform import alexa_api
from skill.platform.alexa_api import Result
from skill.storage import memory
from skill.words import ssml
from skill.words.content import DEFAULT_LOCALE, Alert

log = logging.getLogger(__name__)
MIN_LEAD = timedelta(minutes=30)  # a check-in due sooner than this is not offered
LINE_FOR = {Result.DONE: "done", Result.NO_PERMISSION: "by_hand", Result.FAILED: "failed",
            Result.NOT_ANSWERED: "not_answered", Result.TIMERS_FULL: "full", Result.TIMER_RUNNING: "running"}


ROUND_TO = 300  # seconds: "three hours ago" is an estimate, so the check-in is at a round time ("10:30 AM")


def due_for(alert: Alert, onset: datetime) -> datetime:
    """When a check-in reminder falls due: its hours after the spasm began, to the nearest five minutes."""
    due = (onset + timedelta(minutes=alert.minutes)).timestamp()
    return datetime.fromtimestamp(round(due / ROUND_TO) * ROUND_TO, UTC)


def offer_alert(handler_input: HandlerInput, alert: Alert, due: datetime | None = None) -> tuple[ssml.Ssml, ssml.Ssml] | None:
    """Offer a timer or reminder on the next turn: the offer and its reprompt; None when it is too late to offer.

    A reminder's offer names the time the user is agreeing to ("at 9:30 PM"), as the reminder will be set.
    """
    if due is not None and due - now(handler_input) < MIN_LEAD:
        return None
    offer(handler_input, Pending(Offer.ALERT, alert=alert.id, due=str(int(due.timestamp())) if due else ""))
    content = content_of(handler_input)
    when = when_said(handler_input, due) if due is not None else ()
    return (said.say(content, "alert", alert.id, "offer", *when),
            said.say(content, "alert", alert.id, "offer_reprompt", *when))


def _parse(handler_input: HandlerInput, alert_id: object, due: object) -> tuple[Alert, datetime | None] | None:
    """The alert and due time an offer or a token names; None if either is not one the skill could have made."""
    alert = content_of(handler_input).alerts.get(alert_id) if isinstance(alert_id, str) else None
    if alert is None:
        return None
    if alert.kind == "timer":
        return (alert, None) if due in ("", None) else None
    if not isinstance(due, str) or not due.isdigit():
        return None
    when = datetime.fromtimestamp(int(due), UTC)
    latest = now(handler_input) + timedelta(minutes=alert.minutes)
    return (alert, when) if now(handler_input) < when <= latest else None


def spoken_locale(handler_input: HandlerInput) -> str:
    """The locale Alexa speaks the announcement in: the request's own (one Alexa knows), else en-US."""
    locale = getattr(handler_input.request_envelope.request, "locale", None)
    return locale if isinstance(locale, str) and re.fullmatch(r"[a-z]{2}-[A-Z]{2}", locale) else DEFAULT_LOCALE


def make(handler_input: HandlerInput, alert: Alert, due: datetime | None, allowed: bool = False) -> Response:
    """Create the alert, asking for the permission first unless the request (or the answer) grants it."""
    scope = alexa_api.SCOPES[alert.kind]
    if alexa_api.available(handler_input) and not allowed and not alexa_api.granted(handler_input, scope):
        log.info("%s: asking for permission", alert.kind)
        token = f"{alert.id}|{int(due.timestamp()) if due else ''}"
        alexa_api.ask_permission(handler_input, scope, token)
        return hand_over(handler_input, said.say(content_of(handler_input), "alert", alert.id, "permission"))
    if alert.kind == "timer":
        result = alexa_api.create_timer(handler_input, alert.minutes, alert.lines["label"], alert.lines["announce"],
                                        spoken_locale(handler_input))
        return finish(handler_input, alert, result)
    assert due is not None
    result = alexa_api.create_reminder(handler_input, due, now(handler_input), alert.lines["announce"],
                                       spoken_locale(handler_input), alexa_api.time_zone(handler_input))
    return finish(handler_input, alert, result, due)


def finish(handler_input: HandlerInput, alert: Alert, result: Result, due: datetime | None = None) -> Response:
    """Say how it went. A timer closes the session (the user rests with the pack on); a check-in goes on."""
    if result is Result.NO_PERMISSION:
        alexa_api.permission_card(handler_input, alexa_api.SCOPES[alert.kind])
    log.info("%s: %s", alert.kind, result.value)
    return after(handler_input, alert, LINE_FOR[result], due)


def when_said(handler_input: HandlerInput, due: datetime) -> tuple[str, int]:
    """A reminder's time as the line renders it: ("at", minute of the day) in the device's time zone, or,
    where that cannot be had, ("in", hours from now). Asks the Settings API (once per request at most)."""
    zone = alexa_api.time_zone(handler_input)
    if zone is not None:
        local = due.astimezone(zone)
        return "at", local.hour * 60 + local.minute
    return "in", max(1, round((due - now(handler_input)).total_seconds() / 3600))


def after(handler_input: HandlerInput, alert: Alert, line: str, due: datetime | None = None) -> Response:
    """Say one of the alert's lines. Only a line that names the reminder's time needs the time zone."""
    content = content_of(handler_input)
    when: tuple[str, int] | tuple[()] = ()
    if due is not None and "{when}" in alert.lines[line]:
        when = when_said(handler_input, due)
    words = said.say(content, "alert", alert.id, line, *when)
    if alert.kind == "timer":
        return reply(handler_input, words, end=True)
    return reply(handler_input, ssml.join([words, said.say(content, "triage", "next")]), said.say(content, "triage", "reprompt"))


class AlertOfferHandler(IntentHandler):
    """Yes or no to "Shall I set a timer?" or "Shall I remind you?" (the offer lives one turn)."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and offered(handler_input, Offer.ALERT) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        question = offered(handler_input, Offer.ALERT)
        parsed = _parse(handler_input, question.alert, question.due) if question else None
        if parsed is None:  # a forged or stale session: nothing to make
            return reply(handler_input, not_understood(handler_input, "not_sure"),
                         said.say(content_of(handler_input), "prompt", "general_reprompt"))
        alert, due = parsed
        if intent_name(handler_input) == "AMAZON.NoIntent":
            if alert.kind == "reminder":  # not offered again for a week (Alexa's reminder guidelines)
                memory.note_reminder_declined(profile(handler_input), now(handler_input))
            return after(handler_input, alert, "declined", due)
        return make(handler_input, alert, due)


class AlertIntentHandler(AbstractRequestHandler):
    """A timer asked for by its own intent ("set a timer for the ice"): made the way a yes to its offer makes it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in content_of(handler_input).alert_by_intent

    def handle(self, handler_input: HandlerInput) -> Response:
        return make(handler_input, content_of(handler_input).alert_by_intent[intent_name(handler_input) or ""], None)


def _connections_response() -> type | tuple[()]:
    """ConnectionsResponse if its module was ever imported, else nothing to be an instance of. Only reading such a
    request imports it, so no request can be one before; this handler is asked about every request, and importing
    the module for each cold start would cost 1 ms."""
    module = sys.modules.get("ask_sdk_model.interfaces.connections.connections_response")
    return module.ConnectionsResponse if module is not None else ()


class PermissionResponseHandler(AbstractRequestHandler):
    """Alexa's answer to the permission question: make the alert, or say how to do it by hand."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return isinstance(request, _connections_response()) and cast("ConnectionsResponse", request).name == "AskFor"

    def handle(self, handler_input: HandlerInput) -> Response:
        assert isinstance(handler_input.request_envelope.request, _connections_response())
        request = cast("ConnectionsResponse", handler_input.request_envelope.request)
        alert_id, _, due = (request.token or "").partition("|")
        parsed = _parse(handler_input, alert_id, due)
        if parsed is None:
            log.warning("permission answer with a token this skill did not send")
            return reply(handler_input, said.say(content_of(handler_input), "prompt", "launch_options"),
                         said.say(content_of(handler_input), "prompt", "launch_reprompt"))
        alert, when_due = parsed
        code = str(getattr(request.status, "code", "") or "")
        answer = (request.payload or {}).get("status") if isinstance(request.payload, dict) else None
        # Both come from the request: escaped to one printable line and cut short, so they cannot forge a log line.
        log.info("%s permission: %s (status %s)", alert.kind, clean(answer or "no answer", 40),
                 clean(code or "none", 20))
        if code == "200" and answer == "ACCEPTED":
            return make(handler_input, alert, when_due, allowed=True)
        # Only a "no" is a refusal (the card to allow it later goes with it); silence never counts as one.
        refused = Result.NO_PERMISSION if answer == "DENIED" else Result.NOT_ANSWERED
        if code == "200" and answer == "DENIED" and alert.kind == "reminder":  # a no to reminders, as above
            memory.note_reminder_declined(profile(handler_input), now(handler_input))
        return finish(handler_input, alert, refused if code == "200" else Result.FAILED, when_due)
