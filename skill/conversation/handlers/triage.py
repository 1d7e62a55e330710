"""'How long has it been': ask for the time when missing, then apply the articles' time rules.

A time that cannot be read is asked for once; an answer that still has no time gets ranges instead of the
same question ("less than a day, a few days, or more than a week?"), and after those the general advice.
"""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, Response, Slot, SlotConfirmationStatus

from skill.conversation import duration, said
from skill.conversation.handlers import alerts
from skill.conversation.handlers.answers import answer, answer_topic
from skill.conversation.handlers.base import (
    PENDING,
    IntentHandler,
    content_of,
    disclaimer,
    intent_name,
    now,
    offer,
    offered,
    profile,
    reply,
    resolved_value,
    session,
    slot_values,
    warns_of_emergency,
)
from skill.conversation.handlers.routines import current, way_back
from skill.conversation.offers import Offer, Pending
from skill.platform import alexa_api
from skill.storage import memory
from skill.words import ssml
from skill.words.content import TimeRange, Topic

log = logging.getLogger(__name__)
TRIAGE_INTENT = "HowLongHasItBeenIntent"
DURATION_SLOT = "duration"
DATE_SLOT = "started"
RANGE_SLOT = "range"  # TIME_RANGE: "less than a day", "a few days", "more than a week"

# The question the skill has asked (the session's pending offer), and the slot Alexa is eliciting for it.
ASKED = Offer.TRIAGE  # "How long has it been going on?"
RANGES = Offer.TRIAGE_RANGES  # after one ask that got no time back: "Was it less than a day, a few days, ...?"
ELICITED = {ASKED: DURATION_SLOT, RANGES: RANGE_SLOT}


def elicit(handler_input: HandlerInput, speech: str, reprompt: str, question: Offer = ASKED) -> Response:
    """Ask how long (or, with RANGES, which range) through Alexa's dialog management; the question stays open
    one turn. `speech` and `reprompt` are triage field names ("ask", "not_understood", "ask_reprompt")."""
    add_elicit_directive(handler_input, ELICITED[question])
    offer(handler_input, Pending(question))
    content = content_of(handler_input)
    back = way_back(handler_input)  # mid-routine: "Or say continue, to go back to ...", in the reprompt too
    return reply(handler_input, ssml.join([said.say(content, "triage", speech), back]),
                 ssml.join([said.say(content, "triage", reprompt), back]))


def add_elicit_directive(handler_input: HandlerInput, slot: str = DURATION_SLOT) -> None:
    """Tell Alexa the next words answer the question, so a bare 'three days' or 'a few days' reaches this intent."""
    intent = Intent(
        name=TRIAGE_INTENT,
        confirmation_status=IntentConfirmationStatus.NONE,
        slots={
            name: Slot(name=name, confirmation_status=SlotConfirmationStatus.NONE)
            for name in (DURATION_SLOT, DATE_SLOT, RANGE_SLOT)
        },
    )
    from ask_sdk_model.dialog import ElicitSlotDirective  # here: a cold start need not import every dialog model

    handler_input.response_builder.add_directive(ElicitSlotDirective(updated_intent=intent, slot_to_elicit=slot))


def elicit_again(handler_input: HandlerInput) -> None:
    """'Repeat' of a triage question: elicit the same slot again (the question is back in the session)."""
    pending = Pending.read(session(handler_input).get(PENDING), content_of(handler_input))
    add_elicit_directive(handler_input, ELICITED.get(pending.offer if pending else ASKED, DURATION_SLOT))


def unclear(handler_input: HandlerInput, first: str) -> Response:
    """No time in the answer. Asked once (with `first`: "ask" or "not_understood"); after one ask that got no
    time back, ranges are offered instead of the same question; after those, the general advice."""
    pending = offered(handler_input)
    asked = pending.offer if pending else None
    if asked == ASKED:
        return elicit(handler_input, "ranges_ask", "ranges_reprompt", RANGES)
    if asked == RANGES:
        content = content_of(handler_input)
        return answer_topic(handler_input, content.topics[content.triage.no_time_topic],
                            said.say(content, "triage", "no_time"))
    return elicit(handler_input, first, "ask_reprompt")


def safety_reminder(handler_input: HandlerInput, notice: ssml.Ssml) -> ssml.Ssml:
    """The red-flag reminder said after every band's advice; its emergency line is left out when `notice` is
    the first-ever disclaimer, which ends with the same warning."""
    content = content_of(handler_input)
    return ssml.join([said.say(content, "triage", "red_flag_reminder"),
                      ssml.EMPTY if warns_of_emergency(notice) else said.say(content, "triage", "emergency_reminder")])


