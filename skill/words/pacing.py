"""Turns a routine step into paced SSML, and keeps every response inside one time budget.

How pacing works:
  - A step's *move* part (getting into a position) is said, followed by a short breath of silence at
    most; then the skill waits for the user to say "ready". Nobody in spasm moves on a timer.
  - Its *hold* part (a hold, a count, a run of breaths) is timed: each beat's words, then its pause.
  - A pause is scaled by the pace ("slower" stretches pauses, never words) and rounded to whole
    seconds, so words that name a time ("a count of {inhale}", "hold for {seconds}") always say the
    time that follows them, at every pace.
  - A count the words are said inside (a beat with `lasts`, as "Breathe in." in a count of four) is
    that many seconds from the start of the words: the silence is the count less the words' spoken
    time (ssml.duration_seconds). So the breath a coach counts is the breath heard: in for four and
    out for six is six breaths a minute, not five. Start-up refuses words that leave a count less
    than MIN_COUNT_SILENCE_SECONDS of silence at the fastest pace.
  - One response may hold up to MAX_RESPONSE_SECONDS at the routine's slowest pace. Alexa caps the
    audio of a response at 240 s; 150 s keeps well inside it while letting a run of eight or so slow
    breaths play without the user having to say anything. Start-up refuses content over the budget.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from skill.routine import HOLD, MOVE, PACES
from skill.words import ssml
from skill.words.content_types import Beat, Routine, Step

MAX_RESPONSE_SECONDS = 150.0
MIN_COUNT_SILENCE_SECONDS = 1.0  # a count's words leave at least this much of it silent, at the fastest pace
MAX_MOVE_PAUSE_SECONDS = 3.0  # a movement is never timed: at most a breath before "say ready"
NOTE_ALLOWANCE_SECONDS = 4.0  # room for a short note said before the step ("Okay, a little slower.")


def scaled(seconds: float, factor: float) -> int:
    """A pause at a pace, in whole seconds (at least 1 for any pause at all)."""
    return max(1, int(seconds * factor + 0.5)) if seconds > 0 else 0  # half up, not to even


def timing_values(routine: Routine, factor: float) -> dict[str, ssml.Value]:
    """The routine's named timings at a pace, for words like 'a count of {inhale}'."""
    return {name: scaled(seconds, factor) for name, seconds in routine.timings.items()}


def beat(item: Beat, factor: float, values: Mapping[str, ssml.Value]) -> tuple[ssml.Ssml, float]:
    """A beat's words and the silence after them: its pause at the pace, less the words if they are inside it."""
    seconds = scaled(item.pause, factor)
    words = ssml.render(item.say, {**values, "seconds": seconds})
    if item.words_inside:
        return words, max(0.0, seconds - ssml.duration_seconds(words.markup))
    return words, float(seconds)


def beats(items: tuple[Beat, ...], factor: float, values: Mapping[str, ssml.Value]) -> list[ssml.Ssml]:
    """Each beat's words, then its silence at the pace."""
    fragments: list[ssml.Ssml] = []
    for item in items:
        words, silence = beat(item, factor, values)
        fragments.append(words)
        if silence:
            fragments.append(ssml.pause(silence))
    return fragments


def hold_body(step: Step, factor: float, values: Mapping[str, ssml.Value], again: bool = False) -> ssml.Ssml:
    """The step's once-only beats, then its repeated beats, each repetition counted if asked.

    `again` (at a new pace): the repeated beats only, when there are any; the introduction was heard already.
    """
    fragments = [] if again and step.each else beats(step.beats, factor, values)
    for number in range(1, step.repeat + 1 if step.each else 1):
        if step.count:
            fragments.append(ssml.render(step.count, {"number": number}))
        fragments.extend(beats(step.each, factor, values))
    return ssml.join(fragments)


def closing(index: int, closings: Sequence[str]) -> ssml.Ssml:
    """The line that ends a step, varied from step to step so it is not the same sentence every time."""
    return ssml.text(closings[index % len(closings)])


def step_speech(
    routine: Routine, index: int, part: str, factor: float, prompts: Mapping[str, str], closings: Sequence[str],
    again: bool = False,
) -> ssml.Ssml:
    """One part of a step: 'Step 2 of 4. Title.' and the movement, then wait; or the timed hold, then ask.

    `again`: the same hold at a new pace ("slower"), going on from the timed part, without header or introduction.
    """
    step = routine.steps[index]
    values = timing_values(routine, factor)
    header = ssml.render(prompts["step_header"], {"number": index + 1, "total": len(routine.steps), "title": step.title})
    if part == MOVE:
        return ssml.join([header, *beats(step.move, factor, values), ssml.text(prompts["settle_question"])])
    opening = [] if again else [ssml.text(prompts["in_place"])] if step.move else [header]
    ending = ssml.text(step.ask) if step.ask else closing(index, closings)
    return ssml.join([*opening, hold_body(step, factor, values, again), ending])


def part_seconds(
    routine: Routine, index: int, part: str, factor: float, prompts: Mapping[str, str], closings: Sequence[str],
    again: bool = False,
) -> float:
    """How long a part plays at a pace: its words at the speaking-rate estimate, plus its silences."""
    return ssml.duration_seconds(step_speech(routine, index, part, factor, prompts, closings, again).markup)


def parts(step: Step) -> tuple[str, ...]:
    """The parts a step plays, in order."""
    return (MOVE, HOLD) if step.move else (HOLD,)


def silence_seconds(routine: Routine, index: int, part: str, factor: float) -> float:
    """The silence a part holds at a pace: each pause scaled and rounded, less any words said inside a count."""
    step = routine.steps[index]
    values = timing_values(routine, factor)

    def total(items: tuple[Beat, ...]) -> float:
        return sum(beat(item, factor, values)[1] for item in items)

    if part == MOVE:
        return total(step.move)
    return total(step.beats) + total(step.each) * (step.repeat if step.each else 0)


def over_budget(
    routine: Routine,
    prompts: Mapping[str, str],
    closings: Sequence[str],
    fail: Callable[[str, str], Exception],
) -> None:
    """Raise (via `fail(where, problem)`) for a timed movement, a count its words fill, or a part over the budget
    at the slowest pace."""
    slowest, fastest = PACES[routine.slowest_pace], PACES[0]
    for index, step in enumerate(routine.steps):
        where = f"routines.{routine.id}.steps[{index}]"
        for item in (*step.move, *step.beats, *step.each):
            if item.words_inside and beat(item, fastest, timing_values(routine, fastest))[1] < MIN_COUNT_SILENCE_SECONDS:
                raise fail(where, f"{item.say!r} takes up its count at the fastest pace; leave at least "
                                  f"{MIN_COUNT_SILENCE_SECONDS:g} s of it silent (fewer words, or a longer count)")
        if any(item.pause > MAX_MOVE_PAUSE_SECONDS for item in step.move):
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
