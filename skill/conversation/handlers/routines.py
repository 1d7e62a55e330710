"""Guided routines: start, list, and the voice controls that apply while one is under way.

The state machine in skill/routine.py decides what comes next; these handlers read the
state from the session, call it, and speak the outcome.
"""
from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation import said
from skill.conversation.handlers import alerts
from skill.conversation.handlers.base import (
    LAST_REPLY,
    ROUTINE,
    IntentHandler,
    content_of,
    disclaimer,
    intent_name,
    misheard_again,
    now,
    offer,
    offer_again,
    offered,
    profile,
    prompt,
    reply,
    resolved_value,
    session,
    slot_values,
)
from skill.conversation.offers import STANDS_AFTER_A_WAIT, Offer, Pending
from skill.ids import RoutinePromptId
from skill.platform.scopes import AGAIN, STEP_PLAYED, request_scope  # noqa: F401
from skill.routine import HOLD, MOVE, Action, Event, Outcome, RoutineState, advance, start
from skill.storage import memory
from skill.words import pacing, ssml
from skill.words.content import Content, Routine

log = logging.getLogger(__name__)

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
    return RoutineState.from_dict(session(handler_input).get(ROUTINE), content_of(handler_input).shapes)


def routine_prompt(handler_input: HandlerInput, prompt_id: RoutinePromptId, routine: Routine | None = None) -> ssml.Ssml:
    """A routine prompt, filled with the routine's name where it asks for one, marked with its ids."""
    return said.say(content_of(handler_input), "routine_prompt", prompt_id, routine.id if routine else "")


def answer(handler_input: HandlerInput, words: ssml.Ssml, closing: ssml.Ssml, reprompt: ssml.Ssml) -> Response:
    """Any reply outside the routine's own steps; in the middle of a routine, it also offers the way back."""
    state = current(handler_input)
    if state is not None:
        routine = content_of(handler_input).routines[state.routine]
        closing = ssml.join([closing, routine_prompt(handler_input, "continue_offer", routine)])
        reprompt = routine_prompt(handler_input, "continue_reprompt", routine)
    return reply(handler_input, ssml.join([words, closing]), reprompt)


def way_back(handler_input: HandlerInput) -> ssml.Ssml:
    """Mid-routine, "Or say continue, to go back to ..." (for a question of the skill's own that leaves the
    routine's steps); nothing outside a routine."""
    state = current(handler_input)
    if state is None:
        return ssml.EMPTY
    return routine_prompt(handler_input, "continue_offer", content_of(handler_input).routines[state.routine])


def speak_outcome(handler_input: HandlerInput, outcome: Outcome, routine: Routine, before: ssml.Ssml = ssml.EMPTY) -> Response:
    """Say what the state machine decided (after `before`), and keep the session state in step with it."""
    attributes = session(handler_input)
    note = [before, *([routine_prompt(handler_input, outcome.note, routine)] if outcome.note else [])]
    if outcome.state is None:
        attributes.pop(ROUTINE, None)
        memory.forget_routine(profile(handler_input))
    else:
        attributes[ROUTINE] = outcome.state.to_dict()
        # Remembered at every step, so a session that times out mid-hold can be picked up later.
        memory.remember_routine(profile(handler_input), outcome.state, now(handler_input))

    if outcome.action is Action.PLAY and outcome.state is not None:
        content = content_of(handler_input)
        state = outcome.state
        again = outcome.note in ("slower", "faster")  # go on from where the user is: the breaths, not the introduction
        body = step_speech(content, routine, state, again)
        request_scope(handler_input)[STEP_PLAYED] = AGAIN if again else True
        if state.part == HOLD and routine.steps[state.step].ask:
            offer(handler_input, Pending(Offer.STEP_QUESTION))  # "Has the worst passed?": yes goes on, no ends the routine
            return reply(handler_input, ssml.join([*note, body]), routine_prompt(handler_input, "question_reprompt"))
        return reply(handler_input, ssml.join([*note, body]), routine_prompt(handler_input, _reprompt_for(state)))
    if outcome.action is Action.HOLD:
        speech = ssml.join([*note, routine_prompt(handler_input, "next_question")])
        return reply(handler_input, speech, routine_prompt(handler_input, "step_reprompt"))
    if outcome.action is Action.PAUSED:
        return reply(handler_input, routine_prompt(handler_input, "paused"), routine_prompt(handler_input, "paused_reprompt"))
    if outcome.action is Action.FINISHED:
        log.debug("routine finished: %s", routine.id)
        outro = said.say(content_of(handler_input), "outro", routine.id)
        if routine.alert is not None:  # "Shall I set a timer?": yes or no ends the session (skill/conversation/handlers/alerts.py)
            offer_words = alerts.offer_alert(handler_input, content_of(handler_input).alerts[routine.alert])
            assert offer_words is not None  # a timer offer has no due time, so it is always in time
            return reply(handler_input, ssml.join([*note, outro, offer_words[0]]), offer_words[1])
        if routine.end_session:
            return reply(handler_input, ssml.join([*note, outro]), end=True)
        speech = ssml.join([*note, outro, routine_prompt(handler_input, "finished_question")])
        return reply(handler_input, speech, prompt(handler_input, "general_reprompt"))
    log.debug("routine stopped: %s", routine.id)
    return reply(handler_input, routine_prompt(handler_input, "stopped"), end=True)


