"""The intent-to-content map: one data-driven handler answers every topic."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation import said
from skill.conversation.handlers import routines
from skill.conversation.handlers.base import (
    LAST_TOPIC,
    IntentHandler,
    content_of,
    disclaimer,
    intent_name,
    not_understood,
    offer,
    offered,
    previous_turn,
    prompt,
    resolved_value,
    session,
    slot_values,
    warns_of_emergency,
)
from skill.conversation.handlers.routines import answer
from skill.conversation.offers import Offer, Pending
from skill.routine import MOVE
from skill.words import ssml
from skill.words.content import Topic

log = logging.getLogger(__name__)


def answer_topic(handler_input: HandlerInput, topic: Topic, before: ssml.Ssml = ssml.EMPTY) -> Response:
    """Speak a topic's short answer (after `before`), then offer more when there is more."""
    session(handler_input)[LAST_TOPIC] = topic.id
    content = content_of(handler_input)
    if topic.routine is not None and routines.current(handler_input) is None:
        offer(handler_input, Pending(Offer.ROUTINE, routine=topic.routine))  # "Shall I guide you through slow breathing now?"
        closing = routines.routine_prompt(handler_input, "offer", content.routines[topic.routine])
    elif topic.more:
        offer(handler_input, Pending(Offer.MORE, topic=topic.id))
        closing = prompt(handler_input, "offer_more")
    else:
        closing = prompt(handler_input, "after_more")
    words = ssml.join([before, topic_words(handler_input, topic)])
    return answer(handler_input, words, closing, said.say(content, "topic", topic.id, "reprompt"))


def topic_words(handler_input: HandlerInput, topic: Topic) -> ssml.Ssml:
    """The answer, and the disclaimer if due: after the answer, so the answer leads.

    A topic with its own emergency warning says it first; when the disclaimer due is the first-ever one,
    which ends with the same warning, the disclaimer takes the warning's place instead, so it is said once.
    """
    content = content_of(handler_input)
    notice = disclaimer(handler_input)
    words = said.say(content, "topic", topic.id, "answer")
    if topic.emergency is None:
        return ssml.join([words, notice])
    if warns_of_emergency(notice):
        return ssml.join([notice, words])
    return ssml.join([said.say(content, "topic", topic.id, "emergency"), words, notice])


def tell_more(handler_input: HandlerInput) -> Response:
    """The longer answer for the topic just answered (in the last response, not earlier)."""
    topic_id = getattr(offered(handler_input, Offer.MORE), "topic", None) or previous_turn(handler_input).get(LAST_TOPIC)
    topic = content_of(handler_input).topics.get(topic_id) if isinstance(topic_id, str) else None
    reprompt = prompt(handler_input, "general_reprompt")
    if topic is None or not topic.more:
        return answer(handler_input, ssml.EMPTY, prompt(handler_input, "nothing_more"), reprompt)
    session(handler_input)[LAST_TOPIC] = topic.id
    more = ssml.join([said.say(content_of(handler_input), "topic", topic.id, "more"), disclaimer(handler_input)])
    return answer(handler_input, more, prompt(handler_input, "after_more"), reprompt)


class TopicHandler(AbstractRequestHandler):
    """Answers any intent that has a topic in the content map."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in content_of(handler_input).topic_by_intent

    def handle(self, handler_input: HandlerInput) -> Response:
        topic = content_of(handler_input).topic_by_intent[intent_name(handler_input) or ""]
        return answer_topic(handler_input, topic)


class MoreHandler(IntentHandler):
    """'Tell me more': more on the topic the last response answered."""

    intents = ("MoreIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return tell_more(handler_input)


class RoutineOfferHandler(IntentHandler):
    """Yes or no right after a topic offered a routine ("Shall I guide you through slow breathing now?")."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and offered(handler_input, Offer.ROUTINE) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        pending = offered(handler_input, Offer.ROUTINE)
        assert pending is not None  # can_handle saw it
        routine = content_of(handler_input).routines[pending.routine]
        if intent_name(handler_input) == "AMAZON.YesIntent":
            return routines.begin(handler_input, routine)
        return answer(handler_input, ssml.EMPTY, prompt(handler_input, "no_thanks"), prompt(handler_input, "general_reprompt"))


class MoreOfferHandler(IntentHandler):
    """Yes or no right after 'Want to hear more?'."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and offered(handler_input, Offer.MORE) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        if intent_name(handler_input) == "AMAZON.YesIntent":
            return tell_more(handler_input)
        return answer(handler_input, ssml.EMPTY, prompt(handler_input, "no_thanks"), prompt(handler_input, "general_reprompt"))


class NotARoutineHandler(IntentHandler):
    """'Help me, please, it's agony' fits 'help me {routine}' but names no routine: answer what the words ask."""

    intents = ("StartRoutineIntent",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not super().can_handle(handler_input):
            return False
        content = content_of(handler_input)
        spoken = resolved_value(handler_input, "routine") or ""
        if not spoken or spoken in content.routines or content.routine_by_name(spoken) is not None:
            return False
        return content.matcher.match(spoken).kind == "topic"

    def handle(self, handler_input: HandlerInput) -> Response:
        content = content_of(handler_input)
        match = content.matcher.match(resolved_value(handler_input, "routine") or "")
        return answer_topic(handler_input, content.topics[match.id or ""])


class QuestionHandler(IntentHandler):
    """A question in the user's own words: match it to a topic, or say what the skill can do."""

    intents = ("QuestionIntent", "CatchAllIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        query = " ".join(slot_values(handler_input).values())  # the question's words, or the catch-all's
        match = content_of(handler_input).matcher.match(query)
        # Log what matched, never the words the user said.
        log.debug("question matched %s %s (score %d)", match.kind, match.id, match.score)
        topic = content_of(handler_input).topics.get(match.id or "") if match.kind == "topic" else None
        if topic is None:
            state = routines.current(handler_input)
            if state is not None and state.part == MOVE:  # "i can't get onto my back": skipping it is offered
                moving = routines.not_understood(handler_input)
                assert moving is not None
                return moving
            return answer(handler_input, ssml.EMPTY, not_understood(handler_input, "not_sure"), prompt(handler_input, "fallback_reprompt"))
        return answer_topic(handler_input, topic)
