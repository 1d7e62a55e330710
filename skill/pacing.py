"""Turns a routine step into paced SSML, and keeps every response inside one time budget.

How pacing works:
  - A step's *move* part (getting into a position) is said, followed by a short breath of silence at
    most; then the skill waits for the user to say "ready". Nobody in spasm moves on a timer.
  - Its *hold* part (a hold, a count, a run of breaths) is timed: each beat's words, then its pause.
  - A pause is scaled by the pace ("slower" stretches pauses, never words) and rounded to whole
    seconds, so words that name a time ("a count of {inhale}", "hold for {seconds}") always say the
    silence that follows them, at every pace.
  - One response may hold up to MAX_RESPONSE_SECONDS at the routine's slowest pace. Alexa caps the
    audio of a response at 240 s; 150 s keeps well inside it while letting a run of eight or so slow
    breaths play without the user having to say anything. Start-up refuses content over the budget.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from . import ssml
from .content_types import Beat, Routine, Step
from .routine import HOLD, MOVE, PACES

MAX_RESPONSE_SECONDS = 150.0
MAX_MOVE_PAUSE_SECONDS = 3.0  # a movement is never timed: at most a breath before "say ready"
NOTE_ALLOWANCE_SECONDS = 4.0  # room for a short note said before the step ("Okay, a little slower.")


def scaled(seconds: float, factor: float) -> int:
    """A pause at a pace, in whole seconds (at least 1 for any pause at all)."""
    return max(1, int(seconds * factor + 0.5)) if seconds > 0 else 0  # half up, not to even


def timing_values(routine: Routine, factor: float) -> dict[str, ssml.Value]:
    """The routine's named timings at a pace, for words like 'a count of {inhale}'."""
    return {name: scaled(seconds, factor) for name, seconds in routine.timings.items()}


def beats(items: tuple[Beat, ...], factor: float, values: Mapping[str, ssml.Value]) -> list[ssml.Ssml]:
    """Each beat's words, then its pause stretched by the pace factor."""
    fragments: list[ssml.Ssml] = []
    for beat in items:
        seconds = scaled(beat.pause, factor)
        fragments.append(ssml.render(beat.say, {**values, "seconds": seconds}))
        if seconds:
            fragments.append(ssml.pause(seconds))
    return fragments


def hold_body(step: Step, factor: float, values: Mapping[str, ssml.Value]) -> ssml.Ssml:
    """The step's once-only beats, then its repeated beats, each repetition counted if asked."""
    fragments = beats(step.beats, factor, values)
    for number in range(1, step.repeat + 1 if step.each else 1):
        if step.count:
            fragments.append(ssml.render(step.count, {"number": number}))
        fragments.extend(beats(step.each, factor, values))
    return ssml.join(fragments)


def closing(index: int, closings: Sequence[str]) -> ssml.Ssml:
    """The line that ends a step, varied from step to step so it is not the same sentence every time."""
    return ssml.text(closings[index % len(closings)])


def step_speech(
    routine: Routine, index: int, part: str, factor: float, prompts: Mapping[str, str], closings: Sequence[str]
) -> ssml.Ssml:
    """One part of a step: 'Step 2 of 4. Title.' and the movement, then wait; or the timed hold, then ask."""
    step = routine.steps[index]
    values = timing_values(routine, factor)
    header = ssml.render(prompts["step_header"], {"number": index + 1, "total": len(routine.steps), "title": step.title})
    if part == MOVE:
        return ssml.join([header, *beats(step.move, factor, values), ssml.text(prompts["settle_question"])])
    opening = [ssml.text(prompts["in_place"])] if step.move else [header]
    ending = ssml.text(step.ask) if step.ask else closing(index, closings)
    return ssml.join([*opening, hold_body(step, factor, values), ending])


def parts(step: Step) -> tuple[str, ...]:
    """The parts a step plays, in order."""
    return (MOVE, HOLD) if step.move else (HOLD,)


def intended_pause_seconds(step: Step, part: str, factor: float) -> int:
    """The silence a part is meant to hold at a pace: what the content says, scaled and rounded."""
    if part == MOVE:
        return sum(scaled(beat.pause, factor) for beat in step.move)
    once = sum(scaled(beat.pause, factor) for beat in step.beats)
    repeated = sum(scaled(beat.pause, factor) for beat in step.each) * (step.repeat if step.each else 0)
    return once + repeated


def over_budget(
    routine: Routine,
    prompts: Mapping[str, str],
    closings: Sequence[str],
    fail: Callable[[str, str], Exception],
) -> None:
    """Raise (via `fail(where, problem)`) for a timed movement, or a part over the budget at the slowest pace."""
    slowest = PACES[routine.slowest_pace]
    for index, step in enumerate(routine.steps):
        where = f"routines.{routine.id}.steps[{index}]"
        if any(beat.pause > MAX_MOVE_PAUSE_SECONDS for beat in step.move):
            raise fail(f"{where}.move", f"a movement is never timed: pauses of {MAX_MOVE_PAUSE_SECONDS:g} s at most, "
                                        "then the skill waits for the user to say they are ready")
        for part in parts(step):
            speech = step_speech(routine, index, part, slowest, prompts, closings)
            seconds = ssml.duration_seconds(speech.markup) + NOTE_ALLOWANCE_SECONDS
            if seconds > MAX_RESPONSE_SECONDS:
                raise fail(where, f"runs {seconds:.0f} s at the slowest pace, over the {MAX_RESPONSE_SECONDS:.0f} s "
                                  "a response may take; split it")
            if len(ssml.speak(speech)) > ssml.MAX_SPEECH_CHARS - 500:
                raise fail(where, "too many characters for one response; split it")
