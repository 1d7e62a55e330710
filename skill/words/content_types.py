"""The content's types: every word of one locale, typed and already checked (see skill/words/content_rules.py).

Nothing here reads files or checks anything; skill/words/content_rules.py builds these from a content file's
data, and skill/words/content.py loads the file. Imports run one way: types <- pacing <- rules <- content.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from skill.routine import PACES, Shape
from skill.words.matcher import Matcher, phrase_in, tokens
from skill.words.warning_signs import ScreenWords, WarningScreen

DEFAULT_LOCALE = "en-US"


class ContentError(ValueError):
    """A content file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Topic:
    """One answer in the intent-to-content map."""

    id: str
    intent: str  # "" for a topic reached only by words (the catch-all's, a question's), never by an intent
    answer: str
    reprompt: str
    sources: tuple[str, ...]
    more: str | None = None
    match: tuple[str, ...] = ()
    # An emergency warning said before the answer; a response that says the first-ever disclaimer, which
    # ends with the same warning, says the disclaimer there instead (skill/conversation/handlers/answers.py).
    emergency: str | None = None
    routine: str | None = None  # a routine the answer offers ("Shall we breathe together now?"): yes starts it


class Urgency(StrEnum):
    """How soon a red flag needs help: it decides whether the session ends and the routine goes on."""

    EMERGENCY = "emergency"  # emergency help now: the answer ends the session so the user can call
    TODAY = "today"  # a doctor today: the routine under way ends, the session stays open
    DOCTOR = "doctor"  # see a doctor: said first, and the routine can go on


@dataclass(frozen=True)
class RedFlag:
    """An answer that escalates: emergency help now, a doctor today, or a doctor soon."""

    id: str
    intent: str
    urgency: Urgency
    answer: str
    asked: str  # the answer to a question about the sign, not a report of it
    sources: tuple[str, ...]
    match: tuple[str, ...]
    hands_free: str = ""  # how to get help once the skill has closed ("" for a see-a-doctor flag)
    reprompt: str | None = None  # None: the answer ends the session
    screen: str = ""  # the action to take, in one line, for a device with a screen
    body_parts: tuple[str, ...] = ()  # BODY_PART slot ids that make the nerve intent this flag
    public_sources: tuple[str, ...] = ()  # national services a safety line rests on, where the articles lack it

    @property
    def ends_session(self) -> bool:
        return self.urgency is Urgency.EMERGENCY

    @property
    def ends_routine(self) -> bool:
        return self.urgency is not Urgency.DOCTOR


@dataclass(frozen=True)
class TriageBand:
    """What to do at a stage: applies while the hours since onset are below `below_hours`."""

    id: str
    answer: str
    sources: tuple[str, ...]
    below_hours: float | None = None
    alert: str | None = None  # an alert id (see Alert) offered after this band's advice


ALERT_LINES = ("label", "offer", "offer_reprompt", "permission", "announce", "done", "declined", "by_hand", "failed",
               "not_answered")
# A timer's own lines: Alexa's answer that the user's timers are full, or that this timer is already running.
TIMER_LINES = ("full", "running")


@dataclass(frozen=True)
class Alert:
    """A timer or reminder the skill offers, made through Alexa's Timers or Reminders API.

    `minutes` is the timer's length, or for a check-in reminder how long after the spasm began it is due.
    The lines are templates: {minutes} and {when} (see the content file).
    """

    id: str
    kind: str  # "timer" or "reminder"
    minutes: float
    sources: tuple[str, ...]
    lines: Mapping[str, str]
    intent: str | None = None  # a timer's own intent ("set the timer"): made as a yes to its offer would


@dataclass(frozen=True)
class TimeRange:
    """An answer to "was it less than a day, a few days, or more than a week?": the hours whose band's advice
    fits the whole range, and the words said for {elapsed} ("At a few days, ...")."""

    id: str
    hours: float
    said: str


# How a time since onset is said: (unit, its hours, said in this unit below these hours).
SPOKEN_UNITS = (("hour", 1, 48), ("day", 24, 14 * 24), ("week", 168, 8 * 168), ("month", 720, None))


@dataclass(frozen=True)
class Triage:
    """The 'how long has it been' answers and questions."""

    ask: str
    ask_reprompt: str
    not_understood: str
    remembered: str
    red_flag_reminder: str  # said after every band's advice
    emergency_reminder: str  # said after it, unless the response carries the first-ever disclaimer's warning
    next: str  # what the user can say after the advice
    reprompt: str
    ranges_ask: str  # asked instead of "how long?" a second time
    ranges_reprompt: str
    no_time: str  # said before the general advice when the ranges got no answer either
    no_time_topic: str  # the topic whose answer is that general advice
    units: Mapping[str, tuple[str, str]]
    bands: tuple[TriageBand, ...]
    ranges: Mapping[str, TimeRange] = field(default_factory=dict)  # by id (the model's TIME_RANGE slot ids)

    def _spoken(self, hours: float) -> tuple[str, int, int]:
        """The unit, its size in hours, and the whole count of it that `elapsed` says (halves round up)."""
        for unit, size, below in SPOKEN_UNITS:
            if below is None or hours < below:
                return unit, size, max(1, math.floor(hours / size + 0.5))
        raise AssertionError("unreachable")

    def rounded(self, hours: float) -> float:
        """The hours as they are said: 11 h 40 min is "12 hours", so it is 12 for the band too."""
        _, size, count = self._spoken(hours)
        return float(count * size)

    def elapsed(self, hours: float) -> str:
        """'5 hours', '3 days', '2 weeks', '2 months': the largest unit that reads naturally."""
        unit, _, count = self._spoken(hours)
        singular, plural = self.units[unit]
        return f"{count} {singular if count == 1 else plural}"

    def band_for(self, hours: float) -> TriageBand:
        """The first band whose limit lies above the hours given (the last has none)."""
        for band in self.bands:
            if band.below_hours is None or hours < band.below_hours:
                return band
        return self.bands[-1]


