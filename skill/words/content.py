"""Loads the content files once at start-up: typed access by id (the types: skill/words/content_types.py).

Everything the skill says lives in ``skill/content/<locale>.yaml``. Code refers to words by id
only. A malformed file stops start-up with a ContentError naming the file, the entry and the field
(the rules: skill/words/content_rules.py), so a content editor sees exactly what to fix.
"""
from __future__ import annotations

import copy
import json
import os
import re
import sys
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from skill.words.content_rules import ROUTINE_PROMPTS, _Reader, build, read_emergency_number
from skill.words.content_types import (
    DEFAULT_LOCALE,
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

__all__ = ["CONTENT_DIR", "DEFAULT_LOCALE", "FALLBACK_LOCALE", "ROUTINE_PROMPTS", "Alert", "Beat", "Content", "ContentError",
           "Contents", "RedFlag", "Urgency", "Routine", "Step", "TimeRange", "Topic", "Triage", "TriageBand", "compile_file", "compiled", "load",
           "locales", "localize", "nearby", "parse_yaml"]

CONTENT_DIR = Path(__file__).parent.parent / "content"
COMPILED_SUFFIX = ".compiled.json"  # the YAML's data as JSON, for a fast cold start (see `compiled`)


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
    """Where the YAML's data is kept as JSON: by `python -m skill.package --compile` for deployment packages, and
    by any start that had to read the YAML (see `_keep_compiled`)."""
    return path.with_name(path.name + COMPILED_SUFFIX)


def compile_file(path: Path) -> Path:
    """Write the compiled copy of one content file (checked the same way when loaded)."""
    source = path.read_bytes()
    return _write_compiled(path, _stamp(source), parse_yaml(path, source))


def _write_compiled(path: Path, stamp: dict[str, int], data: Any) -> Path:
    """The compiled copy of `path`, written whole or not at all (whichever worker writes last)."""
    target = compiled(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        temporary.write_text(json.dumps({"source": stamp, "data": data}), encoding="utf-8")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


_PARSED: dict[tuple[str, int, int], Any] = {}  # (path, length, crc32) -> data; read-only: localize copies it


def _raw(path: Path) -> Any:
    """The content file's data: from its compiled copy when that was made from exactly this YAML, else the YAML.

    Parsed once per exact text: ten locales derive from one source file, and start-up should not parse it ten times.
    """
    try:
        source = path.read_bytes()
    except FileNotFoundError as error:
        raise ContentError(f"{path}: content file not found") from error
    stamp = _stamp(source)
    key = (str(path), stamp["length"], stamp["crc32"])
    if key not in _PARSED:
        _PARSED[key] = _parse(path, source, stamp)
    return _PARSED[key]


def _parse(path: Path, source: bytes, stamp: dict[str, int]) -> Any:
    try:
        copy = json.loads(compiled(path).read_text(encoding="utf-8"))
        if isinstance(copy, dict) and copy.get("source") == stamp:
            return copy["data"]
    except (OSError, ValueError):
        pass  # no compiled copy yet, one from other YAML, or a broken one: read the YAML
    data = parse_yaml(path, source)
    _keep_compiled(path, stamp, data)
    return data


def _keep_compiled(path: Path, stamp: dict[str, int], data: Any) -> None:
    """Leave the compiled copy beside the YAML for the next start, as Python leaves bytecode (and not where it doesn't).

    A checkout then starts as fast as a deployment package once it has started once; an edited YAML no
    longer matches its copy's stamp, is read, and writes a new one. Best effort: a folder that cannot be
    written (a read-only deployment) or data JSON cannot hold changes nothing but the next start's speed.
    """
    if sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE or -B: this process leaves no caches behind
        return
    try:
        _write_compiled(path, stamp, data)
    except (OSError, TypeError, ValueError):
        pass


LOCALES_FILE = "locales.yaml"  # every other English locale, as differences from DEFAULT_LOCALE's file
FALLBACK_LOCALE = "en"  # in LOCALES_FILE: the words for any locale the skill does not have (no emergency number)
CLOSEST = "closest"  # in LOCALES_FILE: other English locales, each with the market whose words it borrows
_NOT_WORDS = {"intent", "sources", "match", "synonyms", "id", "locale", "emergency_number", "places", "urgency",
              "warning_signs", "public_sources", "body_parts", "no_time_topic"}  # ids, not words


def locales(directory: Path = CONTENT_DIR) -> list[str]:
    """Every market the skill serves: the source file's locale, then those LOCALES_FILE derives from it."""
    table = _raw(directory / LOCALES_FILE)
    return [DEFAULT_LOCALE, *(name for name in (table or {}) if name not in (FALLBACK_LOCALE, CLOSEST))]


def nearby(directory: Path = CONTENT_DIR) -> list[str]:
    """The other English locales that borrow a market's words, with the fallback's number-free lines."""
    table = _raw(directory / LOCALES_FILE)
    return list((table or {}).get(CLOSEST) or {})


_LOADED: dict[tuple[Any, ...], Content] = {}  # Content is immutable: one per locale and version of its files


def _version(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def load(locale: str = DEFAULT_LOCALE, directory: Path = CONTENT_DIR) -> Content:
    """Load and validate one locale's content (the same checks, whichever form it is read from).

    DEFAULT_LOCALE has its own file; every other locale is that file with the differences LOCALES_FILE
    gives it (skill/content/locales.yaml explains them), built and checked by the same rules. A locale
    whose files have not changed since it was last loaded in this process is not read again.
    """
    key = (locale, str(directory), *(_version(directory / name) for name in
                                     (f"{locale}.yaml", f"{DEFAULT_LOCALE}.yaml", LOCALES_FILE)))
    if key not in _LOADED:
        _LOADED[key] = _load(locale, directory)
    return _LOADED[key]


def _load(locale: str, directory: Path) -> Content:
    path = directory / f"{locale}.yaml"
    if locale == DEFAULT_LOCALE or path.is_file():
        reader = _Reader(path)
        return build(reader, reader.mapping(_raw(path), "top level"), locale)
    table_path = directory / LOCALES_FILE
    table = _Reader(table_path).mapping(_raw(table_path), "top level")
    closest = _Reader(table_path).mapping(table.get(CLOSEST) or {}, CLOSEST)
    if locale in table and locale in closest:
        raise ContentError(f"{table_path.name}: {locale} is a market and also under {CLOSEST}: remove it from {CLOSEST}")
    if locale in closest:
        market = closest[locale]
        if market not in table or market in (FALLBACK_LOCALE, CLOSEST) or FALLBACK_LOCALE not in table:
            raise ContentError(f"{table_path.name}: {CLOSEST}.{locale}: {market!r} is not a market of this file")
        fallback = _Reader(table_path).mapping(table[FALLBACK_LOCALE], FALLBACK_LOCALE)
        market_words = _Reader(table_path).mapping(table[market], market).get("words") or {}
        table = {locale: {**fallback, "words": market_words}}  # the market's words; the fallback's number-free lines
    if locale not in table or locale == CLOSEST:
        raise ContentError(f"{table_path.name}: no locale {locale}; add it there (see the file's header)")
    base_path = directory / f"{DEFAULT_LOCALE}.yaml"
    data = localize(_Reader(base_path).mapping(_raw(base_path), "top level"), table[locale], locale,
                    _Reader(table_path))
    return build(_Reader(Path(f"{LOCALES_FILE} ({locale}, from {base_path.name})")), data, locale)


def localize(source: Any, spec: Any, locale: str, reader: _Reader) -> dict[str, Any]:
    """The source file's data as `locale` says it: its emergency number, phrase swaps and replaced lines."""
    spec = reader.mapping(spec, locale)
    unknown = set(spec) - {"emergency_number", "emergency_source", "words", "text"}
    if unknown:
        raise reader.fail(locale, f"unknown field(s) {sorted(unknown)}; expected emergency_number, emergency_source, words, text")
    number = read_emergency_number(reader, spec, f"{locale}.emergency_number")
    swaps = reader.mapping(spec.get("words") or {}, f"{locale}.words")
    patterns = {phrase: re.compile(rf"(?<!\w){re.escape(str(phrase))}(?!\w)") for phrase in swaps}
    used: set[str] = set()

    def swap(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: node[k] if k in _NOT_WORDS else swap(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(item, key) for item in node]
        if isinstance(node, str):
            for phrase, pattern in patterns.items():
                node, count = pattern.subn(str(swaps[phrase]), node)
                used.update([phrase] if count else [])
        return node

    data = swap(copy.deepcopy(dict(source)))
    for phrase in swaps:
        if phrase not in used:
            raise reader.fail(f"{locale}.words", f"{phrase!r} appears nowhere in the source file; remove or fix it")
    for dotted, line in reader.mapping(spec.get("text") or {}, f"{locale}.text").items():
        *parents, last = str(dotted).split(".")
        node: Any = data
        for part in parents:
            node = _entry(node, part)
        if not isinstance(node, dict) or not isinstance(node.get(last), str) or not isinstance(line, str):
            raise reader.fail(f"{locale}.text.{dotted}", "names no line of the source file (or the new line is not text)")
        node[last] = line
    data["locale"], data["emergency_number"], data["emergency_source"] = locale, number, spec.get("emergency_source")
    return data


def _entry(node: Any, part: str) -> Any:
    """One step along a dotted place: a mapping's key, or the entry of a list with that `id` (triage.bands.early)."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list):
        return next((entry for entry in node if isinstance(entry, dict) and entry.get("id") == part), None)
    return None


class Contents(Mapping[str, Content]):
    """Each locale's content, loaded once on first use (a Lambda cold start pays only for the locale it serves).

    `for_locale` gives the content for a request's locale: its own, or FALLBACK_LOCALE's for any other.
    """

    def __init__(self, names: Iterable[str], directory: Path = CONTENT_DIR):
        self._names = list(dict.fromkeys([*names, *nearby(directory), FALLBACK_LOCALE]))
        self._directory = directory
        self._loaded: dict[str, Content] = {}
        self._lock = threading.Lock()

    def __getitem__(self, locale: str) -> Content:
        if locale not in self._names:
            raise KeyError(locale)
        if locale not in self._loaded:
            with self._lock:
                if locale not in self._loaded:
                    self._loaded[locale] = load(locale, self._directory)
        return self._loaded[locale]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def for_locale(self, locale: str | None) -> Content:
        """The content a request in `locale` gets: its own, or the fallback's (which names no emergency number)."""
        return self[locale] if locale in self._names else self[FALLBACK_LOCALE]