def step_speech(content: Content, routine: Routine, state: RoutineState, again: bool) -> ssml.Ssml:
    """A step's paced words: the same for everyone at a step, part and pace, so rendered once and kept with the content."""
    key = ("step", routine.id, state.step, state.part, state.factor, again)
    speech = content.rendered.get(key)
    if speech is None:
        speech = content.rendered[key] = pacing.step_speech(routine, state.step, state.part, state.factor,
                                                            content.routine_prompts, content.routine_closings, again)
    return speech


def _reprompt_for(state: RoutineState) -> RoutinePromptId:
    return "settle_reprompt" if state.part == MOVE else "step_reprompt"


def begin(handler_input: HandlerInput, routine: Routine) -> Response:
    """Start a routine from its first step, at the pace the user last chose."""
    log.debug("routine started: %s", routine.id)
    outcome = start(routine.id, routine.shape, memory.preferred_pace(profile(handler_input)))
    return speak_outcome(handler_input, outcome, routine, before=disclaimer(handler_input))


def act_on(handler_input: HandlerInput, state: RoutineState, event: Event) -> Response:
    """Apply what the user said to a routine (the one under way, or a remembered one)."""
    routine = content_of(handler_input).routines[state.routine]
    return speak_outcome(handler_input, advance(state, event, routine.shape), routine)


def resume(handler_input: HandlerInput, state: RoutineState) -> Response:
    """Pick a remembered routine up where it was left."""
    log.debug("routine resumed: %s", state.routine)
    return act_on(handler_input, state, Event.RESUME)


def stored(handler_input: HandlerInput) -> RoutineState | None:
    """An unfinished routine remembered from an earlier session, if recent enough."""
    return memory.resumable_routine(profile(handler_input), now(handler_input), content_of(handler_input).shapes)


def not_understood(handler_input: HandlerInput) -> Response | None:
    """Inside a routine, what to say to anything not understood: stay in it, and the way back.

    While getting into a position, skipping it is offered ("I can't get onto my back"); a second
    misunderstanding in a row is said differently.
    """
    state = current(handler_input)
    if state is None:
        return None
    routine = content_of(handler_input).routines[state.routine]
    again = misheard_again(handler_input)
    prompt_id: RoutinePromptId = "not_understood_again" if again else "not_understood_move" if state.part == MOVE else "not_understood"
    return reply(handler_input, routine_prompt(handler_input, prompt_id, routine),
                 routine_prompt(handler_input, "settle_reprompt" if state.part == MOVE else "step_reprompt"))


def last_said_was(handler_input: HandlerInput, *line: str) -> bool:
    """Whether the last response began with this content line (its ids, as skill/conversation/said.py names them)."""
    last = session(handler_input).get(LAST_REPLY)
    said = last.get("say") if isinstance(last, dict) else None
    return isinstance(said, list) and bool(said) and tuple(said[0][: len(line)]) == line


def said_in_last(handler_input: HandlerInput, line: tuple[str, ...]) -> bool:
    """Whether the last response said this content line anywhere ("...This is already the slowest pace. Say next...")."""
    last = session(handler_input).get(LAST_REPLY)
    lines = last.get("say") if isinstance(last, dict) else None
    return isinstance(lines, list) and any(isinstance(said, list) and tuple(said[: len(line)]) == line for said in lines)


def step_was_last_said(handler_input: HandlerInput) -> bool:
    """Whether the last response was a routine step (not an answer, help, or a pause)."""
    last = session(handler_input).get(LAST_REPLY)
    return isinstance(last, dict) and bool(last.get(STEP_PLAYED))


