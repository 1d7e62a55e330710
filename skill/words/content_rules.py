"""The rules a content file must keep, and building the typed Content from its data.

Each reader names the place of any mistake (file, entry, field), so a content editor sees exactly what
to fix. Adding a field is one edit in skill/words/content_types.py and one here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from skill.routine import PACES
from skill.words import pacing
from skill.words.content_types import (
    ALERT_LINES,
    Alert,
    Beat,
    Content,
    ContentError,
    RedFlag,
    Routine,
    Step,
    TimeRange,
    Topic,
    Triage,
    TriageBand,
    Urgency,
)
from skill.words.matcher import Matcher
from skill.words.warning_signs import ASKED, DENIED, ScreenWords, WarningScreen

SOURCE_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _prompt_table(plain: str, **with_placeholders: str) -> dict[str, frozenset[str]]:
    """Prompt ids (space-separated) that take no placeholders, then ids with theirs."""
    table: dict[str, frozenset[str]] = {name: frozenset() for name in plain.split()}
    table.update({name: frozenset(names.split()) for name, names in with_placeholders.items()})
    return table


# Every prompt id the code speaks, with the placeholders its template may use.
PROMPTS = _prompt_table(
    "welcome_first welcome_back disclaimer disclaimer_short launch_options launch_reprompt offer_more after_more "
    "general_reprompt help help_reprompt fallback fallback_reprompt nothing_more nothing_to_repeat "
    "no_thanks goodbye error error_reprompt not_sure resume_reprompt fresh_start forget_confirm "
    "forget_reprompt forget_done forget_kept place_not_saved sign_denied local_number what_would_help thanks_bye take_your_time not_sure_again try_saying",
    resume_offer="number name title",
    safety_net="emergency_number",
)
# Screen labels, likewise (skill/conversation/screen.py).
SCREEN_LABELS = _prompt_table("in_place hint_step hint next repeat stop", step_of="number total", hold="seconds")
# Routine prompts, likewise.
ROUTINE_PROMPTS = _prompt_table(
    "list list_reprompt next_question step_reprompt paused paused_reprompt slower faster slowest "
    "fastest first_step start_over skipped stopped finished_question help_reprompt not_understood "
    "no_routine which_routine settle_question settle_reprompt in_place waiting come_back question_reprompt "
    "pain_in_routine thanks_in_routine not_understood_move",
    step_header="number total title",
    back_to_routine="name",
    help="name",
    continue_offer="name",
    offer="name",
    continue_reprompt="name",
    not_understood="name",
    not_understood_again="name",
)


class _Reader:
    """Reads typed fields from the parsed YAML, naming the place of any mistake."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str) -> ContentError:
        return ContentError(f"{self.path.name}: {where}: {problem}")

    def mapping(self, node: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            raise self.fail(where, f"expected a mapping, found {type(node).__name__}")
        return node

    def text(self, node: Mapping[str, Any], key: str, where: str, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "missing or empty text")
        return " ".join(value.split())

    def sources(self, node: Mapping[str, Any], where: str) -> tuple[str, ...]:
        value = node.get("sources")
        if not isinstance(value, list) or not value:
            raise self.fail(f"{where}.sources", "list the source article file names this rests on")
        for name in value:
            if not isinstance(name, str) or not SOURCE_FILE.match(name):
                raise self.fail(f"{where}.sources", f"{name!r} is not a source article file name")
        return tuple(value)

    def words(self, node: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = node.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where}.{key}", "expected a list of words or phrases")
        return tuple(value)

    def placeholders(self, template: str, allowed: frozenset[str], where: str) -> None:
        unknown = set(PLACEHOLDER.findall(template)) - allowed
        if unknown:
            raise self.fail(where, f"unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _read_prompts(reader: _Reader, node: Any, section: str = "prompts",
                  wanted: Mapping[str, frozenset[str]] = PROMPTS) -> dict[str, str]:
    prompts_node = reader.mapping(node, section)
    prompts: dict[str, str] = {}
    for prompt_id, allowed in wanted.items():
        template = reader.text(prompts_node, prompt_id, section)
        assert template is not None
        reader.placeholders(template, allowed, f"{section}.{prompt_id}")
        prompts[prompt_id] = template
    return prompts


def _read_beats(reader: _Reader, node: Any, where: str, timings: Mapping[str, float]) -> tuple[Beat, ...]:
    """Beats: words, then a `pause` (silence after the words) or a count the words are said inside (`lasts`),
    each in seconds or the name of one of the routine's timings."""
    if node is None:
        return ()
    if not isinstance(node, list) or not node:
        raise reader.fail(where, "expected a list of beats")
    allowed = frozenset({*timings, "seconds"})
    beats = []
    for index, entry in enumerate(node):
        entry = reader.mapping(entry, f"{where}[{index}]")
        if "pause" in entry and "lasts" in entry:
            raise reader.fail(f"{where}[{index}]", "give `pause` (silence after the words) or `lasts` (the words "
                                                   "and the silence together), not both")
        key = "lasts" if "lasts" in entry else "pause"
        pause = entry.get(key, 0)
        if isinstance(pause, str) and pause in timings:
            pause = timings[pause]
        if not isinstance(pause, (int, float)) or isinstance(pause, bool) or not 0 <= pause <= 60:
            raise reader.fail(f"{where}[{index}].{key}", f"expected seconds from 0 to 60, or one of {sorted(timings)}")
        say = reader.text(entry, "say", f"{where}[{index}]") or ""
        reader.placeholders(say, allowed, f"{where}[{index}].say")
        beats.append(Beat(say=say, pause=float(pause), words_inside=key == "lasts"))
    return tuple(beats)


def _read_timings(reader: _Reader, node: Any, where: str) -> dict[str, float]:
    if node is None:
        return {}
    timings: dict[str, float] = {}
    for name, seconds in reader.mapping(node, where).items():
        if not isinstance(name, str) or not PLACEHOLDER.fullmatch("{" + name + "}") or name == "seconds":
            raise reader.fail(f"{where}.{name}", "a timing name is lower-case letters and underscores (not 'seconds')")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 < seconds <= 60:
            raise reader.fail(f"{where}.{name}", "expected seconds from 1 to 60")
        timings[name] = float(seconds)
    return timings


def _read_slowest(reader: _Reader, node: Mapping[str, Any], where: str) -> int:
    value = node.get("slowest_pace", PACES[-1])
    if value not in PACES or isinstance(value, bool):
        raise reader.fail(f"{where}.slowest_pace", f"expected one of {list(PACES)}")
    return PACES.index(value)


def _read_closings(reader: _Reader, node: Any) -> tuple[str, ...]:
    if not isinstance(node, list) or not node or not all(isinstance(line, str) and line.strip() for line in node):
        raise reader.fail("routine_closings", "expected a list of lines that end a step")
    return tuple(" ".join(line.split()) for line in node)


REMINDER_CHARACTERS = 25  # about what a small screen shows of a reminder (Alexa's reminder guidelines)
# How a reminder's time is said: at a clock time where the device's time zone is known, else in so many hours.
REMINDER_WHEN = {"when_at": frozenset({"time"}), "when_in": frozenset({"elapsed"})}


def _read_alerts(reader: _Reader, node: Any) -> dict[str, Alert]:
    """Timers (`minutes`: their length) and check-in reminders (`hours` after the spasm began)."""
    if node is None:
        return {}
    alerts: dict[str, Alert] = {}
    for alert_id, entry in reader.mapping(node, "alerts").items():
        where = f"alerts.{alert_id}"
        entry = reader.mapping(entry, where)
        if ("minutes" in entry) == ("hours" in entry):
            raise reader.fail(where, "give `minutes` (a timer's length) or `hours` (a reminder after onset), not both")
        kind, key, limit = ("timer", "minutes", 24 * 60) if "minutes" in entry else ("reminder", "hours", 72)
        value = entry[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= limit:
            raise reader.fail(f"{where}.{key}", f"expected a number above 0 and at most {limit}")
        allowed = frozenset({"minutes"} if kind == "timer" else {"when"})
        lines: dict[str, str] = {}
        for line in (*ALERT_LINES, *(REMINDER_WHEN if kind == "reminder" else {})):
            text = reader.text(entry, line, where) or ""
            placeholders = REMINDER_WHEN.get(line) or (frozenset() if line in ("label", "announce") else allowed)
            reader.placeholders(text, placeholders, f"{where}.{line}")
            lines[line] = text
        if len(lines["label"]) > 200 or len(lines["announce"]) > 200:
            raise reader.fail(where, "keep label and announce under 200 characters (Alexa's limits are about 250)")
        if kind == "reminder" and max(len(lines["label"]), len(lines["announce"])) > REMINDER_CHARACTERS:
            raise reader.fail(where, f"a reminder's label and announce are {REMINDER_CHARACTERS} characters at most "
                              "(what a small screen shows), and discreet: Alexa's reminder guidelines")
        intent = entry.get("intent")
        if intent is not None and (kind != "timer" or not isinstance(intent, str) or not re.fullmatch(r"[A-Z]\w+Intent", intent)):
            raise reader.fail(f"{where}.intent", "only a timer has an intent (a reminder needs the onset): an "
                              "intent name like SetTimerIntent")
        alerts[alert_id] = Alert(id=alert_id, kind=kind, minutes=float(value) * (60 if kind == "reminder" else 1),
                                 sources=reader.sources(entry, where), lines=lines, intent=intent)
    return alerts


def _alert_id(reader: _Reader, node: Mapping[str, Any], where: str, alerts: Mapping[str, Alert], kind: str) -> str | None:
    value = node.get("alert")
    if value is None:
        return None
    if value not in alerts or alerts[value].kind != kind:
        raise reader.fail(f"{where}.alert", f"expected one of the alerts of kind {kind}: "
                          f"{sorted(a.id for a in alerts.values() if a.kind == kind)}")
    return str(value)


def _read_routines(reader: _Reader, node: Any, prompts: Mapping[str, str], closings: tuple[str, ...],
                   alerts: Mapping[str, Alert]) -> dict[str, Routine]:
    routines: dict[str, Routine] = {}
    for routine_id, entry in reader.mapping(node, "routines").items():
        where = f"routines.{routine_id}"
        entry = reader.mapping(entry, where)
        timings = _read_timings(reader, entry.get("timings"), f"{where}.timings")
        steps_node = entry.get("steps")
        if not isinstance(steps_node, list) or not steps_node:
            raise reader.fail(f"{where}.steps", "expected a list of steps")
        steps = []
        for index, step in enumerate(steps_node):
            step_where = f"{where}.steps[{index}]"
            step = reader.mapping(step, step_where)
            repeat = step.get("repeat", 1)
            if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= 20:
                raise reader.fail(f"{step_where}.repeat", "expected a whole number from 1 to 20")
            move = _read_beats(reader, step.get("move"), f"{step_where}.move", timings)
            once = _read_beats(reader, step.get("beats"), f"{step_where}.beats", timings)
            each = _read_beats(reader, step.get("each"), f"{step_where}.each", timings)
            if not once and not each:
                raise reader.fail(step_where, "a step needs beats or each (the part after any move)")
            count = reader.text(step, "count", step_where, required=False)
            if count is not None:
                reader.placeholders(count, frozenset({"number"}), f"{step_where}.count")
            ask = reader.text(step, "ask", step_where, required=False)
            if_no = reader.text(step, "if_no", step_where, required=False)
            if (ask is None) != (if_no is None):
                raise reader.fail(step_where, "a step with `ask` needs `if_no` (what to say on no), and the other way round")
            steps.append(Step(title=reader.text(step, "title", step_where) or "", sources=reader.sources(step, step_where),
                              beats=once, each=each, repeat=repeat, count=count, move=move, ask=ask, if_no=if_no))
        routine = Routine(
            id=routine_id,
            name=reader.text(entry, "name", where) or "",
            synonyms=reader.words(entry, "synonyms", where),
            sources=reader.sources(entry, where),
            outro=reader.text(entry, "outro", where) or "",
            steps=tuple(steps),
            end_session=bool(entry.get("end_session", False)),
            alert=_alert_id(reader, entry, where, alerts, "timer"),
            timings=timings,
            slowest_pace=_read_slowest(reader, entry, where),
        )
        pacing.over_budget(routine, prompts, closings, reader.fail)
        routines[routine_id] = routine
    return routines


def _read_topics(reader: _Reader, node: Any) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    intents: dict[str, str] = {}
    for topic_id, entry in reader.mapping(node, "topics").items():
        where = f"topics.{topic_id}"
        entry = reader.mapping(entry, where)
        intent = reader.text(entry, "intent", where, required=False)  # none: reached only by words (matcher)
        if intent is not None and intent in intents:
            raise reader.fail(f"{where}.intent", f"{intent} already answers topic {intents[intent]}")
        if intent is not None:
            intents[intent] = topic_id
        topics[topic_id] = Topic(
            id=topic_id,
            intent=intent or "",
            answer=reader.text(entry, "answer", where) or "",
            reprompt=reader.text(entry, "reprompt", where) or "",
            more=reader.text(entry, "more", where, required=False),
            emergency=reader.text(entry, "emergency", where, required=False),
            sources=reader.sources(entry, where),
            match=reader.words(entry, "match", where),
            routine=reader.text(entry, "routine", where, required=False),
        )
        if topics[topic_id].routine is not None and topics[topic_id].more is not None:
            raise reader.fail(where, "a topic offers either more or a routine, not both (one question at a time)")
    return topics


def _screen_line(reader: _Reader, entry: Mapping[str, Any], where: str) -> str:
    line = reader.text(entry, "screen", where) or ""
    reader.placeholders(line, frozenset({"emergency_number"}), f"{where}.screen")
    if len(line) > 60:
        raise reader.fail(f"{where}.screen", "one short line (60 characters at most), read from across a room")
    return line


def _read_red_flags(reader: _Reader, node: Any) -> dict[str, RedFlag]:
    flags: dict[str, RedFlag] = {}
    for flag_id, entry in reader.mapping(node, "red_flags").items():
        where = f"red_flags.{flag_id}"
        entry = reader.mapping(entry, where)
        try:
            urgency = Urgency(str(entry.get("urgency")))
        except ValueError:
            raise reader.fail(f"{where}.urgency", f"expected one of {[u.value for u in Urgency]}") from None
        texts = {key: reader.text(entry, key, where) or "" for key in ("answer", "asked")}
        for key, text in texts.items():
            reader.placeholders(text, frozenset({"emergency_number"}), f"{where}.{key}")
        if urgency is Urgency.EMERGENCY and any("{emergency_number}" not in line for line in
                                                 (texts["answer"], _screen_line(reader, entry, where))):
            raise reader.fail(where, "an emergency answer and its screen line must say {emergency_number}")
        reprompt = reader.text(entry, "reprompt", where, required=urgency is not Urgency.EMERGENCY)
        if urgency is Urgency.EMERGENCY and reprompt is not None:
            raise reader.fail(f"{where}.reprompt", "an emergency answer ends the session, so it has no reprompt")
        flags[flag_id] = RedFlag(
            id=flag_id,
            intent=reader.text(entry, "intent", where) or "",
            urgency=urgency,
            answer=texts["answer"],
            asked=texts["asked"],
            hands_free=reader.text(entry, "hands_free", where, required=urgency is not Urgency.DOCTOR) or "",
            screen=_screen_line(reader, entry, where),
            reprompt=reprompt,
            sources=reader.sources(entry, where),
            match=reader.words(entry, "match", where),
            body_parts=tuple(entry.get("body_parts") or ()),
            public_sources=tuple(" ".join(str(s).split()) for s in entry.get("public_sources") or ()),
        )
    if not any(flag.urgency is Urgency.EMERGENCY for flag in flags.values()):
        raise reader.fail("red_flags", "at least one emergency red flag is required")
    return flags


def _read_screen_words(reader: _Reader, node: Any) -> ScreenWords:
    words = reader.mapping(node, "warning_signs")
    same_as = reader.mapping(words.get("same_as"), "warning_signs.same_as")
    lists = {key: frozenset(str(w).lower() for w in reader.words(words, key, "warning_signs"))
             for key in ("negators", "reassurances", "hypotheticals", "openers", "first_person", "clause_breaks", "keep")}
    groups = {str(name): reader.words(reader.mapping(words.get("groups"), "warning_signs.groups"), name, "warning_signs.groups")
              for name in reader.mapping(words.get("groups"), "warning_signs.groups")}
    frames = {str(how): str(frame) for how, frame in reader.mapping(words.get("frames"), "warning_signs.frames").items()}
    for how in (ASKED, DENIED):
        if "{sign}" not in frames.get(how, ""):
            raise reader.fail(f"warning_signs.frames.{how}", "expected words around {sign}, like: no {sign}")
    return ScreenWords(same_as={str(k).lower(): str(v).lower() for k, v in same_as.items()}, groups=groups,
                       frames=frames, **lists)


def _read_triage(reader: _Reader, node: Any, alerts: Mapping[str, Alert], topics: Mapping[str, Topic]) -> Triage:
    triage = reader.mapping(node, "triage")
    texts = {key: reader.text(triage, key, "triage") or "" for key in
             ("ask", "ask_reprompt", "not_understood", "remembered", "red_flag_reminder", "emergency_reminder", "next",
              "reprompt", "ranges_ask", "ranges_reprompt", "no_time", "no_time_topic")}
    reader.placeholders(texts["remembered"], frozenset({"elapsed"}), "triage.remembered")
    if texts["no_time_topic"] not in topics:
        raise reader.fail("triage.no_time_topic", f"expected a topic id, one of {sorted(topics)}")
    units_node = reader.mapping(triage.get("units"), "triage.units")
    units: dict[str, tuple[str, str]] = {}
    for unit in ("hour", "day", "week", "month"):
        forms = units_node.get(unit)
        if not isinstance(forms, list) or len(forms) != 2 or not all(isinstance(f, str) for f in forms):
            raise reader.fail(f"triage.units.{unit}", "expected [singular, plural]")
        units[unit] = (forms[0], forms[1])
    bands_node = triage.get("bands")
    if not isinstance(bands_node, list) or not bands_node:
        raise reader.fail("triage.bands", "expected a list of bands")
    bands: list[TriageBand] = []
    for index, entry in enumerate(bands_node):
        where = f"triage.bands[{index}]"
        entry = reader.mapping(entry, where)
        limit = entry.get("below_hours")
        last = index == len(bands_node) - 1
        if last and limit is not None:
            raise reader.fail(f"{where}.below_hours", "the last band must have no limit")
        if not last and (not isinstance(limit, (int, float)) or (bands and limit <= (bands[-1].below_hours or 0))):
            raise reader.fail(f"{where}.below_hours", "expected hours, rising from band to band")
        answer = reader.text(entry, "answer", where) or ""
        reader.placeholders(answer, frozenset({"elapsed"}), f"{where}.answer")
        alert = _alert_id(reader, entry, where, alerts, "reminder")
        if alert is not None and (limit is None or alerts[alert].minutes < limit * 60):
            raise reader.fail(f"{where}.alert", "a check-in must fall after this band ends (at or past below_hours)")
        bands.append(TriageBand(id=reader.text(entry, "id", where) or "", answer=answer,
                                sources=reader.sources(entry, where), below_hours=limit, alert=alert))
    return Triage(units=units, bands=tuple(bands), ranges=_read_ranges(reader, triage.get("ranges")), **texts)


def _read_ranges(reader: _Reader, node: Any) -> dict[str, TimeRange]:
    """The answers to the ranges question, by id: hours above zero, and the words said for them."""
    if not isinstance(node, list) or not node:
        raise reader.fail("triage.ranges", "expected a list of ranges (id, hours, said)")
    ranges: dict[str, TimeRange] = {}
    for index, entry in enumerate(node):
        where = f"triage.ranges[{index}]"
        entry = reader.mapping(entry, where)
        range_id = reader.text(entry, "id", where) or ""
        hours = entry.get("hours")
        if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours <= 0 or range_id in ranges:
            raise reader.fail(where, "expected a new id, and hours above zero")
        ranges[range_id] = TimeRange(id=range_id, hours=float(hours), said=reader.text(entry, "said", where) or "")
    return ranges


def _emergency_number(reader: _Reader, root: Mapping[str, Any]) -> str:
    """Digits, said in the emergency answers; or "" where the number is not known (they then say prompts.local_number)."""
    number = root.get("emergency_number")
    if not isinstance(number, str) or not (number == "" or number.isdigit()):
        raise reader.fail("emergency_number", 'expected digits in quotes, like "911", or "" for none')
    return number


def build(reader: _Reader, root: Mapping[str, Any], locale: str) -> Content:
    """The typed Content from a content file's top-level mapping, every rule checked."""
    topics = _read_topics(reader, root.get("topics"))
    red_flags = _read_red_flags(reader, root.get("red_flags"))
    routine_prompts = _read_prompts(reader, root.get("routine_prompts"), "routine_prompts", ROUTINE_PROMPTS)
    closings = _read_closings(reader, root.get("routine_closings"))
    alerts = _read_alerts(reader, root.get("alerts"))
    routines = _read_routines(reader, root.get("routines"), routine_prompts, closings, alerts)
    for topic in topics.values():
        if topic.routine is not None and topic.routine not in routines:
            raise reader.fail(f"topics.{topic.id}.routine", f"no routine {topic.routine!r}; expected one of {sorted(routines)}")
    return Content(
        locale=reader.text(root, "locale", "top level") or locale,
        skill_name=reader.text(root, "skill_name", "top level") or "",
        emergency_number=_emergency_number(reader, root),
        prompts=_read_prompts(reader, root.get("prompts")),
        topics=topics,
        red_flags=red_flags,
        triage=_read_triage(reader, root.get("triage"), alerts, topics),
        alerts=alerts,
        alert_by_intent={alert.intent: alert for alert in alerts.values() if alert.intent},
        screen=_read_prompts(reader, root.get("screen"), "screen", SCREEN_LABELS),
        routine_prompts=routine_prompts,
        routines=routines,
        routine_closings=closings,
        shapes={routine_id: routine.shape for routine_id, routine in routines.items()},
        topic_by_intent={topic.intent: topic for topic in topics.values() if topic.intent},
        red_flag_by_intent={flag.intent: flag for flag in red_flags.values()},
        red_flag_by_part={part: flag for flag in red_flags.values() for part in flag.body_parts},
        # Most urgent first, as the content file lists them: when an utterance says two signs, the first answers.
        warning_screen=WarningScreen({flag.id: flag.match for flag in red_flags.values()},
                                     _read_screen_words(reader, root.get("warning_signs"))),
        matcher=Matcher(
            {},  # red flags are the warning screen's (skill/words/warning_signs.py), heard before any topic
            {topic.id: topic.match for topic in topics.values()},
            reader.words(root, "places", "top level"),
        ),
    )
