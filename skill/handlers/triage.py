"""'How long has it been': ask for the time when missing, then apply the articles' time rules."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, Response, Slot, SlotConfirmationStatus
from ask_sdk_model.dialog import ElicitSlotDirective

from .. import alexa_api, duration, memory, said, ssml
from ..content import Topic
from . import alerts
from .answers import answer, answer_topic
from .base import (
    IntentHandler,
    content_of,
    disclaimer,
    intent_name,
    now,
    offer,
    offered,
    reply,
    session,
    slot_values,
    warns_of_emergency,
)
from .routines import current

log = logging.getLogger(__name__)
TRIAGE_INTENT = "HowLongHasItBeenIntent"
DURATION_SLOT = "duration"
DATE_SLOT = "started"


def elicit(handler_input: HandlerInput, speech: str, reprompt: str) -> Response:
    """`speech` and `reprompt` are triage field names ("ask", "not_understood", "ask_reprompt")."""
    """Ask for the duration slot through Alexa's dialog management; the question stays open one turn."""
    add_elicit_directive(handler_input)
    offer(handler_input, ask="triage")
    content = content_of(handler_input)
    return reply(handler_input, said.say(content, "triage", speech), said.say(content, "triage", reprompt))


def add_elicit_directive(handler_input: HandlerInput) -> None:
    """Tell Alexa the next words answer 'how long?', so a bare 'three days' reaches this intent."""
    intent = Intent(
        name=TRIAGE_INTENT,
        confirmation_status=IntentConfirmationStatus.NONE,
        slots={
            name: Slot(name=name, confirmation_status=SlotConfirmationStatus.NONE)
            for name in (DURATION_SLOT, DATE_SLOT)
        },
    )
    handler_input.response_builder.add_directive(ElicitSlotDirective(updated_intent=intent, slot_to_elicit=DURATION_SLOT))


def advise(handler_input: HandlerInput, hours: float, remembered: bool = False) -> Response:
    """The band's advice for this many hours, with the red-flag reminder; then the band's check-in offer, if any.

    The hours are rounded once, as they are said ("12 hours" for 11 h 40 min), and that one value picks the
    band and counts to the check-in, so the words and the advice never disagree. The reminder's emergency
    line is left out when the disclaimer said here is the first-ever one, which ends with the same warning.
    """
    content = content_of(handler_input)
    hours = content.triage.rounded(hours)
    band = content.triage.band_for(hours)
    log.info("triage band %s", band.id)
    opening = [said.say(content, "remembered", hours)] if remembered else []
    notice = disclaimer(handler_input)
    words = ssml.join([*opening, said.say(content, "band", band.id, hours), notice])
    reminder = ssml.join([said.say(content, "triage", "red_flag_reminder"),
                          ssml.EMPTY if warns_of_emergency(notice) else said.say(content, "triage", "emergency_reminder")])
    if band.alert is not None and current(handler_input) is None:  # inside a routine, its own way back comes first
        onset = now(handler_input) - timedelta(hours=hours)
        alert = content.alerts[band.alert]
        offered_words = alerts.offer_alert(handler_input, alert, alerts.due_for(alert, onset))
        if offered_words is not None:
            return reply(handler_input, ssml.join([words, reminder, offered_words[0]]), offered_words[1])
    closing = ssml.join([reminder, said.say(content, "triage", "next")])
    return answer(handler_input, words, closing, said.say(content, "triage", "reprompt"))


class TriageHandler(IntentHandler):
    """How long it has been, from a duration or a start date; asks when missing or unclear."""

    intents = (TRIAGE_INTENT,)

    def handle(self, handler_input: HandlerInput) -> Response:
        slots = slot_values(handler_input)
        if not slots.get(DURATION_SLOT) and not slots.get(DATE_SLOT):
            remembered = memory.hours_since_onset(session(handler_input), now(handler_input))
            if remembered is not None:
                return advise(handler_input, remembered, remembered=True)
            return elicit(handler_input, "ask", "ask_reprompt")
        hours = duration.hours_from_duration(slots.get(DURATION_SLOT))
        if hours is None and slots.get(DATE_SLOT):
            hours = hours_since_date(handler_input, slots[DATE_SLOT])
        if hours is None and duration.start_date(slots.get(DATE_SLOT)) is not None:
            # A date, but none to count from: in the future, or too near today to read without the time zone.
            # Ask how long, without saying anything was misheard, and never guess.
            return elicit(handler_input, "ask", "ask_reprompt")
        if hours is None:
            # Words that are no duration may be a question that landed here; answer it if it is one.
            topic = _topic_in(handler_input, slots.get(DURATION_SLOT) or slots.get(DATE_SLOT) or "")
            if topic is not None:
                return answer_topic(handler_input, topic)
            return elicit(handler_input, "not_understood", "ask_reprompt")
        memory.remember_onset(session(handler_input), duration.started_at(now(handler_input), hours))
        return advise(handler_input, hours)


def hours_since_date(handler_input: HandlerInput, value: str) -> float | None:
    """Hours since a date Alexa heard, read in the device's time zone (the Settings API, once per request);
    None for no date, or one the skill cannot read without the zone it does not have."""
    if duration.start_date(value) is None:
        return None
    return duration.hours_since_date(value, now(handler_input), alexa_api.time_zone(handler_input))


class TriageNotUnderstoodHandler(AbstractRequestHandler):
    """Words the skill cannot read right after 'how long has it been?': ask again, keeping the question open."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        name = intent_name(handler_input)
        return offered(handler_input).get("ask") == "triage" and name == "AMAZON.FallbackIntent"

    def handle(self, handler_input: HandlerInput) -> Response:
        return elicit(handler_input, "not_understood", "ask_reprompt")


def _topic_in(handler_input: HandlerInput, text: str) -> Topic | None:
    """The topic a slot's raw words match, if they are not a date or duration at all."""
    if not re.search(r"[a-z]{3,}", text.lower()):
        return None
    match = content_of(handler_input).matcher.match(text)
    return content_of(handler_input).topics.get(match.id or "") if match.kind == "topic" else None
