"""The routine state machine, without Alexa."""
from __future__ import annotations

import pytest

from skill.routine import DEFAULT_PACE, HOLD, MOVE, PACES, Action, Event, RoutineState, Shape, advance, from_the_top_of_its_step, start

PLAIN = Shape(moves=(False, False, False, False))  # four timed steps, nothing to get into place for
MOVING = Shape(moves=(False, True, True))  # steps 1 and 2 start with a movement
SHAPES = {"breathing": PLAIN, "positions": MOVING}


def then(state: RoutineState, event: Event, shape: Shape) -> RoutineState:
    """The state after an event that keeps the routine going."""
    outcome = advance(state, event, shape)
    assert outcome.state is not None, outcome
    return outcome.state


def test_start_plays_the_first_step_at_the_default_pace():
    outcome = start("breathing", PLAIN)
    assert outcome.state == RoutineState("breathing", 0, DEFAULT_PACE, False) and outcome.action is Action.PLAY


def test_start_never_exceeds_the_routines_slowest_pace():
    state = start("breathing", Shape((False,), slowest=2), pace=3).state
    assert state is not None and state.pace == 2


@pytest.mark.parametrize(
    "step, event, expected_step, action, note",
    [
        (0, Event.NEXT, 1, Action.PLAY, None),
        (3, Event.NEXT, None, Action.FINISHED, None),
        (1, Event.SKIP, 2, Action.PLAY, "skipped"),
        (2, Event.PREVIOUS, 1, Action.PLAY, None),
        (0, Event.PREVIOUS, 0, Action.PLAY, "first_step"),
        (2, Event.REPEAT, 2, Action.PLAY, None),
        (3, Event.START_OVER, 0, Action.PLAY, "start_over"),
        (2, Event.PAUSE, 2, Action.PAUSED, None),
        (2, Event.STOP, None, Action.STOPPED, None),
    ],
)
def test_transitions(step, event, expected_step, action, note):
    outcome = advance(RoutineState("breathing", step), event, PLAIN)
    assert outcome.action is action and outcome.note == note
    assert (outcome.state.step if outcome.state else None) == expected_step


def test_a_step_with_a_movement_waits_for_ready_before_its_hold():
    arrived = then(RoutineState("positions", 0), Event.NEXT, MOVING)
    assert (arrived.step, arrived.part) == (1, MOVE)  # the movement is said; nothing is timed yet
    settled = then(arrived, Event.NEXT, MOVING)
    assert (settled.step, settled.part) == (1, HOLD)  # "ready": now the hold
    onward = then(settled, Event.NEXT, MOVING)
    assert (onward.step, onward.part) == (2, MOVE)


@pytest.mark.parametrize("event", [Event.REPEAT, Event.SLOWER, Event.RESUME])
def test_repeating_or_slowing_a_movement_stays_in_the_movement(event):
    state = then(RoutineState("positions", 1, part=MOVE), event, MOVING)
    assert (state.step, state.part) == (1, MOVE)


@pytest.mark.parametrize("event, step", [(Event.SKIP, 2), (Event.PREVIOUS, 0), (Event.START_OVER, 0)])
def test_moving_to_another_step_starts_at_its_beginning(event, step):
    state = then(RoutineState("positions", 1, part=HOLD), event, MOVING)
    assert state.step == step and state.part == MOVING.first_part(step)


def test_a_remembered_routine_restarts_its_step_with_the_movement():
    later = from_the_top_of_its_step(RoutineState("positions", 2, pace=3, paused=True, part=HOLD), MOVING)
    assert later == RoutineState("positions", 2, pace=3, paused=False, part=MOVE)


def test_pause_then_resume_replays_the_same_step():
    paused = then(RoutineState("breathing", 2), Event.PAUSE, PLAIN)
    assert paused.paused
    resumed = advance(paused, Event.RESUME, PLAIN)
    assert resumed.state == RoutineState("breathing", 2) and resumed.action is Action.PLAY


def test_next_while_paused_unpauses():
    outcome = advance(RoutineState("breathing", 1, paused=True), Event.NEXT, PLAIN)
    assert outcome.state == RoutineState("breathing", 2)


@pytest.mark.parametrize("slowest", range(len(PACES)))
def test_pace_moves_within_the_routines_bounds(slowest):
    shape = Shape(moves=(False,), slowest=slowest)
    state = RoutineState("breathing", 0, pace=0)
    for _ in range(10):
        state = then(state, Event.SLOWER, shape)
    assert state.pace == slowest
    assert advance(state, Event.SLOWER, shape).note == "slowest"
    for _ in range(10):
        state = then(state, Event.FASTER, shape)
    assert state.pace == 0 and advance(state, Event.FASTER, shape).action is Action.HOLD


@pytest.mark.parametrize("state", [RoutineState("breathing", 3, 2, True), RoutineState("positions", 1, 0, False, MOVE)])
def test_state_round_trips_through_a_dict(state):
    assert RoutineState.from_dict(state.to_dict(), SHAPES) == state


def test_a_state_saved_before_steps_had_parts_starts_its_step_from_the_top():
    state = RoutineState.from_dict({"routine": "positions", "step": 1, "pace": 1}, SHAPES)
    assert state is not None and state.part == MOVE


@pytest.mark.parametrize(
    "data",
    [None, "breathing", {}, {"routine": "yoga", "step": 0, "pace": 1}, {"routine": "breathing", "step": 4, "pace": 1},
     {"routine": "breathing", "step": -1, "pace": 1}, {"routine": "breathing", "step": 0, "pace": 9},
     {"routine": "breathing", "step": "0", "pace": 1}, {"routine": "breathing", "step": True, "pace": 1},
     {"routine": "breathing", "step": 0, "pace": 1, "paused": "no"},
     {"routine": ["breathing"], "step": 0, "pace": 1},
     {"routine": "breathing", "step": 0, "pace": 1, "part": "dance"},
     {"routine": "breathing", "step": 0, "pace": 1, "part": MOVE}],  # step 0 has no movement
)
def test_malformed_state_is_none(data):
    assert RoutineState.from_dict(data, SHAPES) is None
