"""Turns a routine step into paced SSML, and keeps every response inside one time budget.

Why 90 seconds: Alexa caps the audio in one response at 240 s and output speech at 8000
characters, but the real limit is the listener. Someone lying on the floor in pain should be
asked "next?" often enough to stop or change the pace without waiting long, and a step much
longer than a minute and a half is hard to follow with eyes closed. One breathing set of four
slow breaths at the slowest pace (60 s of pauses plus cues) fits comfortably; longer holds are
split into steps by the content. Start-up refuses a content file with a step over the budget.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

from . import ssml
from .routine import PACES

if TYPE_CHECKING:  # types only: content imports this module to check budgets
    from .content import Beat, Routine, Step

MAX_RESPONSE_SECONDS = 90.0
NOTE_ALLOWANCE_SECONDS = 4.0  # room for a short note said before the step ("Okay, a little slower.")


def beats(items: "tuple[Beat, ...]", factor: float) -> list[ssml.Ssml]:
    """Each beat's words, then its pause stretched by the pace factor."""
    fragments: list[ssml.Ssml] = []
    for beat in items:
        fragments.append(ssml.text(beat.say))
        if beat.pause:
            fragments.append(ssml.pause(beat.pause * factor))
    return fragments


def step_body(step: "Step", factor: float) -> ssml.Ssml:
    """The step's once-only beats, then its repeated beats, each repetition counted if asked."""
    fragments = beats(step.beats, factor)
    for number in range(1, step.repeat + 1 if step.each else 1):
        if step.count:
            fragments.append(ssml.render(step.count, {"number": number}))
        fragments.extend(beats(step.each, factor))
    return ssml.join(fragments)


def step_speech(routine: "Routine", index: int, factor: float, prompts: Mapping[str, str]) -> ssml.Ssml:
    """'Step 2 of 4. Title.' then the paced body."""
    step = routine.steps[index]
    header = ssml.render(prompts["step_header"], {"number": index + 1, "total": len(routine.steps), "title": step.title})
    return ssml.join([header, step_body(step, factor)])


def intended_pause_seconds(step: "Step", factor: float) -> float:
    """The silence a step is meant to hold at a pace: what the content says, times the factor."""
    once = sum(beat.pause for beat in step.beats)
    repeated = sum(beat.pause for beat in step.each) * (step.repeat if step.each else 0)
    return (once + repeated) * factor


def over_budget(routine: "Routine", prompts: Mapping[str, str], fail: Callable[[str, str], Exception]) -> None:
    """Raise (via `fail(where, problem)`) for any step that runs past the budget at the slowest pace."""
    for index in range(len(routine.steps)):
        speech = ssml.join([step_speech(routine, index, max(PACES), prompts), ssml.text(prompts["next_question"])])
        seconds = ssml.duration_seconds(speech.markup) + NOTE_ALLOWANCE_SECONDS
        if seconds > MAX_RESPONSE_SECONDS:
            raise fail(
                f"routines.{routine.id}.steps[{index}]",
                f"runs {seconds:.0f} s at the slowest pace, over the {MAX_RESPONSE_SECONDS:.0f} s a response may take; split it",
            )
        if len(ssml.speak(speech)) > ssml.MAX_SPEECH_CHARS - 500:
            raise fail(f"routines.{routine.id}.steps[{index}]", "too many characters for one response; split it")
