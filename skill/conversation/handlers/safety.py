"""Red flags, checked first in every state: at launch, mid-answer, mid-routine, mid-dialog.

Two ways a request tells of a warning sign:
  - its intent is a red flag's (Alexa gives no words: the intent is all there is), or
  - its words do: every slot of every intent goes through the warning-sign screen
    (skill/words/warning_signs.py), the catch-all's whole utterance included.
The screen also hears a sign asked about ("is tingling a bad sign") or denied ("no numbness"): those get
what the sign means, or a calm word, and never end what was under way.
"""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation import said
from skill.conversation.handlers.base import ROUTINE, content_of, intent_name, profile, prompt, reply, resolved_value, session, slot_values
from skill.conversation.handlers.routines import answer
from skill.platform.scopes import request_scope
from skill.storage import memory
from skill.words.content import Content, RedFlag
from skill.words.warning_signs import ASKED, DENIED, SAID, Heard, tokens

log = logging.getLogger(__name__)
_HEARD_KEY = "heard"  # request attribute: what the screen made of this request, worked out once per request

# Intents whose slot holds only a sign ("tingling") in a frame the model gives: a question, or a denial. The
# screen hears the words in that frame (content: warning_signs.frames, "is tingling bad", "no tingling"), so a
# sign the words themselves tell of ("it bad that i can't feel my legs", "no feeling down there") is still said.
FRAMED = {"SignQuestionIntent": ASKED, "SignDeniedIntent": DENIED}


def heard_in(handler_input: HandlerInput) -> tuple[RedFlag | None, Heard | None]:
    """The red flag this request raises (None for none), and what the screen heard in its words."""
    cache = request_scope(handler_input)
    if _HEARD_KEY not in cache:
        cache[_HEARD_KEY] = _hear(handler_input)
    return cache[_HEARD_KEY]


def red_flag_in(handler_input: HandlerInput) -> RedFlag | None:
    """The red flag this request raises: a red-flag intent, or a sign said in any of its words."""
    return heard_in(handler_input)[0]


def _hear(handler_input: HandlerInput) -> tuple[RedFlag | None, Heard | None]:
    content = content_of(handler_input)
    name = intent_name(handler_input) or ""
    values = slot_values(handler_input)
    frame = content.warning_screen.words.frames.get(FRAMED.get(name, ""), "{sign}")
    words = " . ".join(frame.format(sign=value) for value in values.values())
    heard = content.warning_screen.screen(words)
    candidates = [content.red_flag_by_intent.get(name)]
    if name in content.red_flag_by_intent and "part" in values:  # "my {part} is numb": both legs is an emergency
        candidates.append(_flag_for_part(content, resolved_value(handler_input, "part") or "", values["part"]))
    if heard is not None and heard.how == SAID:
        candidates.append(content.red_flags[heard.flag])
    order = list(content.red_flags)
    flags = sorted((flag for flag in candidates if flag is not None), key=lambda flag: order.index(flag.id))
    return (flags[0] if flags else None), heard


def _flag_for_part(content: Content, part_id: str, words: str) -> RedFlag | None:
    """The flag a body part makes of a nerve sign: by the slot's resolved id, or by its words."""
    if part_id in content.red_flag_by_part:
        return content.red_flag_by_part[part_id]
    screen = content.warning_screen
    heard = set(tokens(words, screen.words))
    return next((flag for part, flag in content.red_flag_by_part.items() if set(tokens(part, screen.words)) <= heard), None)


def escalate(handler_input: HandlerInput, flag: RedFlag) -> Response:
    """Urgent instruction first, then how to get help hands-free; an emergency ends the session."""
    content = content_of(handler_input)
    log.warning("red flag raised: %s", flag.id)
    speech = said.say(content, "red_flag", flag.id, "speech")
    if not flag.ends_routine:  # see a doctor: said first, and the routine can go on
        return answer(handler_input, speech, prompt(handler_input, "after_more"), said.say(content, "red_flag", flag.id, "reprompt"))
    session(handler_input).pop(ROUTINE, None)
    memory.forget_routine(profile(handler_input))
    if flag.ends_session:
        return reply(handler_input, speech, end=True)
    return reply(handler_input, speech, said.say(content, "red_flag", flag.id, "reprompt"))


class RedFlagHandler(AbstractRequestHandler):
    """Any request that tells of a red flag, whatever else is going on."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return red_flag_in(handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        flag = red_flag_in(handler_input)
        assert flag is not None
        return escalate(handler_input, flag)


class SignHandler(AbstractRequestHandler):
    """A warning sign asked about (what it means, what to do) or denied (a calm word); what was under way goes on."""

    intents = tuple(FRAMED)  # and any request whose words ask about or deny a sign

    def can_handle(self, handler_input: HandlerInput) -> bool:
        heard = heard_in(handler_input)[1]
        return (heard is not None and heard.how in (ASKED, DENIED)) or intent_name(handler_input) in FRAMED

    def handle(self, handler_input: HandlerInput) -> Response:
        content = content_of(handler_input)
        heard = heard_in(handler_input)[1]
        how = heard.how if heard is not None else FRAMED[intent_name(handler_input) or ""]
        log.debug("warning sign %s: %s", how, heard.flag if heard else "-")
        if how == ASKED and heard is not None:
            words = said.say(content, "red_flag", heard.flag, "asked")
        elif how == ASKED:
            words = said.say(content, "topic", "see_doctor", "answer")
        else:
            words = prompt(handler_input, "sign_denied")
        return answer(handler_input, words, prompt(handler_input, "after_more"), prompt(handler_input, "general_reprompt"))

