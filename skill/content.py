"""Loads and validates the content files once at start-up; typed access by id.

Everything the skill says lives in ``skill/content/<locale>.yaml``. Code refers to
words by id only. A malformed file stops start-up with a ContentError naming the
file, the entry and the field, so a content editor sees exactly what to fix.
"""
from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pacing
from .matcher import Matcher, phrase_in, tokens
from .routine import PACES, Shape

CONTENT_DIR = Path(__file__).parent / "content"
DEFAULT_LOCALE = "en-US"
SOURCE_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
COMPILED_SUFFIX = ".compiled.json"  # the YAML's data as JSON, for a fast cold start (see `compiled`)

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
    "forget_reprompt forget_done forget_kept",
    resume_offer="number name title",
)
# Routine prompts, likewise.
ROUTINE_PROMPTS = _prompt_table(
    "list list_reprompt next_question step_reprompt paused paused_reprompt slower faster slowest "
    "fastest first_step start_over skipped stopped finished_question help_reprompt not_understood "
    "no_routine which_routine settle_question settle_reprompt in_place waiting come_back question_reprompt",
    step_header="number total title",
    back_to_routine="name",
    help="name",
    continue_offer="name",
    continue_reprompt="name",
    not_understood="name",
)


class ContentError(ValueError):
    """A content file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Topic:
    """One answer in the intent-to-content map."""

    id: str
    intent: str
    answer: str
    reprompt: str
    sources: tuple[str, ...]
    more: str | None = None
    match: tuple[str, ...] = ()


@dataclass(frozen=True)
class RedFlag:
    """An answer that escalates: emergency help now, or a doctor promptly."""

    id: str
    intent: str
    answer: str
    hands_free: str
    sources: tuple[str, ...]
    match: tuple[str, ...]
    reprompt: str | None = None  # None: the answer ends the session

    @property
    def ends_session(self) -> bool:
        return self.reprompt is None


@dataclass(frozen=True)
class TriageBand:
    """What to do at a stage: applies while the hours since onset are below `below_hours`."""

    id: str
    answer: str
    sources: tuple[str, ...]
    below_hours: float | None = None


@dataclass(frozen=True)
class Triage:
    """The 'how long has it been' answers and questions."""

    ask: str
    ask_reprompt: str
    not_understood: str
    remembered: str
    red_flag_reminder: str
    next: str  # what the user can say after the advice
    reprompt: str
    units: Mapping[str, tuple[str, str]]
    bands: tuple[TriageBand, ...]

    def elapsed(self, hours: float) -> str:
        """'5 hours', '3 days', '2 weeks', '2 months': the largest unit that reads naturally."""
        for unit, size, below in (("hour", 1, 48), ("day", 24, 14 * 24), ("week", 168, 8 * 168), ("month", 720, None)):
            if below is None or hours < below:
                count = max(1, round(hours / size))
                singular, plural = self.units[unit]
                return f"{count} {singular if count == 1 else plural}"
        raise AssertionError("unreachable")

    def band_for(self, hours: float) -> TriageBand:
        """The first band whose limit lies above the hours given (the last has none)."""
        for band in self.bands:
            if band.below_hours is None or hours < band.below_hours:
                return band
        return self.bands[-1]


@dataclass(frozen=True)
class Beat:
    """Words to say, then a pause in seconds (at the normal pace)."""

    say: str
    pause: float = 0.0


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
    end_session: bool = False  # True: finishing closes the skill (so the user can set a timer)
    timings: Mapping[str, float] = field(default_factory=dict)  # named pauses: {inhale: 4, exhale: 6}
    slowest_pace: int = len(PACES) - 1  # index into PACES: how slow "slower" may take this routine

    @property
    def shape(self) -> Shape:
        """What the state machine needs to know of this routine."""
        return Shape(moves=tuple(bool(step.move) for step in self.steps), slowest=self.slowest_pace)


@dataclass(frozen=True)
class Content:
    """All words of one locale, validated."""

    locale: str
    skill_name: str
    emergency_number: str
    prompts: Mapping[str, str]
    topics: Mapping[str, Topic]
    red_flags: Mapping[str, RedFlag]
    triage: Triage
    routine_prompts: Mapping[str, str]
    routines: Mapping[str, Routine]
    routine_closings: tuple[str, ...] = ()  # the lines that end a step, varied from step to step
    topic_by_intent: Mapping[str, Topic] = field(default_factory=dict)
    red_flag_by_intent: Mapping[str, RedFlag] = field(default_factory=dict)
    matcher: Matcher = field(default_factory=lambda: Matcher({}, {}))
    shapes: Mapping[str, Shape] = field(default_factory=dict)  # routine id -> its Shape, for the state machine

    def prompt(self, prompt_id: str) -> str:
        """The template for a prompt id (KeyError for an id the file lacks)."""
        return self.prompts[prompt_id]

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
    """Beats: words, then a pause in seconds or the name of one of the routine's timings."""
    if node is None:
        return ()
    if not isinstance(node, list) or not node:
        raise reader.fail(where, "expected a list of beats")
    allowed = frozenset({*timings, "seconds"})
    beats = []
    for index, entry in enumerate(node):
        entry = reader.mapping(entry, f"{where}[{index}]")
        pause = entry.get("pause", 0)
        if isinstance(pause, str) and pause in timings:
            pause = timings[pause]
        if not isinstance(pause, (int, float)) or isinstance(pause, bool) or not 0 <= pause <= 60:
            raise reader.fail(f"{where}[{index}].pause", f"expected seconds from 0 to 60, or one of {sorted(timings)}")
        say = reader.text(entry, "say", f"{where}[{index}]") or ""
        reader.placeholders(say, allowed, f"{where}[{index}].say")
        beats.append(Beat(say=say, pause=float(pause)))
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


