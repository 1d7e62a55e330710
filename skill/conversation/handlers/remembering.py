"""Answers about memory: picking a routine back up, and 'forget me'."""
from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation.handlers import routines
from skill.conversation.handlers.answers import answer
from skill.conversation.handlers.base import DISCLAIMED, ROUTINE, IntentHandler, intent_name, offer, offered, profile, prompt, reply, session
from skill.storage import memory
from skill.storage.persistence import forget_user
from skill.words import ssml


def pending_yes(handler_input: HandlerInput) -> str | None:
    """What the last response's question offered, if anything ('more', 'resume', 'forget')."""
    return offered(handler_input).get("yes")


class ResumeOfferHandler(IntentHandler):
    """Yes or no to 'Want to carry on?' at launch."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and pending_yes(handler_input) == "resume"

    def handle(self, handler_input: HandlerInput) -> Response:
        remembered = routines.stored(handler_input)
        if intent_name(handler_input) == "AMAZON.YesIntent" and remembered is not None:
            return routines.resume(handler_input, remembered)
        memory.forget_routine(profile(handler_input))
        speech = ssml.join([prompt(handler_input, "fresh_start"), prompt(handler_input, "launch_options")])
        return reply(handler_input, speech, prompt(handler_input, "launch_reprompt"))


class ForgetMeHandler(IntentHandler):
    """'Forget me' / 'delete my data': confirm first."""

    intents = ("ForgetMeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        offer(handler_input, yes="forget")
        return reply(handler_input, prompt(handler_input, "forget_confirm"), prompt(handler_input, "forget_reprompt"))


class ForgetConfirmHandler(IntentHandler):
    """Yes or no to 'Shall I delete it?'."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and pending_yes(handler_input) == "forget"

    def handle(self, handler_input: HandlerInput) -> Response:
        if intent_name(handler_input) != "AMAZON.YesIntent":
            return answer(handler_input, prompt(handler_input, "forget_kept"), prompt(handler_input, "after_more"),
                          prompt(handler_input, "general_reprompt"))
        for key in (ROUTINE, DISCLAIMED):  # a new user again, who has not heard the disclaimer
            session(handler_input).pop(key, None)
        done = forget_user(handler_input)
        speech = prompt(handler_input, "forget_done" if done else "error")
        return reply(handler_input, ssml.join([speech, prompt(handler_input, "after_more")]), prompt(handler_input, "general_reprompt"))
