"""The routine state machine, without Alexa."""
from __future__ import annotations

import pytest

from skill.routine import DEFAULT_PACE, PACES, Action, Event, RoutineState, advance, start

STEPS = {"breathing": 4}


def test_start_plays_the_first_step_at_the_default_pace():
    outcome = start("breathing")
    assert outcome.state == RoutineState("breathing", 0, DEFAULT_PACE, False) and outcome.action is Action.PLAY


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
    outcome = advance(RoutineState("breathing", step), event, STEPS["breathing"])
    assert outcome.action is action and outcome.note == note
    assert (outcome.state.step if outcome.state else None) == expected_step


def test_pause_then_resume_replays_the_same_step():
    paused = advance(RoutineState("breathing", 2), Event.PAUSE, 4).state
    assert paused.paused
    resumed = advance(paused, Event.RESUME, 4)
    assert resumed.state == RoutineState("breathing", 2) and resumed.action is Action.PLAY


def test_next_while_paused_unpauses():
    outcome = advance(RoutineState("breathing", 1, paused=True), Event.NEXT, 4)
    assert outcome.state == RoutineState("breathing", 2)


def test_pace_moves_within_bounds():
    state = RoutineState("breathing", 0)
    for _ in range(10):
        state = advance(state, Event.SLOWER, 4).state
    assert state.pace == len(PACES) - 1 and state.factor == max(PACES)
    assert advance(state, Event.SLOWER, 4).note == "slowest"
    for _ in range(10):
        state = advance(state, Event.FASTER, 4).state
    assert state.pace == 0 and advance(state, Event.FASTER, 4).action is Action.HOLD


def test_state_round_trips_through_a_dict():
    state = RoutineState("breathing", 3, 2, True)
    assert RoutineState.from_dict(state.to_dict(), STEPS) == state


@pytest.mark.parametrize(
    "data",
    [None, "breathing", {}, {"routine": "yoga", "step": 0, "pace": 1}, {"routine": "breathing", "step": 4, "pace": 1},
     {"routine": "breathing", "step": -1, "pace": 1}, {"routine": "breathing", "step": 0, "pace": 9},
     {"routine": "breathing", "step": "0", "pace": 1}, {"routine": "breathing", "step": True, "pace": 1},
     {"routine": "breathing", "step": 0, "pace": 1, "paused": "no"}],
)
def test_malformed_state_is_none(data):
    assert RoutineState.from_dict(data, STEPS) is None
