"""What the skill says, by content id: each line rendered the same way the first time and on "repeat".

A line is a small tuple of ids and numbers, ("topic", "heat_or_ice", "answer"), never words. The
session keeps only these for "repeat", and `rerender` turns them back into speech through the same
functions that rendered them first, after checking every id against the content. So a session
attribute can never make the skill say words that are not in the content file (with verification
off, anyone can forge a session), and a repeat is word for word by construction.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skill.words import ssml
from skill.words.content import Content

TRIAGE_FIELDS = ("ask", "ask_reprompt", "not_understood", "red_flag_reminder", "emergency_reminder", "next", "reprompt",
                 "ranges_ask", "ranges_reprompt", "no_time")
TOPIC_FIELDS = ("emergency", "answer", "more", "reprompt")
MAX_LINES = 12  # a reply is a few lines; anything longer in a session is not one of ours


def _ids(args: tuple[Any, ...], *kinds: type) -> bool:
    return len(args) == len(kinds) and all(
        isinstance(arg, kind) and not isinstance(arg, bool) for arg, kind in zip(args, kinds, strict=True))


def _hours(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1_000_000


def emergency_number(content: Content) -> ssml.Ssml:
    """The market's emergency number, digit by digit; or the words for it where the number is not known."""
    if content.emergency_number:
        return ssml.digits(content.emergency_number)
    return ssml.text(content.prompts["local_number"])


def _prompt(content: Content, *args: Any) -> ssml.Ssml | None:
    if not _ids(args, str) or args[0] not in content.prompts:
        return None
    template = content.prompts[args[0]]
    if "{" in template.replace("{emergency_number}", ""):
        return None
    return ssml.render(template, {"emergency_number": emergency_number(content)})


def _resume_offer(content: Content, *args: Any) -> ssml.Ssml | None:
    if not _ids(args, str, int) or args[0] not in content.routines:
        return None
    routine = content.routines[args[0]]
    if not 0 <= args[1] < len(routine.steps):
        return None
    values = {"number": args[1] + 1, "name": routine.name, "title": routine.steps[args[1]].title}
    return ssml.render(content.prompts["resume_offer"], values)


def _routine_prompt(content: Content, *args: Any) -> ssml.Ssml | None:
    if not _ids(args, str, str) or args[0] not in content.routine_prompts:
        return None
    routine = content.routines.get(args[1])
    if args[1] and routine is None:
        return None
    return ssml.render(content.routine_prompts[args[0]], {"name": routine.name if routine else ""})


def _topic(content: Content, *args: Any) -> ssml.Ssml | None:
    if not _ids(args, str, str) or args[0] not in content.topics or args[1] not in TOPIC_FIELDS:
        return None
    words = getattr(content.topics[args[0]], args[1])
    return ssml.text(words) if words else None


def _triage(content: Content, *args: Any) -> ssml.Ssml | None:
    if not _ids(args, str) or args[0] not in TRIAGE_FIELDS:
        return None
    return ssml.text(getattr(content.triage, args[0]))


def _band(content: Content, *args: Any) -> ssml.Ssml | None:
    if len(args) != 2 or not isinstance(args[0], str) or not _hours(args[1]):
        return None
    band = next((band for band in content.triage.bands if band.id == args[0]), None)
    if band is None:
        return None
    return ssml.render(band.answer, {"elapsed": content.triage.elapsed(args[1])})


def _band_range(content: Content, *args: Any) -> ssml.Ssml | None:
    """("band_range", range id): the advice of the band a time range falls in, said with the range's words."""
    if not _ids(args, str) or args[0] not in content.triage.ranges:
        return None
    time_range = content.triage.ranges[args[0]]
    return ssml.render(content.triage.band_for(time_range.hours).answer, {"elapsed": time_range.said})


def _remembered(content: Content, *args: Any) -> ssml.Ssml | None:
    if len(args) != 1 or not _hours(args[0]):
        return None
    return ssml.render(content.triage.remembered, {"elapsed": content.triage.elapsed(args[0])})


def _outro(content: Content, *args: Any) -> ssml.Ssml | None:
    if not _ids(args, str) or args[0] not in content.routines:
        return None
    return ssml.text(content.routines[args[0]].outro)


