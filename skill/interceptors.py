"""Cross-cutting concerns only: pick the locale's content, remember the last reply."""
from __future__ import annotations

from typing import Mapping

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.dialog import ElicitSlotDirective

from .content import DEFAULT_LOCALE, Content
from .handlers.base import CONTENT_KEY, LAST_REPLY, PREVIOUS_TURN, TURN_SCOPED
from .handlers.routines import STEP_PLAYED


class LocaleInterceptor(AbstractRequestInterceptor):
    """Puts the content for the request's locale (or the default) in the request attributes."""

    def __init__(self, contents: Mapping[str, Content]):
        self.contents = contents

    def process(self, handler_input: HandlerInput) -> None:
        locale = getattr(handler_input.request_envelope.request, "locale", None) or DEFAULT_LOCALE
        content = self.contents.get(locale) or self.contents[DEFAULT_LOCALE]
        handler_input.attributes_manager.request_attributes[CONTENT_KEY] = content


class RepeatCacheInterceptor(AbstractResponseInterceptor):
    """Keeps the last spoken response in the session so 'repeat' can say it again.

    A routine step is not copied (it can run to thousands of characters, and session
    attributes travel with every request): a marker says a step was played, and the
    routine handler renders the same step again from the routine state.
    """

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        if response is None or response.output_speech is None or response.should_end_session:
            return
        if handler_input.request_envelope.session is None:
            return
        if handler_input.attributes_manager.request_attributes.get(STEP_PLAYED):
            handler_input.attributes_manager.session_attributes[LAST_REPLY] = {STEP_PLAYED: True}
            return
        if getattr(response.output_speech, "ssml", None) is None:
            return
        reprompt = response.reprompt.output_speech.ssml if response.reprompt and response.reprompt.output_speech else None
        last = {"speech": response.output_speech.ssml, "reprompt": reprompt}
        if any(isinstance(directive, ElicitSlotDirective) for directive in response.directives or ()):
            last["elicit"] = True  # repeating a question Alexa's dialog asked must ask it the same way
        handler_input.attributes_manager.session_attributes[LAST_REPLY] = last


class TurnInterceptor(AbstractRequestInterceptor):
    """Takes the last response's offer and topic out of the session: they live exactly one turn."""

    def process(self, handler_input: HandlerInput) -> None:
        if handler_input.request_envelope.session is None:
            return
        attributes = handler_input.attributes_manager.session_attributes
        handler_input.attributes_manager.request_attributes[PREVIOUS_TURN] = {
            key: attributes.pop(key) for key in TURN_SCOPED if key in attributes
        }