def advise(handler_input: HandlerInput, hours: float, remembered: bool = False) -> Response:
    """The band's advice for this many hours, with the red-flag reminder; then the band's check-in offer, if any.

    The hours are rounded once, as they are said ("12 hours" for 11 h 40 min), and that one value picks the
    band and counts to the check-in, so the words and the advice never disagree.
    """
    content = content_of(handler_input)
    hours = content.triage.rounded(hours)
    band = content.triage.band_for(hours)
    log.debug("triage band %s", band.id)
    opening = [said.say(content, "remembered", hours)] if remembered else []
    notice = disclaimer(handler_input)
    words = ssml.join([*opening, said.say(content, "band", band.id, hours), notice])
    reminder = safety_reminder(handler_input, notice)
    # Inside a routine, its own way back comes first; and a user who said no to a reminder is not asked again
    # for a week (Alexa's reminder guidelines).
    if (band.alert is not None and current(handler_input) is None
            and not memory.reminder_declined(profile(handler_input), now(handler_input))):
        onset = now(handler_input) - timedelta(hours=hours)
        alert = content.alerts[band.alert]
        offered_words = alerts.offer_alert(handler_input, alert, alerts.due_for(alert, onset))
        if offered_words is not None:
            return reply(handler_input, ssml.join([words, reminder, offered_words[0]]), offered_words[1])
    closing = ssml.join([reminder, said.say(content, "triage", "next")])
    return answer(handler_input, words, closing, said.say(content, "triage", "reprompt"))


def advise_range(handler_input: HandlerInput, time_range: TimeRange) -> Response:
    """The advice for a range ("a few days"), said with the range's words. No check-in offer, and nothing
    remembered: the start is not known closely enough for either."""
    content = content_of(handler_input)
    log.debug("triage range %s", time_range.id)
    notice = disclaimer(handler_input)
    words = ssml.join([said.say(content, "band_range", time_range.id), notice])
    closing = ssml.join([safety_reminder(handler_input, notice), said.say(content, "triage", "next")])
    return answer(handler_input, words, closing, said.say(content, "triage", "reprompt"))


class TriageHandler(IntentHandler):
    """How long it has been: a duration, a start date, or a range; asks when missing or unclear."""

    intents = (TRIAGE_INTENT,)

    def handle(self, handler_input: HandlerInput) -> Response:
        slots = slot_values(handler_input)
        if not slots:
            remembered = memory.hours_since_onset(session(handler_input), now(handler_input))
            if remembered is not None:
                return advise(handler_input, remembered, remembered=True)
            return unclear(handler_input, "ask")
        hours = duration.hours_from_duration(slots.get(DURATION_SLOT))
        if hours is None and slots.get(DATE_SLOT):
            hours = hours_since_date(handler_input, slots[DATE_SLOT])
        if hours is not None:
            memory.remember_onset(session(handler_input), duration.started_at(now(handler_input), hours))
            return advise(handler_input, hours)
        time_range = content_of(handler_input).triage.ranges.get(resolved_value(handler_input, RANGE_SLOT) or "")
        if time_range is not None:
            return advise_range(handler_input, time_range)
        if duration.start_date(slots.get(DATE_SLOT)) is not None:
            # A date, but none to count from: in the future, or too near today to read without the time zone.
            # Ask how long, without saying anything was misheard, and never guess.
            return unclear(handler_input, "ask")
        # Words that are no time may be a question that landed here; answer it if it is one.
        topic = _topic_in(handler_input, " ".join(slots.values()))
        if topic is not None:
            return answer_topic(handler_input, topic)
        return unclear(handler_input, "not_understood")


def hours_since_date(handler_input: HandlerInput, value: str) -> float | None:
    """Hours since a date Alexa heard, read in the device's time zone (the Settings API, once per request);
    None for no date, or one the skill cannot read without the zone it does not have."""
    if duration.start_date(value) is None:
        return None
    return duration.hours_since_date(value, now(handler_input), alexa_api.time_zone(handler_input))


class TriageNotUnderstoodHandler(AbstractRequestHandler):
    """Words that fit no intent right after a triage question: a question of their own is answered; anything
    else is an answer with no time in it (see `unclear`)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return getattr(offered(handler_input), "offer", None) in ELICITED and intent_name(handler_input) in NO_INTENT

    def handle(self, handler_input: HandlerInput) -> Response:
        topic = _topic_in(handler_input, " ".join(slot_values(handler_input).values()))  # the catch-all's words
        if topic is not None:
            return answer_topic(handler_input, topic)
        return unclear(handler_input, "not_understood")


NO_INTENT = ("AMAZON.FallbackIntent", "CatchAllIntent")  # no words, or words that fit no intent


def _topic_in(handler_input: HandlerInput, text: str) -> Topic | None:
    """The topic a slot's raw words match, if they are not a date or duration at all."""
    if not re.search(r"[a-z]{3,}", text.lower()):
        return None
    match = content_of(handler_input).matcher.match(text)
    return content_of(handler_input).topics.get(match.id or "") if match.kind == "topic" else None
