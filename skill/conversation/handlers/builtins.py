"""Launch, help, stop, repeat, yes/no, fallback and session end: the built-in requests."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response, SessionEndedRequest

from skill.conversation import said
from skill.conversation.handlers import routines, triage
from skill.conversation.handlers.answers import answer
from skill.conversation.handlers.base import (
    LAST_REPLY,
    ROUTINE,
    IntentHandler,
    RequestTypeHandler,
    content_of,
    disclaimer,
    intent_name,
    not_understood,
    offer,
    previous_turn,
    profile,
    prompt,
    reply,
    session,
)
from skill.conversation.offers import Offer, Pending
from skill.logsafe import clean
from skill.storage import memory
from skill.words import ssml

log = logging.getLogger(__name__)


class LaunchHandler(RequestTypeHandler):
    """Opening the skill: a short welcome, the disclaimer the first time, what to ask."""

    request_types = ("LaunchRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        returning = bool(profile(handler_input).get("visits"))
        memory.note_visit(profile(handler_input))
        opening = [prompt(handler_input, "welcome_back" if returning else "welcome_first"), disclaimer(handler_input)]
        remembered = routines.stored(handler_input)
        if remembered is None:
            speech = ssml.join([*opening, prompt(handler_input, "launch_options")])
            return reply(handler_input, speech, prompt(handler_input, "launch_reprompt"))
        offer(handler_input, Pending(Offer.RESUME))
        question = said.say(content_of(handler_input), "resume_offer", remembered.routine, remembered.step)
        return reply(handler_input, ssml.join([*opening, question]), prompt(handler_input, "resume_reprompt"))


class HelpHandler(IntentHandler):
    """What the skill can do."""

    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, prompt(handler_input, "help"), prompt(handler_input, "help_reprompt"))


class StopHandler(IntentHandler):
    """Stop or cancel: a kind goodbye, session over."""

    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, prompt(handler_input, "goodbye"), end=True)


class NavigateHomeHandler(IntentHandler):
    """'Go home': forget the current thread and list the options again."""

    intents = ("AMAZON.NavigateHomeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session(handler_input).pop(ROUTINE, None)
        memory.forget_routine(profile(handler_input))
        return reply(handler_input, prompt(handler_input, "launch_options"), prompt(handler_input, "launch_reprompt"))


class RepeatHandler(IntentHandler):
    """Say the last response again, word for word, with its question still open.

    It is rendered again from the content ids the session kept (skill/conversation/said.py), never replayed from
    the session, so a forged session cannot put words in the skill's mouth. In a new session there
    is no last response; if a routine is remembered, its step is what the user last heard, so that
    is played again; else the skill says kindly that it cannot repeat.
    """

    intents = ("AMAZON.RepeatIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        last = session(handler_input).get(LAST_REPLY) or {}
        content = content_of(handler_input)
        speech, reprompt = said.rerender(content, last.get("say")), said.rerender(content, last.get("ask"))
        if speech is None or reprompt is None:
            remembered = routines.stored(handler_input)
            if remembered is not None:
                return routines.resume(handler_input, remembered)
            return reply(handler_input, prompt(handler_input, "nothing_to_repeat"), prompt(handler_input, "launch_reprompt"))
        session(handler_input).update(previous_turn(handler_input))  # the same question, asked again
        if last.get("elicit"):
            triage.elicit_again(handler_input)
        return reply(handler_input, speech, reprompt)


class ThanksHandler(IntentHandler):
    """'Thanks', 'thanks, bye': you're welcome, and close (inside a routine, RoutineThanksHandler goes on)."""

    intents = ("ThanksIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, prompt(handler_input, "thanks_bye"), end=True)


class CallSomeoneHandler(IntentHandler):
    """'Call my wife': the skill cannot call; it closes, so Alexa can (an emergency call is a red flag, help_now)."""

    intents = ("CallSomeoneIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, prompt(handler_input, "cannot_call"), end=True)


class PardonHandler(RepeatHandler):
    """'What?' outside a routine's step: the last response again (it is short: one answer, one question)."""

    intents = ("PardonIntent",)


class YesHandler(IntentHandler):
    """'Yes' with nothing offered: ask what they would like."""

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return answer(handler_input, ssml.EMPTY, prompt(handler_input, "after_more"), prompt(handler_input, "general_reprompt"))


class NoHandler(IntentHandler):
    """'No' to an offer: drop it and ask what else."""

    intents = ("AMAZON.NoIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return answer(handler_input, ssml.EMPTY, prompt(handler_input, "no_thanks"), prompt(handler_input, "general_reprompt"))


class FallbackHandler(IntentHandler):
    """Anything not understood: inside a routine, the way back to it; else what the skill can help with."""

    intents: tuple[str, ...] = ("AMAZON.FallbackIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        in_routine = routines.not_understood(handler_input)
        if in_routine is not None:
            return in_routine
        return reply(handler_input, not_understood(handler_input, "fallback"), prompt(handler_input, "fallback_reprompt"))


class UnknownIntentHandler(FallbackHandler):
    """An intent this skill does not know (a newer model, a stray request): same as fallback."""

    intents: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) is not None


class SessionEndedHandler(RequestTypeHandler):
    """The session closed (user left, timeout, error): log why; nothing may be spoken."""

    request_types = ("SessionEndedRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        if isinstance(request, SessionEndedRequest):
            reason = request.reason.value if request.reason else "unknown"
            log.debug("session ended: %s", clean(reason))
            if request.error is not None:
                log.warning("session ended with error: %s", clean(request.error.message or "-"))
        return handler_input.response_builder.response


class OtherRequestHandler(AbstractRequestHandler):
    """Requests that are not a spoken turn (skill events, messages): acknowledge quietly."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        log.debug("no conversation for request type %s", clean(getattr(handler_input.request_envelope.request, "object_type", "-")))
        return handler_input.response_builder.response