def _read_routines(reader: _Reader, node: Any, prompts: Mapping[str, str], closings: tuple[str, ...]) -> dict[str, Routine]:
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
        intent = reader.text(entry, "intent", where)
        assert intent is not None
        if intent in intents:
            raise reader.fail(f"{where}.intent", f"{intent} already answers topic {intents[intent]}")
        intents[intent] = topic_id
        topics[topic_id] = Topic(
            id=topic_id,
            intent=intent,
            answer=reader.text(entry, "answer", where) or "",
            reprompt=reader.text(entry, "reprompt", where) or "",
            more=reader.text(entry, "more", where, required=False),
            sources=reader.sources(entry, where),
            match=reader.words(entry, "match", where),
        )
    return topics


def _read_red_flags(reader: _Reader, node: Any) -> dict[str, RedFlag]:
    flags: dict[str, RedFlag] = {}
    for flag_id, entry in reader.mapping(node, "red_flags").items():
        where = f"red_flags.{flag_id}"
        entry = reader.mapping(entry, where)
        answer = reader.text(entry, "answer", where) or ""
        reader.placeholders(answer, frozenset({"emergency_number"}), f"{where}.answer")
        flags[flag_id] = RedFlag(
            id=flag_id,
            intent=reader.text(entry, "intent", where) or "",
            answer=answer,
            hands_free=reader.text(entry, "hands_free", where) or "",
            reprompt=reader.text(entry, "reprompt", where, required=False),
            sources=reader.sources(entry, where),
            match=reader.words(entry, "match", where),
        )
    if "emergency" not in flags:
        raise reader.fail("red_flags", "the emergency red flag is required")
    return flags


def _read_triage(reader: _Reader, node: Any) -> Triage:
    triage = reader.mapping(node, "triage")
    texts = {key: reader.text(triage, key, "triage") or "" for key in
             ("ask", "ask_reprompt", "not_understood", "remembered", "red_flag_reminder", "next", "reprompt")}
    reader.placeholders(texts["remembered"], frozenset({"elapsed"}), "triage.remembered")
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
        bands.append(TriageBand(id=reader.text(entry, "id", where) or "", answer=answer,
                                sources=reader.sources(entry, where), below_hours=limit))
    return Triage(units=units, bands=tuple(bands), **texts)


def _stamp(source: bytes) -> dict[str, int]:
    """What ties a compiled copy to the exact YAML it came from."""
    return {"length": len(source), "crc32": zlib.crc32(source)}


def parse_yaml(path: Path, source: bytes) -> Any:
    """The YAML file's data; a mistake is one line naming the file, line and column."""
    import yaml  # here, not at the top: a Lambda cold start with compiled content never pays for it (about 13 ms)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it (its wheels do)
    try:
        return yaml.load(source.decode("utf-8"), Loader=loader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ContentError(f"{path}: not valid YAML{at}: {problem}; fix the file (a quote or bracket left open?)") from error


def compiled(path: Path) -> Path:
    """Where `python -m skill.package --compile` writes the YAML's data as JSON, for deployment packages."""
    return path.with_name(path.name + COMPILED_SUFFIX)


def compile_file(path: Path) -> Path:
    """Write the compiled copy of one content file (checked the same way when loaded)."""
    source = path.read_bytes()
    target = compiled(path)
    target.write_text(json.dumps({"source": _stamp(source), "data": parse_yaml(path, source)}), encoding="utf-8")
    return target


def _raw(path: Path) -> Any:
    """The content file's data: from its compiled copy when that was made from exactly this YAML, else the YAML."""
    try:
        source = path.read_bytes()
    except FileNotFoundError as error:
        raise ContentError(f"{path}: content file not found") from error
    try:
        copy = json.loads(compiled(path).read_text(encoding="utf-8"))
        if isinstance(copy, dict) and copy.get("source") == _stamp(source):
            return copy["data"]
    except (OSError, ValueError):
        pass  # no compiled copy (the usual case outside a deployment package), or a broken one: read the YAML
    return parse_yaml(path, source)


def load(locale: str = DEFAULT_LOCALE, directory: Path = CONTENT_DIR) -> Content:
    """Load and validate one locale's content file (the same checks, whichever form it is read from)."""
    path = directory / f"{locale}.yaml"
    reader = _Reader(path)
    root = reader.mapping(_raw(path), "top level")
    topics = _read_topics(reader, root.get("topics"))
    red_flags = _read_red_flags(reader, root.get("red_flags"))
    routine_prompts = _read_prompts(reader, root.get("routine_prompts"), "routine_prompts", ROUTINE_PROMPTS)
    closings = _read_closings(reader, root.get("routine_closings"))
    routines = _read_routines(reader, root.get("routines"), routine_prompts, closings)
    return Content(
        locale=reader.text(root, "locale", "top level") or locale,
        skill_name=reader.text(root, "skill_name", "top level") or "",
        emergency_number=reader.text(root, "emergency_number", "top level") or "",
        prompts=_read_prompts(reader, root.get("prompts")),
        topics=topics,
        red_flags=red_flags,
        triage=_read_triage(reader, root.get("triage")),
        routine_prompts=routine_prompts,
        routines=routines,
        routine_closings=closings,
        shapes={routine_id: routine.shape for routine_id, routine in routines.items()},
        topic_by_intent={topic.intent: topic for topic in topics.values()},
        red_flag_by_intent={flag.intent: flag for flag in red_flags.values()},
        matcher=Matcher(
            # The emergency flag (the one that ends the session) is checked before the others.
            {flag.id: flag.match for flag in sorted(red_flags.values(), key=lambda flag: not flag.ends_session)},
            {topic.id: topic.match for topic in topics.values()},
            reader.words(root, "places", "top level"),
        ),
    )
