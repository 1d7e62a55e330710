"""Touches on the screen's buttons (Alexa.Presentation.APL.UserEvent): the same routine controls as the voice.

The buttons appear only inside a routine (skill/conversation/screen.py); their events name a control, which goes
through the routine state machine exactly as the spoken "next", "repeat" or "stop" would. Anything
else, or a touch after the routine has ended, gets the general way on; nothing a touch sends is trusted.
"""
from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation.handlers.base import RequestTypeHandler, prompt, reply
from skill.conversation.handlers.routines import act_on, current
from skill.routine import Event

TOUCH_EVENTS = {"next": Event.NEXT, "repeat": Event.REPEAT, "stop": Event.STOP}


class TouchHandler(RequestTypeHandler):
    """A button on the screen: next, repeat or stop."""

    request_types = ("Alexa.Presentation.APL.UserEvent",)  # by type name: importing the APL models costs a cold start 15 ms

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        arguments = getattr(request, "arguments", None) or []
        event = TOUCH_EVENTS.get(arguments[0]) if arguments and isinstance(arguments[0], str) else None
        state = current(handler_input)
        if state is not None and event is not None:
            return act_on(handler_input, state, event)
        if event is Event.STOP:
            return reply(handler_input, prompt(handler_input, "goodbye"), end=True)
        return reply(handler_input, prompt(handler_input, "after_more"), prompt(handler_input, "general_reprompt"))
