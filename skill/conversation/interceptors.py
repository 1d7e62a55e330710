"""Cross-cutting concerns only: pick the locale's content, check the session, remember the last reply."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation.offers import Pending
from skill.logsafe import clean
from skill.platform.scopes import (
    CONTENT_KEY,
    DISCLAIMED,
    LAST_REPLY,
    LAST_TOPIC,
    MISHEARD,
    NOT_SAVED_TOLD,
    PENDING,
    PREVIOUS_TURN,
    ROUTINE,
    SAID_KEY,
    STEP_PLAYED,
    TURN_SCOPED,
    request_scope,
    session_scope,
)
from skill.routine import RoutineState
from skill.storage import memory
from skill.words.content import Content, Contents

log = logging.getLogger(__name__)


class LocaleInterceptor(AbstractRequestInterceptor):
    """Puts the content for the request's locale (or the fallback's) in the request attributes."""

    def __init__(self, contents: Contents):
        self.contents = contents

    def process(self, handler_input: HandlerInput) -> None:
        # A locale the skill does not have (or none) gets the fallback: English words that name no emergency number.
        locale = getattr(handler_input.request_envelope.request, "locale", None)
        request_scope(handler_input)[CONTENT_KEY] = self.contents.for_locale(locale)




def _last_reply(value: Any, content: Content) -> bool:
    # The lines themselves are checked against the content when "repeat" renders them.
    return value == {STEP_PLAYED: True} or (
        isinstance(value, dict) and set(value) <= {"say", "ask", "elicit"} and isinstance(value.get("say"), list)
        and isinstance(value.get("ask"), list) and isinstance(value.get("elicit", False), bool))


# Every session attribute the skill keeps, and the shape it must have.
SESSION_SHAPES: dict[str, Callable[[Any, Content], bool]] = {
    ROUTINE: lambda value, content: RoutineState.from_dict(value, content.shapes) is not None,
    PENDING: lambda value, content: Pending.read(value, content) is not None,
    LAST_TOPIC: lambda value, content: isinstance(value, str) and value in content.topics,
    LAST_REPLY: _last_reply,
    DISCLAIMED: lambda value, content: value is True,
    MISHEARD: lambda value, content: value is True,
    memory.ONSET: lambda value, content: memory.valid_moment(value),
    NOT_SAVED_TOLD: lambda value, content: value is True,
}


class SessionStateInterceptor(AbstractRequestInterceptor):
    """Checks the session before any handler runs; then takes the last turn's offer and topic out of it.

    Session attributes come back from the client with each request, so they are input like any other:
    anything of the wrong shape, or unknown, is dropped (and logged by name only), never trusted.
    The last response's offer and topic live exactly one turn (see handlers/base.py: TURN_SCOPED).
    """

    def process(self, handler_input: HandlerInput) -> None:
        if handler_input.request_envelope.session is None:
            return
        content = request_scope(handler_input)[CONTENT_KEY]
        attributes = session_scope(handler_input)
        dropped = [key for key, value in attributes.items()
                   if key not in SESSION_SHAPES or not SESSION_SHAPES[key](value, content)]
        for key in dropped:
            attributes.pop(key)
        if dropped:
            log.info("session: dropped attributes of the wrong shape: %s", sorted(clean(key, 40) for key in dropped))
        request_scope(handler_input)[PREVIOUS_TURN] = {
            key: attributes.pop(key) for key in TURN_SCOPED if key in attributes
        }


class RepeatCacheInterceptor(AbstractResponseInterceptor):
    """Keeps what the last response said, as content ids, so 'repeat' can render it again.

    Never the SSML itself: a routine step is a marker (the routine handler renders the same step
    again from the routine state), anything else the lines of skill/conversation/said.py. A reply that cannot be
    named by ids is not kept.
    """

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        if response is None or response.output_speech is None or response.should_end_session:
            return
        if handler_input.request_envelope.session is None:
            return
        request_attributes = request_scope(handler_input)
        session = session_scope(handler_input)
        if request_attributes.get(STEP_PLAYED):
            session[LAST_REPLY] = {STEP_PLAYED: True}
            return
        speech, reprompt = request_attributes.get(SAID_KEY) or (None, None)
        if speech is None or reprompt is None:
            session.pop(LAST_REPLY, None)
            return
        last: dict[str, Any] = {"say": [list(line) for line in speech], "ask": [list(line) for line in reprompt]}
        # By type name: the dialog models are imported only by the handler that elicits (a cold start, 2 ms).
        if any(getattr(directive, "object_type", None) == "Dialog.ElicitSlot" for directive in response.directives or ()):
            last["elicit"] = True  # repeating a question Alexa's dialog asked must ask it the same way
        session[LAST_REPLY] = last
