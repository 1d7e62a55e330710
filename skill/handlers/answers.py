"""The intent-to-content map: one data-driven handler answers every topic."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..content import Topic
from . import routines
from .base import LAST_TOPIC, PENDING, IntentHandler, content_of, intent_name, prompt, reply, session, slot_values

log = logging.getLogger(__name__)



def answer(handler_input: HandlerInput, words: ssml.Ssml, closing: ssml.Ssml, reprompt: ssml.Ssml) -> Response:
    """An answer; in the middle of a routine, it also offers to go back to it."""
    state = routines.current(handler_input)
    if state is not None:
        routine = content_of(handler_input).routines[state.routine]
        closing = ssml.join([closing, routines.routine_prompt(handler_input, "continue_offer", routine)])
        reprompt = routines.routine_prompt(handler_input, "continue_reprompt", routine)
    return reply(handler_input, ssml.join([words, closing]), reprompt)


def answer_topic(handler_input: HandlerInput, topic: Topic) -> Response:
    """Speak a topic's short answer, then offer more when there is more."""
    attributes = session(handler_input)
    attributes[LAST_TOPIC] = topic.id
    if topic.more:
        attributes[PENDING] = {"yes": "more", "topic": topic.id}
        closing = prompt(handler_input, "offer_more")
    else:
        attributes.pop(PENDING, None)
        closing = prompt(handler_input, "after_more")
    return answer(handler_input, ssml.text(topic.answer), closing, ssml.text(topic.reprompt))


def tell_more(handler_input: HandlerInput) -> Response:
    """The longer answer for the topic just answered."""
    attributes = session(handler_input)
    attributes.pop(PENDING, None)
    topic = content_of(handler_input).topics.get(attributes.get(LAST_TOPIC, ""))
    reprompt = prompt(handler_input, "general_reprompt")
    if topic is None or not topic.more:
        return answer(handler_input, ssml.Ssml(""), prompt(handler_input, "nothing_more"), reprompt)
    return answer(handler_input, ssml.text(topic.more), prompt(handler_input, "after_more"), reprompt)


class TopicHandler(AbstractRequestHandler):
    """Answers any intent that has a topic in the content map."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in content_of(handler_input).topic_by_intent

    def handle(self, handler_input: HandlerInput) -> Response:
        topic = content_of(handler_input).topic_by_intent[intent_name(handler_input) or ""]
        return answer_topic(handler_input, topic)


class MoreHandler(IntentHandler):
    """'Tell me more', or 'yes' right after an offer of more."""

    intents = ("MoreIntent", "AMAZON.YesIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        name = intent_name(handler_input)
        if name == "MoreIntent":
            return True
        pending = session(handler_input).get(PENDING) or {}
        return name == "AMAZON.YesIntent" and pending.get("yes") == "more"

    def handle(self, handler_input: HandlerInput) -> Response:
        return tell_more(handler_input)


class QuestionHandler(IntentHandler):
    """A question in the user's own words: match it to a topic, or say what the skill can do."""

    intents = ("QuestionIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        query = slot_values(handler_input).get("query", "")
        match = content_of(handler_input).matcher.match(query)
        # Log what matched, never the words the user said.
        log.info("question matched %s %s (score %d)", match.kind, match.id, match.score)
        topic = content_of(handler_input).topics.get(match.id or "") if match.kind == "topic" else None
        if topic is None:
            session(handler_input).pop(PENDING, None)
            return reply(handler_input, prompt(handler_input, "not_sure"), prompt(handler_input, "fallback_reprompt"))
        return answer_topic(handler_input, topic)
