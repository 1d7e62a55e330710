"""The routine state machine: pure, serializable, no Alexa in sight.

A routine in progress is four small values kept in the session: which routine, which step,
the pace, and whether it is paused. `advance` takes the state and what the user said and
returns the next state and what to do; handlers only speak the result.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Mapping

# Pace multipliers for every pause (never for words). Slower stops at 1.5x so a hold never drags
# past what the content intends by much; faster stops at 0.8x because hurried, shallow breathing
# adds to the pain (004_607579c2b0b4ddda.txt).
PACES = (0.8, 1.0, 1.25, 1.5)
DEFAULT_PACE = 1


class Event(Enum):
    """What the user asked for inside a routine."""

    START = "start"
    NEXT = "next"
    SKIP = "skip"
    PREVIOUS = "previous"
    REPEAT = "repeat"
    START_OVER = "start_over"
    PAUSE = "pause"
    RESUME = "resume"
    SLOWER = "slower"
    FASTER = "faster"
    STOP = "stop"


class Action(Enum):
    """What the skill does next."""

    PLAY = "play"  # speak the current step
    HOLD = "hold"  # say the note only, then ask again (nothing changed)
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"


@dataclass(frozen=True)
class RoutineState:
    """A routine in progress."""

    routine: str
    step: int = 0
    pace: int = DEFAULT_PACE
    paused: bool = False

    @property
    def factor(self) -> float:
        """The multiplier for pauses at this pace."""
        return PACES[self.pace]

    def to_dict(self) -> dict[str, Any]:
        """For the session attributes."""
        return {"routine": self.routine, "step": self.step, "pace": self.pace, "paused": self.paused}

    @classmethod
    def from_dict(cls, data: Any, routines: Mapping[str, int]) -> "RoutineState | None":
        """Rebuild from session attributes; None for anything malformed or out of range.

        `routines` maps each known routine id to its number of steps.
        """
        if not isinstance(data, Mapping):
            return None
        routine, step, pace, paused = data.get("routine"), data.get("step"), data.get("pace"), data.get("paused", False)
        if routine not in routines or not isinstance(step, int) or isinstance(step, bool):
            return None
        if not isinstance(pace, int) or isinstance(pace, bool) or not 0 <= pace < len(PACES):
            return None
        if not 0 <= step < routines[routine] or not isinstance(paused, bool):
            return None
        return cls(routine=routine, step=step, pace=pace, paused=paused)


@dataclass(frozen=True)
class Outcome:
    """The result of one event: the new state (None when the routine is over), the action, a note to say first."""

    state: RoutineState | None
    action: Action
    note: str | None = None  # a routine_prompts id: "slower", "first_step", ...


def start(routine: str, pace: int = DEFAULT_PACE) -> Outcome:
    """Begin a routine at its first step."""
    return Outcome(RoutineState(routine=routine, pace=pace), Action.PLAY)


def advance(state: RoutineState, event: Event, step_count: int) -> Outcome:
    """What comes next, for a routine with `step_count` steps."""
    playing = replace(state, paused=False)
    if event in (Event.NEXT, Event.SKIP):
        note = "skipped" if event is Event.SKIP else None
        if state.step + 1 >= step_count:
            return Outcome(None, Action.FINISHED, note)
        return Outcome(replace(playing, step=state.step + 1), Action.PLAY, note)
    if event is Event.PREVIOUS:
        if state.step == 0:
            return Outcome(playing, Action.PLAY, "first_step")
        return Outcome(replace(playing, step=state.step - 1), Action.PLAY)
    if event in (Event.REPEAT, Event.START):
        return Outcome(playing, Action.PLAY)
    if event is Event.RESUME:
        return Outcome(playing, Action.PLAY, "back_to_routine")
    if event is Event.START_OVER:
        return Outcome(replace(playing, step=0), Action.PLAY, "start_over")
    if event is Event.PAUSE:
        return Outcome(replace(state, paused=True), Action.PAUSED)
    if event is Event.SLOWER:
        if state.pace + 1 >= len(PACES):
            return Outcome(state, Action.HOLD, "slowest")
        return Outcome(replace(playing, pace=state.pace + 1), Action.PLAY, "slower")
    if event is Event.FASTER:
        if state.pace == 0:
            return Outcome(state, Action.HOLD, "fastest")
        return Outcome(replace(playing, pace=state.pace - 1), Action.PLAY, "faster")
    if event is Event.STOP:
        return Outcome(None, Action.STOPPED)
    raise ValueError(f"unknown event {event!r}")