# Every line of `triage:` in the content file, by its field name: the Triage fields that hold words.
TRIAGE_LINES = tuple(f.name for f in fields(Triage) if f.type == "str" and f.name != "no_time_topic")


@dataclass(frozen=True)
class Beat:
    """Words to say, then a pause in seconds (at the normal pace).

    With `words_inside`, the pause is a count that starts with the words ("Breathe in." and the silence
    after it last four seconds together), so the silence is the count less the words' spoken time.
    """

    say: str
    pause: float = 0.0
    words_inside: bool = False


@dataclass(frozen=True)
class Step:
    """One response's worth of a routine: beats said once, then beats repeated `repeat` times."""

    title: str
    sources: tuple[str, ...]
    beats: tuple[Beat, ...] = ()
    each: tuple[Beat, ...] = ()
    move: tuple[Beat, ...] = ()  # getting into place: said first, then the skill waits for "ready"
    ask: str | None = None  # a yes/no question that ends the step instead of its closing line
    if_no: str | None = None  # said when the answer to `ask` is no; the routine ends there
    repeat: int = 1
    count: str | None = None  # said before each repetition, with {number}


@dataclass(frozen=True)
class Routine:
    """A guided routine: steps, a closing line, and the names people call it."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    sources: tuple[str, ...]
    outro: str
    steps: tuple[Step, ...]
    end_session: bool = False  # True: finishing closes the skill (the user rests with a pack on)
    alert: str | None = None  # an alert id (see Alert) offered when the routine finishes
    timings: Mapping[str, float] = field(default_factory=dict)  # named pauses: {inhale: 4, exhale: 6}
    slowest_pace: int = len(PACES) - 1  # index into PACES: how slow "slower" may take this routine

    @property
    def shape(self) -> Shape:
        """What the state machine needs to know of this routine."""
        return Shape(moves=tuple(bool(step.move) for step in self.steps), slowest=self.slowest_pace)


_NO_WORDS = ScreenWords({}, negators=frozenset(), reassurances=frozenset(), hypotheticals=frozenset(), openers=frozenset(),
                        first_person=frozenset(), clause_breaks=frozenset())


@dataclass(frozen=True)
class Content:
    """All words of one locale, validated."""

    locale: str
    skill_name: str
    emergency_number: str
    emergency_source: str  # the national emergency service the number comes from ("" with no number)
    prompts: Mapping[str, str]
    topics: Mapping[str, Topic]
    red_flags: Mapping[str, RedFlag]
    triage: Triage
    routine_prompts: Mapping[str, str]
    routines: Mapping[str, Routine]
    routine_closings: tuple[str, ...] = ()  # the lines that end a step, varied from step to step
    alerts: Mapping[str, Alert] = field(default_factory=dict)  # the timer and reminder offers, by id
    alert_by_intent: Mapping[str, Alert] = field(default_factory=dict)  # a timer asked for by its own intent
    screen: Mapping[str, str] = field(default_factory=dict)  # labels for devices with a screen (skill/conversation/screen.py)
    topic_by_intent: Mapping[str, Topic] = field(default_factory=dict)
    red_flag_by_intent: Mapping[str, RedFlag] = field(default_factory=dict)
    matcher: Matcher = field(default_factory=lambda: Matcher({}, {}))
    warning_screen: WarningScreen = field(default_factory=lambda: WarningScreen({}, _NO_WORDS))
    red_flag_by_part: Mapping[str, RedFlag] = field(default_factory=dict)  # BODY_PART id -> the flag it makes
    shapes: Mapping[str, Shape] = field(default_factory=dict)  # routine id -> its Shape, for the state machine
    # Speech worked out from these words once and kept, being the same for everyone (a routine step at a pace:
    # skill/conversation/handlers/routines.py); not part of the content itself.
    rendered: dict[tuple[Any, ...], Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def routine_by_name(self, spoken: str) -> Routine | None:
        """The routine whose name or synonym the words contain (the longest such name wins)."""
        words = tokens(spoken)
        best: tuple[int, Routine | None] = (0, None)
        for routine in self.routines.values():
            for name in (routine.id.replace("_", " "), routine.name, *routine.synonyms):
                phrase = tokens(name)
                if phrase and len(phrase) > best[0] and phrase_in(phrase, words):
                    best = (len(phrase), routine)
        return best[1]
