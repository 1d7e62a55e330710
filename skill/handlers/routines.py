"""Guided routines: start, list, and the voice controls that apply while one is under way.

The state machine in skill/routine.py decides what comes next; these handlers read the
state from the session, call it, and speak the outcome.
"""
from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import memory, pacing, ssml
from ..content import Routine
from ..routine import Action, Event, Outcome, RoutineState, advance, start
from .base import (
    LAST_REPLY, PENDING, ROUTINE, IntentHandler, content_of, intent_name, now, profile, prompt, reply, resolved_value,
    session,
)

log = logging.getLogger(__name__)
STEP_PLAYED = "routine_step"  # request attribute: this response is a routine step (for the repeat cache)

EVENTS = {
    "AMAZON.NextIntent": Event.NEXT,
    "SkipIntent": Event.SKIP,
    "AMAZON.PreviousIntent": Event.PREVIOUS,
    "AMAZON.StartOverIntent": Event.START_OVER,
    "AMAZON.PauseIntent": Event.PAUSE,
    "AMAZON.ResumeIntent": Event.RESUME,
    "SlowerIntent": Event.SLOWER,
    "FasterIntent": Event.FASTER,
    "AMAZON.StopIntent": Event.STOP,
    "AMAZON.CancelIntent": Event.STOP,
    "AMAZON.RepeatIntent": Event.REPEAT,
}


def current(handler_input: HandlerInput) -> RoutineState | None:
    """The routine under way in this session, if any (malformed state counts as none)."""
    return RoutineState.from_dict(session(handler_input).get(ROUTINE), content_of(handler_input).step_counts)


def routine_prompt(handler_input: HandlerInput, prompt_id: str, routine: Routine | None = None) -> ssml.Ssml:
    """A routine prompt, filled with the routine's name where it asks for one."""
    template = content_of(handler_input).routine_prompts[prompt_id]
    return ssml.render(template, {"name": routine.name if routine else ""})


def speak_outcome(handler_input: HandlerInput, outcome: Outcome, routine: Routine) -> Response:
    """Say what the state machine decided, and keep the session state in step with it."""
    attributes = session(handler_input)
    note = [routine_prompt(handler_input, outcome.note, routine)] if outcome.note else []
    if outcome.state is None:
        attributes.pop(ROUTINE, None)
        memory.forget_routine(profile(handler_input))
    else:
        attributes[ROUTINE] = outcome.state.to_dict()
        # Remembered at every step, so a session that times out mid-hold can be picked up later.
        memory.remember_routine(profile(handler_input), outcome.state, now(handler_input))
    attributes.pop(PENDING, None)

    if outcome.action is Action.PLAY and outcome.state is not None:
        content = content_of(handler_input)
        body = pacing.step_speech(routine, outcome.state.step, outcome.state.factor, content.routine_prompts)
        handler_input.attributes_manager.request_attributes[STEP_PLAYED] = True
        speech = ssml.join([*note, body, routine_prompt(handler_input, "next_question")])
        return reply(handler_input, speech, routine_prompt(handler_input, "step_reprompt"))
    if outcome.action is Action.HOLD:
        speech = ssml.join([*note, routine_prompt(handler_input, "next_question")])
        return reply(handler_input, speech, routine_prompt(handler_input, "step_reprompt"))
    if outcome.action is Action.PAUSED:
        return reply(handler_input, routine_prompt(handler_input, "paused"), routine_prompt(handler_input, "paused_reprompt"))
    if outcome.action is Action.FINISHED:
        log.info("routine finished: %s", routine.id)
        if routine.end_session:
            return reply(handler_input, ssml.join([*note, ssml.text(routine.outro)]), end=True)
        speech = ssml.join([*note, ssml.text(routine.outro), routine_prompt(handler_input, "finished_question")])
        return reply(handler_input, speech, prompt(handler_input, "general_reprompt"))
    log.info("routine stopped: %s", routine.id)
    return reply(handler_input, routine_prompt(handler_input, "stopped"), end=True)


def begin(handler_input: HandlerInput, routine: Routine) -> Response:
    """Start a routine from its first step, at the pace the user last chose."""
    log.info("routine started: %s", routine.id)
    return speak_outcome(handler_input, start(routine.id, memory.preferred_pace(profile(handler_input))), routine)


def resume(handler_input: HandlerInput, state: RoutineState) -> Response:
    """Pick a remembered routine up where it was left."""
    routine = content_of(handler_input).routines[state.routine]
    log.info("routine resumed: %s", routine.id)
    return speak_outcome(handler_input, advance(state, Event.RESUME, len(routine.steps)), routine)


def stored(handler_input: HandlerInput) -> RoutineState | None:
    """An unfinished routine remembered from an earlier session, if recent enough."""
    return memory.resumable_routine(profile(handler_input), now(handler_input), content_of(handler_input).step_counts)


class InRoutine(IntentHandler):
    """Base for handlers that apply only while a routine is under way."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and current(handler_input) is not None


class RoutineControlHandler(InRoutine):
    """next, skip, previous, start over, pause, resume, slower, faster, stop, repeat: inside a routine."""

    intents = tuple(EVENTS)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not super().can_handle(handler_input):
            return False
        if intent_name(handler_input) == "AMAZON.RepeatIntent":
            # Repeat a step only when a step was the last thing said; else repeat the last answer.
            last = session(handler_input).get(LAST_REPLY) or {}
            return bool(last.get(STEP_PLAYED))
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        assert state is not None
        routine = content_of(handler_input).routines[state.routine]
        event = EVENTS[intent_name(handler_input) or ""]
        return speak_outcome(handler_input, advance(state, event, len(routine.steps)), routine)


class RoutineHelpHandler(InRoutine):
    """Help inside a routine: the controls."""

    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        routine = content_of(handler_input).routines[state.routine] if state else None
        return reply(handler_input, routine_prompt(handler_input, "help", routine), routine_prompt(handler_input, "help_reprompt"))


class RoutineNotUnderstoodHandler(InRoutine):
    """Fallback or 'no' inside a routine: stay in it, and say what works."""

    intents = ("AMAZON.FallbackIntent", "AMAZON.NoIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, routine_prompt(handler_input, "not_understood"), routine_prompt(handler_input, "step_reprompt"))


class StartRoutineHandler(IntentHandler):
    """'Guide me through breathing': start the named routine, or ask which."""

    intents = ("StartRoutineIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        content = content_of(handler_input)
        spoken = resolved_value(handler_input, "routine")
        routine = content.routines.get(spoken or "") or content.routine_by_name(spoken or "")
        if routine is None:
            prompt_id = "which_routine" if spoken else "list"
            return reply(handler_input, routine_prompt(handler_input, prompt_id), routine_prompt(handler_input, "list_reprompt"))
        return begin(handler_input, routine)


class ListRoutinesHandler(IntentHandler):
    """'What routines are there?': one sentence."""

    intents = ("ListRoutinesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, routine_prompt(handler_input, "list"), routine_prompt(handler_input, "list_reprompt"))


class NoRoutineHandler(IntentHandler):
    """Routine controls with no routine under way: resume a remembered one, or offer the routines."""

    intents = tuple(name for name, event in EVENTS.items() if event not in (Event.STOP, Event.REPEAT))

    def handle(self, handler_input: HandlerInput) -> Response:
        if intent_name(handler_input) in ("AMAZON.ResumeIntent", "AMAZON.NextIntent"):
            remembered = stored(handler_input)
            if remembered is not None:
                return resume(handler_input, remembered)
        return reply(handler_input, routine_prompt(handler_input, "no_routine"), routine_prompt(handler_input, "list_reprompt"))