def _step_if_no(content: Content, *args: Any) -> ssml.Ssml | None:
    if not _ids(args, str, int) or args[0] not in content.routines or not 0 <= args[1] < len(content.routines[args[0]].steps):
        return None
    words = content.routines[args[0]].steps[args[1]].if_no
    return ssml.text(words) if words else None


def _red_flag(content: Content, *args: Any) -> ssml.Ssml | None:
    """("red_flag", id, "speech" | "asked" | "reprompt"): the answer with how to get help hands-free, the answer
    to a question about the sign, or the reprompt."""
    if not _ids(args, str, str) or args[0] not in content.red_flags or args[1] not in ("speech", "asked", "reprompt"):
        return None
    flag = content.red_flags[args[0]]
    if args[1] == "reprompt":
        return ssml.text(flag.reprompt) if flag.reprompt else None
    number = {"emergency_number": emergency_number(content)}
    if args[1] == "asked":
        return ssml.render(flag.asked, number)
    return ssml.join([ssml.render(flag.answer, number), ssml.text(flag.hands_free)])


def spoken_clock(minute_of_day: int) -> str:
    """'9 PM', '9:30 AM': how a clock time is said (the minute of the day, local to the user)."""
    hour, minute = divmod(minute_of_day, 60)
    noon = "AM" if hour < 12 else "PM"
    hour = hour % 12 or 12
    return f"{hour} {noon}" if minute == 0 else f"{hour}:{minute:02d} {noon}"


def _when(content: Content, alert_id: str, kind: str, value: int) -> str | None:
    """A reminder's time as words: ("at", minute of the day) or ("in", hours from now)."""
    lines = content.alerts[alert_id].lines
    if kind == "at" and 0 <= value < 24 * 60:
        return lines["when_at"].replace("{time}", spoken_clock(value))
    if kind == "in" and 0 < value <= 72:
        return lines["when_in"].replace("{elapsed}", content.triage.elapsed(value))
    return None


def _alert(content: Content, *args: Any) -> ssml.Ssml | None:
    """("alert", id, line) for a timer; ("alert", id, line, "at" | "in", number) for a reminder's time."""
    if len(args) < 2 or not _ids(args[:2], str, str) or args[0] not in content.alerts:
        return None
    alert = content.alerts[args[0]]
    if args[1] not in alert.lines or args[1] in ("label", "announce", "when_at", "when_in"):
        return None
    values: dict[str, Any] = {"minutes": f"{alert.minutes:g}"}
    if alert.kind == "reminder" and len(args) == 2:
        return None if "{when}" in alert.lines[args[1]] else ssml.render(alert.lines[args[1]])
    if alert.kind == "reminder":
        if not _ids(args[2:], str, int):
            return None
        when = _when(content, args[0], args[2], args[3])
        if when is None:
            return None
        values = {"when": when}
    elif len(args) != 2:
        return None
    return ssml.render(alert.lines[args[1]], values)


RENDERERS: dict[str, Callable[..., ssml.Ssml | None]] = {
    "prompt": _prompt,
    "resume_offer": _resume_offer,
    "routine_prompt": _routine_prompt,
    "topic": _topic,
    "triage": _triage,
    "band": _band,
    "band_range": _band_range,
    "remembered": _remembered,
    "outro": _outro,
    "step_if_no": _step_if_no,
    "red_flag": _red_flag,
    "alert": _alert,
}


def render_line(content: Content, line: Any) -> ssml.Ssml | None:
    """One line as speech, marked with what it says; None if any id is not in the content."""
    if not isinstance(line, (list, tuple)) or not line or line[0] not in RENDERERS:
        return None
    fragment = RENDERERS[line[0]](content, *line[1:])
    return None if fragment is None else ssml.Ssml(fragment.markup, (tuple(line),))


def say(content: Content, *line: Any) -> ssml.Ssml:
    """Render a line the skill is about to say (its ids come from the code, so they must exist)."""
    fragment = render_line(content, line)
    if fragment is None:
        raise KeyError(f"no content for {line!r}")
    return fragment


def rerender(content: Content, lines: Any) -> ssml.Ssml | None:
    """Lines kept in the session, spoken again; None unless every one is a valid line of this content."""
    if not isinstance(lines, list) or not 0 < len(lines) <= MAX_LINES:
        return None
    fragments = [render_line(content, line) for line in lines]
    if any(fragment is None for fragment in fragments):
        return None
    return ssml.join(fragment for fragment in fragments if fragment is not None)
