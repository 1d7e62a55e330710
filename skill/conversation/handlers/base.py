"""What every handler needs: the request's intent, content, session, and a reply."""
from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill.conversation import said
from skill.conversation.offers import Offer, Pending
from skill.ids import PromptId
from skill.platform.scopes import (  # noqa: F401
    CONTENT_KEY,
    DISCLAIMED,
    LAST_REPLY,
    LAST_TOPIC,
    MISHEARD,
    PENDING,
    PREVIOUS_TURN,
    ROUTINE,
    SAID_KEY,
    TURN_SCOPED,
    request_scope,
    session_scope,
)
from skill.storage import memory
from skill.storage.persistence import profile, request_time  # noqa: F401
from skill.words import ssml
from skill.words.content import Content


def intent_name(handler_input: HandlerInput) -> str | None:
    """The intent's name, or None for any other request type."""
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent is not None:
        return request.intent.name
    return None


def slot_values(handler_input: HandlerInput) -> dict[str, str]:
    """The intent's filled slots as name -> spoken value (empty slots left out)."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None or not request.intent.slots:
        return {}
    return {
        name: slot.value
        for name, slot in request.intent.slots.items()
        if slot is not None and isinstance(slot.value, str) and slot.value.strip()
    }


def resolved_value(handler_input: HandlerInput, slot_name: str) -> str | None:
    """A slot's entity-resolved id when Alexa matched one, else the words it heard."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None or not request.intent.slots:
        return None
    slot = request.intent.slots.get(slot_name)
    if slot is None:
        return None
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        if getattr(status, "value", status) == "ER_SUCCESS_MATCH" and authority.values:
            return authority.values[0].value.id
    return slot.value if isinstance(slot.value, str) and slot.value.strip() else None


def content_of(handler_input: HandlerInput) -> Content:
    """The content of the request's locale (chosen by the locale interceptor)."""
    return request_scope(handler_input)[CONTENT_KEY]


def now(handler_input: HandlerInput) -> datetime:
    """The request's own timestamp (so answers are reproducible), else the clock."""
    return request_time(handler_input)


def session(handler_input: HandlerInput) -> MutableMapping[str, Any]:
    """The session attributes; a throwaway dict for a request that has no session."""
    if handler_input.request_envelope.session is None:
        return request_scope(handler_input).setdefault("_no_session", {})
    return session_scope(handler_input)


def previous_turn(handler_input: HandlerInput) -> dict[str, Any]:
    """What the last response left for this turn: its offer and its topic (see TURN_SCOPED)."""
    return request_scope(handler_input).get(PREVIOUS_TURN) or {}


def offered(handler_input: HandlerInput, kind: Offer | None = None) -> Pending | None:
    """The question the last response asked (None for none, or for one of another kind than `kind`)."""
    pending = Pending.read(previous_turn(handler_input).get(PENDING), content_of(handler_input))
    return pending if pending is not None and kind in (None, pending.offer) else None


def offer(handler_input: HandlerInput, pending: Pending) -> None:
    """Ask a question the next turn may answer (and only the next turn)."""
    session(handler_input)[PENDING] = pending.stored()


def offer_again(handler_input: HandlerInput, kinds: frozenset[Offer]) -> None:
    """Let the question the last response asked stand one turn more, with its topic, if it is of one of `kinds`."""
    pending = offered(handler_input)
    if pending is not None and pending.offer in kinds:
        offer(handler_input, pending)
    topic = previous_turn(handler_input).get(LAST_TOPIC)
    if topic:
        session(handler_input)[LAST_TOPIC] = topic


def disclaimer(handler_input: HandlerInput) -> ssml.Ssml:
    """The disclaimer, if this session has not heard it yet: the full one the first time ever, then short.

    Alexa's rules for health skills want it in every session, before or with the first health answer,
    one-shot requests included. Callers put it after the answer's own words, so answers still lead.
    """
    attributes = session(handler_input)
    if attributes.get(DISCLAIMED):
        return ssml.EMPTY
    attributes[DISCLAIMED] = True
    first_ever = memory.note_disclaimer(profile(handler_input))
    return prompt(handler_input, "disclaimer" if first_ever else "disclaimer_short")


FULL_DISCLAIMER = ("prompt", "disclaimer")  # said the first time ever; it ends with the emergency warning


def warns_of_emergency(words: ssml.Ssml) -> bool:
    """Whether these words hold the first-ever disclaimer, so the response already says the emergency warning.

    A reply that has its own warning (the triage reminder, the see-a-doctor answer) leaves it out beside
    this one: the same warning twice in one response is noise. tests/test_said_once.py checks that
    prompts.disclaimer still carries the warning, since these replies rely on it.
    """
    return FULL_DISCLAIMER in (words.said or ())


def prompt(handler_input: HandlerInput, prompt_id: PromptId) -> ssml.Ssml:
    """A prompt from the content file, escaped, marked with its id."""
    return said.say(content_of(handler_input), "prompt", prompt_id)


def not_understood(handler_input: HandlerInput, prompt_id: PromptId) -> ssml.Ssml:
    """What the skill says to words it cannot answer: the prompt, the safety net, then what would help.

    Twice in a row, the second time says it differently ("I'm still not sure what you need...").
    """
    again = misheard_again(handler_input)
    words = prompt(handler_input, "not_sure_again" if again else prompt_id)
    return ssml.join([words, prompt(handler_input, "safety_net"), prompt(handler_input, "try_saying" if again else "what_would_help")])


def misheard_again(handler_input: HandlerInput) -> bool:
    """Note that this response did not understand; whether the last one did not either."""
    session(handler_input)[MISHEARD] = True
    return previous_turn(handler_input).get(MISHEARD) is True


def reply(
    handler_input: HandlerInput,
    speech: ssml.Ssml,
    reprompt: ssml.Ssml | None = None,
    end: bool = False,
) -> Response:
    """Speak, and either keep listening with a reprompt or end the session.

    While a routine is under way the reprompt, which is what plays just before a silent session
    closes, also says how to come back later.
    """
    request_scope(handler_input)[SAID_KEY] = (speech.said, reprompt.said if reprompt else None)
    builder = handler_input.response_builder.speak(speech.markup)
    if end:
        builder.set_should_end_session(True)
    else:
        if reprompt is None:
            raise ValueError("a response that keeps the session open needs a reprompt")
        if session(handler_input).get(ROUTINE):
            reprompt = ssml.join([reprompt, said.say(content_of(handler_input), "routine_prompt", "come_back", "")])
        builder.ask(reprompt.markup).set_should_end_session(False)
    return builder.response


def hand_over(handler_input: HandlerInput, speech: ssml.Ssml) -> Response:
    """Speak, then let Alexa take the next turn (a Connections.SendRequest added by the caller asks the user).

    No reprompt, and shouldEndSession left out, as Alexa wants with that directive: Alexa asks its own
    question, and the answer comes back to the skill as a Connections.Response.
    """
    request_scope(handler_input)[SAID_KEY] = (speech.said, None)
    return handler_input.response_builder.speak(speech.markup).response


class IntentHandler(AbstractRequestHandler):
    """A handler for the intents it names; subclasses may narrow can_handle further, never widen it.

    The handler index (skill/conversation/builder.py) tries it only for requests of those intents.
    """

    intents: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in self.intents


class RequestTypeHandler(AbstractRequestHandler):
    """A handler for the request types it names (LaunchRequest...); the handler index tries it only for those."""

    request_types: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return getattr(handler_input.request_envelope.request, "object_type", None) in self.request_types
