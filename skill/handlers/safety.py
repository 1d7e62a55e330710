"""Red flags, checked first in every state: at launch, mid-answer, mid-routine, mid-dialog."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import memory, said
from ..content import RedFlag
from ..scopes import request_scope
from .base import ROUTINE, content_of, intent_name, profile, reply, session, slot_values

log = logging.getLogger(__name__)
# A red flag stops whatever routine was under way. (Offers and topics need no clearing: they live one
# turn, and the session interceptor has already taken the last turn's out before any handler runs.)
_FLAG_KEY = "red_flag"  # request attribute: red_flag_in's answer, worked out once per request


def red_flag_in(handler_input: HandlerInput) -> RedFlag | None:
    """The red flag this request raises: a red-flag intent, or red-flag words in any slot."""
    cache = request_scope(handler_input)
    if _FLAG_KEY not in cache:
        cache[_FLAG_KEY] = _find_red_flag(handler_input)
    return cache[_FLAG_KEY]


def _find_red_flag(handler_input: HandlerInput) -> RedFlag | None:
    content = content_of(handler_input)
    flag = content.red_flag_by_intent.get(intent_name(handler_input) or "")
    if flag is not None:
        return flag
    for value in slot_values(handler_input).values():
        match = content.matcher.red_flag(value)
        if match is not None and match.id is not None:
            return content.red_flags[match.id]
    return None


def escalate(handler_input: HandlerInput, flag: RedFlag) -> Response:
    """Urgent instruction first, then how to get help hands-free; the emergency one ends the session."""
    content = content_of(handler_input)
    session(handler_input).pop(ROUTINE, None)
    memory.forget_routine(profile(handler_input))
    log.warning("red flag raised: %s", flag.id)
    speech = said.say(content, "red_flag", flag.id, "speech")
    if flag.ends_session:
        return reply(handler_input, speech, end=True)
    return reply(handler_input, speech, said.say(content, "red_flag", flag.id, "reprompt"))


class RedFlagHandler(AbstractRequestHandler):
    """Any request that mentions a red flag, whatever else is going on."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return red_flag_in(handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        flag = red_flag_in(handler_input)
        assert flag is not None
        return escalate(handler_input, flag)
