"""Typed access to the SDK's per-request and per-session attribute dicts.

ask-sdk-core types request_attributes as Dict[str, object] and session_attributes as Optional[dict]:
these give the rest of the skill one precise type to work with (and one place that knows why).
"""
from __future__ import annotations

from typing import Any, cast

from ask_sdk_core.handler_input import HandlerInput

# The keys the handlers and the interceptors share, here below both, so the interceptors (and the screen)
# never import a handler module.
CONTENT_KEY = "content"  # request attribute set by the locale interceptor
SAID_KEY = "said"  # request attribute: the lines of the reply (speech, reprompt), for the repeat cache


# Session attribute keys (kept small: they travel with every request).
PENDING = "pending"  # the question the last response asked: {"yes": "more" | "resume" | "forget"} or {"ask": "triage"}
LAST_TOPIC = "last_topic"  # the topic just answered, for "tell me more"
ROUTINE = "routine"  # the RoutineState of the routine under way
LAST_REPLY = "last_reply"  # the last response, for AMAZON.RepeatIntent
DISCLAIMED = "disclaimed"  # True once this session has heard the disclaimer
NOT_SAVED_TOLD = "not_saved_told"  # True once this session has heard its place in a routine could not be saved

# An offer lives exactly one turn: before any handler runs, the turn interceptor takes these out of
# the session and keeps them as what the previous response left (PREVIOUS_TURN). A handler that
# wants an answer on the next turn offers again; anything not offered again is gone. So a "yes"
# two turns after "shall I delete it?" can never delete anything.
MISHEARD = "misheard"  # True when the last response said it did not understand (the next one says it differently)
TURN_SCOPED = (PENDING, LAST_TOPIC, MISHEARD)
PREVIOUS_TURN = "previous_turn"  # request attribute: {PENDING: ..., LAST_TOPIC: ...} as the last response left them
STEP_PLAYED = "routine_step"  # request attribute: this response is a routine step (for the repeat cache)
AGAIN = "again"  # ... its value when the step's timed part plays again at a new pace, without its introduction


def request_scope(handler_input: HandlerInput) -> dict[str, Any]:
    """Attributes that live for this request only."""
    return cast(dict[str, Any], handler_input.attributes_manager.request_attributes)


def session_scope(handler_input: HandlerInput) -> dict[str, Any]:
    """The session attributes of a request that has a session (Alexa sends them back each turn)."""
    attributes = handler_input.attributes_manager.session_attributes
    if attributes is None:  # the SDK makes an empty dict for any request with a session; this is for mypy
        attributes = handler_input.attributes_manager.session_attributes = {}
    return cast(dict[str, Any], attributes)
