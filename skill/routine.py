"""The routine state machine: pure, serializable, no Alexa in sight.

A routine in progress is five small values kept in the session: which routine, which step,
which part of the step, the pace, and whether it is paused. `advance` takes the state and what
the user said and returns the next state and what to do; handlers only speak the result.

A step may start with a movement ("roll onto your front"). Nobody in spasm moves on a timer, so a
movement part is said and then the skill waits for the user to say they are in place; the timed
hold or count that follows is its own part ("hold"), played only after that.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from skill.ids import RoutinePromptId

# Pace multipliers for every pause (never for words). Slower stops at 1.5x so a hold never drags
# past what the content intends by much (a routine may stop sooner: breathing stops where the breath
# rate would get too slow); faster stops at 0.8x because hurried, shallow breathing adds to the pain
# (004_607579c2b0b4ddda.txt).
PACES = (0.8, 1.0, 1.25, 1.5)
DEFAULT_PACE = 1
MOVE, HOLD = "move", "hold"  # the parts of a step


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

    PLAY = "play"  # speak the current part of the current step
    HOLD = "hold"  # say the note only, then ask again (nothing changed)
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Shape:
    """What the state machine needs to know of a routine: which steps open with a movement, how slow it may go."""

    moves: tuple[bool, ...]  # one per step: True when the step starts with a movement to wait for
    slowest: int = len(PACES) - 1  # the slowest pace index this routine allows

    @property
    def steps(self) -> int:
        return len(self.moves)

    def first_part(self, step: int) -> str:
        """Where a step starts: its movement, if it has one, else its hold."""
        return MOVE if self.moves[step] else HOLD


@dataclass(frozen=True)
class RoutineState:
    """A routine in progress."""

    routine: str
    step: int = 0
    pace: int = DEFAULT_PACE
    paused: bool = False
    part: str = HOLD

    @property
    def factor(self) -> float:
        """The multiplier for pauses at this pace."""
        return PACES[self.pace]

    def to_dict(self) -> dict[str, Any]:
        """For the session attributes."""
        return {"routine": self.routine, "step": self.step, "pace": self.pace, "paused": self.paused, "part": self.part}

    @classmethod
    def from_dict(cls, data: Any, shapes: Mapping[str, Shape]) -> RoutineState | None:
        """Rebuild from session attributes; None for anything malformed or out of range.

        `shapes` maps each known routine id to its Shape. A state saved before steps had parts
        (no "part") starts its step from the beginning.
        """
        if not isinstance(data, Mapping):
            return None
        routine, step, pace, paused = data.get("routine"), data.get("step"), data.get("pace"), data.get("paused", False)
        if not isinstance(routine, str) or routine not in shapes:
            return None
        if not isinstance(step, int) or not isinstance(pace, int) or isinstance(step, bool) or isinstance(pace, bool):
            return None
        shape = shapes[routine]
        if not 0 <= step < shape.steps or not 0 <= pace <= shape.slowest or not isinstance(paused, bool):
            return None
        part = data.get("part", shape.first_part(step))
        if part not in (MOVE, HOLD) or (part == MOVE and not shape.moves[step]):
            return None
        return cls(routine=routine, step=step, pace=pace, paused=paused, part=part)


@dataclass(frozen=True)
class Outcome:
    """The result of one event: the new state (None when the routine is over), the action, a note to say first."""

    state: RoutineState | None
    action: Action
    note: RoutinePromptId | None = None  # what to say first: "slower", "first_step", ...


def start(routine: str, shape: Shape, pace: int = DEFAULT_PACE) -> Outcome:
    """Begin a routine at the start of its first step."""
    return Outcome(RoutineState(routine=routine, pace=min(pace, shape.slowest), part=shape.first_part(0)), Action.PLAY)


def from_the_top_of_its_step(state: RoutineState, shape: Shape) -> RoutineState:
    """The same step from its start: a remembered routine picked up later begins with getting into place."""
    return replace(state, part=shape.first_part(state.step), paused=False, pace=min(state.pace, shape.slowest))


def advance(state: RoutineState, event: Event, shape: Shape) -> Outcome:
    """What comes next."""
    playing = replace(state, paused=False)
    if event is Event.NEXT and state.part == MOVE:
        return Outcome(replace(playing, part=HOLD), Action.PLAY)  # in place: now the hold
    if event in (Event.NEXT, Event.SKIP):
        note: RoutinePromptId | None = "skipped" if event is Event.SKIP else None
        if state.step + 1 >= shape.steps:
            return Outcome(None, Action.FINISHED, note)
        return Outcome(_at(playing, state.step + 1, shape), Action.PLAY, note)
    if event is Event.PREVIOUS:
        if state.step == 0:
            return Outcome(_at(playing, 0, shape), Action.PLAY, "first_step")
        return Outcome(_at(playing, state.step - 1, shape), Action.PLAY)
    if event in (Event.REPEAT, Event.START):
        return Outcome(playing, Action.PLAY)
    if event is Event.RESUME:
        return Outcome(playing, Action.PLAY, "back_to_routine")
    if event is Event.START_OVER:
        return Outcome(_at(playing, 0, shape), Action.PLAY, "start_over")
    if event is Event.PAUSE:
        return Outcome(replace(state, paused=True), Action.PAUSED)
    if event is Event.SLOWER:
        if state.pace >= shape.slowest:
            return Outcome(state, Action.HOLD, "slowest")
        return Outcome(replace(playing, pace=state.pace + 1), Action.PLAY, "slower")
    if event is Event.FASTER:
        if state.pace == 0:
            return Outcome(state, Action.HOLD, "fastest")
        return Outcome(replace(playing, pace=state.pace - 1), Action.PLAY, "faster")
    if event is Event.STOP:
        return Outcome(None, Action.STOPPED)
    raise ValueError(f"unknown event {event!r}")


def _at(state: RoutineState, step: int, shape: Shape) -> RoutineState:
    return replace(state, step=step, part=shape.first_part(step))