class InRoutine(IntentHandler):
    """Base for handlers that apply only while a routine is under way."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and current(handler_input) is not None


class StepQuestionHandler(InRoutine):
    """Yes or no to a step's question ("Has the worst of the pain passed?"): yes goes on, no ends the routine kindly.

    "Skip" ("I can't do this one") at the question is a no: the step it guards is not for now.
    """

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent", "SkipIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and offered(handler_input, Offer.STEP_QUESTION) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        assert state is not None
        if intent_name(handler_input) == "AMAZON.YesIntent":
            return act_on(handler_input, state, Event.NEXT)
        routine = content_of(handler_input).routines[state.routine]
        session(handler_input).pop(ROUTINE, None)
        memory.forget_routine(profile(handler_input))
        log.debug("routine declined at its question: %s", routine.id)
        words = said.say(content_of(handler_input), "step_if_no", routine.id, state.step)
        return reply(handler_input, ssml.join([words, prompt(handler_input, "after_more")]), prompt(handler_input, "general_reprompt"))


class RoutineControlHandler(InRoutine):
    """next, skip, previous, start over, pause, resume, slower, faster, stop, repeat: inside a routine."""

    intents = tuple(EVENTS)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not super().can_handle(handler_input):
            return False
        if intent_name(handler_input) == "AMAZON.RepeatIntent":
            # Repeat a step only when a step was the last thing said; else repeat the last answer.
            return step_was_last_said(handler_input)
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        assert state is not None
        return act_on(handler_input, state, EVENTS[intent_name(handler_input) or ""])


class RoutineYesHandler(InRoutine):
    """'Yes' or 'okay' inside a routine, with no question pending: go on.

    After a step, or after "okay, I'll wait here", it means next (after "say ready when you're in
    place", the hold starts); after anything else (an answer, help, a pause) it means back to the step.
    """

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        assert state is not None
        waited = step_was_last_said(handler_input) or any(
            last_said_was(handler_input, "routine_prompt", line) for line in ("waiting", "next_question", "thanks_in_routine")
        ) or said_in_last(handler_input, ("routine_prompt", "next_question"))
        event = Event.NEXT if waited and not state.paused else Event.RESUME
        return act_on(handler_input, state, event)


class RoutineNoHandler(InRoutine):
    """'No' inside a routine, with no question pending: stay on this step, and say how to go on or stop."""

    intents = ("AMAZON.NoIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, routine_prompt(handler_input, "waiting"), routine_prompt(handler_input, "step_reprompt"))


class RoutineHelpHandler(InRoutine):
    """Help inside a routine: the controls."""

    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        routine = content_of(handler_input).routines[state.routine] if state else None
        return reply(handler_input, routine_prompt(handler_input, "help", routine), routine_prompt(handler_input, "help_reprompt"))


class RoutinePainHandler(InRoutine):
    """Pain talk inside a routine ("ow, it really hurts"): a kind word, stop what sharpens it, skip or go on."""

    intents = ("QuestionIntent", "CatchAllIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not super().can_handle(handler_input):
            return False
        content = content_of(handler_input)
        match = content.matcher.match(" ".join(slot_values(handler_input).values()))
        topic = content.topics.get(match.id or "")
        return topic is not None and topic.routine is not None  # pain talk: the topic that offers a routine

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        assert state is not None
        return reply(handler_input, routine_prompt(handler_input, "pain_in_routine"),
                     routine_prompt(handler_input, "settle_reprompt" if state.part == MOVE else "step_reprompt"))


class RoutineThanksHandler(InRoutine):
    """'Thanks' inside a routine: you're welcome, and the way on (the routine is not over)."""

    intents = ("ThanksIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return reply(handler_input, routine_prompt(handler_input, "thanks_in_routine"), routine_prompt(handler_input, "step_reprompt"))


class RoutinePardonHandler(InRoutine):
    """'What?' after a step: the last instruction again, not the whole step (say repeat for that)."""

    intents = ("PardonIntent",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and step_was_last_said(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        state = current(handler_input)
        assert state is not None
        if state.part == MOVE:  # getting into place: the movement is the instruction, and it is short
            return act_on(handler_input, state, Event.REPEAT)
        request_scope(handler_input)[STEP_PLAYED] = True  # still just after the step: yes or okay goes on
        return reply(handler_input, routine_prompt(handler_input, "next_question"), routine_prompt(handler_input, "step_reprompt"))


class StartRoutineHandler(IntentHandler):
    """'Guide me through breathing': start the named routine, or ask which."""

    intents = ("StartRoutineIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        content = content_of(handler_input)
        spoken = resolved_value(handler_input, "routine")
        routine = content.routines.get(spoken or "") or content.routine_by_name(spoken or "")
        if routine is None:
            prompt_id: RoutinePromptId = "which_routine" if spoken else "list"
            return answer(handler_input, ssml.EMPTY, routine_prompt(handler_input, prompt_id),
                          routine_prompt(handler_input, "list_reprompt"))
        return begin(handler_input, routine)


class ListRoutinesHandler(IntentHandler):
    """'What routines are there?': one sentence."""

    intents = ("ListRoutinesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return answer(handler_input, ssml.EMPTY, routine_prompt(handler_input, "list"),
                      routine_prompt(handler_input, "list_reprompt"))


class NoRoutineHandler(IntentHandler):
    """Routine controls with no routine under way: act on a remembered one, or offer the routines.

    At the resume offer ("last time you stopped at step 3..."), "start over", "slower", "skip" or
    "pause" act on that routine; "next" and "resume" pick it up where it was.
    """

    intents = tuple(name for name, event in EVENTS.items() if event not in (Event.STOP, Event.REPEAT))

    def handle(self, handler_input: HandlerInput) -> Response:
        remembered = stored(handler_input)
        event = EVENTS[intent_name(handler_input) or ""]
        if remembered is not None:
            return act_on(handler_input, remembered, Event.RESUME if event is Event.NEXT else event)
        if event is Event.PAUSE:  # "hang on", "wait": nothing to pause, so wait, and the last question still stands
            offer_again(handler_input, STANDS_AFTER_A_WAIT)
            return reply(handler_input, prompt(handler_input, "take_your_time"), prompt(handler_input, "general_reprompt"))
        return reply(handler_input, routine_prompt(handler_input, "no_routine"), routine_prompt(handler_input, "list_reprompt"))
