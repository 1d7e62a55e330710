"""Builds every locale's interaction model from one source: interaction_model/source/model.yaml.

A sample in the source is a small pattern, written the way home-assistant's intents repo writes
them: `(a|b)` is one of, `[a]` is optional, `<name>` is a rule (from `rules`, or the locale's own
override in `locales`), `{slot}` is a slot of the intent, left for Alexa. Each pattern expands
into every sample it stands for, so "(should|can) i use [some] heat" is four samples.

Checks, each failing with one line that names the pattern or sample and the fix:
  - a rule that is used but defined nowhere; brackets that do not close;
  - a pattern that expands to more than PATTERN_BUDGET samples (write two smaller ones);
  - a sample that is not speakable as Alexa wants it (lower-case words, apostrophes, spaces,
    slots; numbers spelled out), or that uses a slot its intent does not declare;
  - a sample that two intents share (Alexa would have to guess), or a model over MODEL_BUDGET
    samples in all.
`python -m skill.package` writes the models; `--check` (and a test) fails when they drift.
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parent.parent.parent / "interaction_model" / "source" / "model.yaml"
PATTERN_BUDGET = 800  # samples one pattern may expand to: past this it is a typo, or a pattern to split
MODEL_BUDGET = 20000  # samples in one locale's model: our own ceiling, to keep the model quick to build and read
# A locale's model file as written: Amazon publishes 1.5 MB, an older SMAPI check refused over 1,000,000 characters;
# this keeps well inside both. Coverage comes from varied samples and the catch-all, not from combinations.
MODEL_BYTES = 750_000
MAX_INTENTS = 250
_SPEAKABLE = re.compile(r"^(?:[a-z][a-z'.]*|\{\w+\})(?: (?:[a-z][a-z'.]*|\{\w+\}))*$")


class ModelError(ValueError):
    """The source cannot make a model; the message names where and how to fix it."""


# A parsed pattern: a sequence of words and choices; a choice is a list of sequences ("" for optional).
_Seq = list  # of str | list[_Seq]


def _parse(text: str, i: int, close: str | None, where: str) -> tuple[list[_Seq], int]:
    """From i to the closing bracket (or the end): the alternatives, each a sequence."""
    alternatives: list[_Seq] = [[]]
    word = ""
    while i < len(text):
        char = text[i]
        if char in "([)]|":
            if word.strip():
                alternatives[-1].append(word)
            word = ""
        if char in "([":
            inner, i = _parse(text, i + 1, ")" if char == "(" else "]", where)
            alternatives[-1].append(inner + ([[]] if char == "[" else []))
            continue
        if char == "|":
            if close is None:
                raise ModelError(f"{where}: '|' outside brackets; write (a|b)")
            alternatives.append([])
        elif char in ")]":
            if char != close:
                raise ModelError(f"{where}: '{char}' closes nothing; check the brackets")
            return alternatives, i + 1
        else:
            word += char
        i += 1
    if close is not None:
        raise ModelError(f"{where}: '{'(' if close == ')' else '['}' is never closed; check the brackets")
    if word.strip():
        alternatives[-1].append(word)
    return alternatives, i


def _expand_seq(seq: _Seq) -> list[str]:
    results = [""]
    for part in seq:
        options = [part] if isinstance(part, str) else [text for alt in part for text in _expand_seq(alt)]
        results = [f"{head} {tail}" for head in results for tail in options]
        if len(results) > PATTERN_BUDGET:
            raise _Overflow
    return results


class _Overflow(Exception):
    pass


def expand(pattern: str, rules: dict[str, str], where: str = "") -> list[str]:
    """Every sample a pattern stands for, in order, without repeats."""
    where = where or repr(pattern)
    text = pattern
    for _ in range(10):  # rules may use rules, a few levels deep
        names = re.findall(r"<(\w+)>", text)
        if not names:
            break
        for name in names:
            if name not in rules:
                raise ModelError(f"{where}: rule <{name}> is defined nowhere; add it under rules: in {SOURCE.name}")
        text = re.sub(r"<(\w+)>", lambda m: f"({rules[m.group(1)]})", text)
    else:
        raise ModelError(f"{where}: rules refer to each other in a loop")
    alternatives, _ = _parse(text, 0, None, where)
    try:
        samples = [" ".join(text.split()) for alt in alternatives for text in _expand_seq(alt)]
    except _Overflow:
        raise ModelError(f"{where}: expands to more than {PATTERN_BUDGET} samples; split it into smaller "
                         "patterns") from None
    return list(dict.fromkeys(sample for sample in samples if sample))


def load_source(path: Path = SOURCE) -> dict[str, Any]:
    import yaml

    try:
        source = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ModelError(f"{path.name}{place}: not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(source, dict) or not isinstance(source.get("intents"), dict):
        raise ModelError(f"{path.name}: needs an intents: mapping")
    return source


def locales(source: dict[str, Any], markets: Iterable[str] = ()) -> list[str]:
    """The locales to build: every market the content speaks (skill/content/locales.yaml), and any the source
    names under `locales:` (where a locale overrides a rule)."""
    return list(dict.fromkeys([*(source.get("locales") or {}), *markets])) or ["en-US"]


def build(source: dict[str, Any], locale: str) -> dict[str, Any]:
    """The interaction model JSON (as a dict) for one locale."""
    settings = (source.get("locales") or {}).get(locale) or {}
    rules = {**(source.get("rules") or {}), **(settings.get("rules") or {})}
    owner: dict[str, tuple[str, str]] = {}  # sample -> (the intent, the pattern it came from)
    intents = []
    total = 0
    for name, spec in source["intents"].items():
        spec = spec or {}
        slots = copy.deepcopy(spec.get("slots") or [])
        declared = {slot["name"] for slot in slots}
        samples: list[str] = []
        for pattern in spec.get("samples") or []:
            for sample in expand(pattern, rules, f"{name}: {pattern!r}"):
                _check_sample(sample, declared, f"{name}: {pattern!r}")
                first, where = owner.setdefault(sample, (name, pattern))
                if first != name:
                    raise ModelError(f"{locale}: '{sample}' (from {name}: {pattern!r}) is also a sample of "
                                     f"{first} (from its pattern {where!r}); Alexa would have to guess: keep it in "
                                     "one intent, by taking it out of one of the two patterns")
                if sample not in samples:
                    samples.append(sample)
        for slot in slots:
            if slot.get("samples"):
                slot["samples"] = list(dict.fromkeys(
                    sample for pattern in slot["samples"] for sample in expand(pattern, rules, f"{name}.{slot['name']}")))
        total += len(samples)
        intent: dict[str, Any] = {"name": name}
        if slots or not name.startswith("AMAZON."):
            intent["slots"] = slots
        intent["samples"] = samples
        intents.append(intent)
    if total > MODEL_BUDGET:
        raise ModelError(f"{locale}: {total} samples, over the budget of {MODEL_BUDGET}; trim the widest patterns")
    model: dict[str, Any] = {"languageModel": {"invocationName": settings.get("invocation", source["invocation"]),
                                               "intents": intents, "types": copy.deepcopy(source.get("types") or [])}}
    for key in ("dialog", "prompts"):
        if source.get(key):
            model[key] = copy.deepcopy(source[key])
    return {"interactionModel": model}


def _check_sample(sample: str, declared: set[str], where: str) -> None:
    if not _SPEAKABLE.match(sample):
        raise ModelError(f"{where}: '{sample}' is not speakable as a sample: lower-case words, apostrophes and "
                         "{slots} only, numbers spelled out")
    for slot in re.findall(r"\{(\w+)\}", sample):
        if slot not in declared:
            raise ModelError(f"{where}: '{sample}' uses slot {{{slot}}}, which the intent does not declare")


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def generate(source_path: Path = SOURCE, markets: Iterable[str] = ()) -> dict[str, str]:
    """Every locale's model file name and text: for the markets given, and those the source names."""
    source = load_source(source_path)
    files = {f"{locale}.json": render(build(source, locale)) for locale in locales(source, markets)}
    for name, text in files.items():
        check_size(name, text)
    return files


def check_size(name: str, text: str) -> None:
    """Refuse a model file over the byte budget, or with more intents than Alexa takes."""
    size = len(text.encode("utf-8"))
    if size > MODEL_BYTES:
        raise ModelError(f"{name}: {size:,} bytes, over the budget of {MODEL_BYTES:,}; trim the widest patterns "
                         "(python -m skill.dev.modelgen lists them)")
    intents = len(json.loads(text)["interactionModel"]["languageModel"]["intents"])
    if intents > MAX_INTENTS:
        raise ModelError(f"{name}: {intents} intents, over Alexa's limit of {MAX_INTENTS}")


def widest(source: dict[str, Any], locale: str = "en-US", count: int = 10) -> list[tuple[int, str, str]]:
    """The patterns that expand to the most samples, widest first: where to trim a model that is too big."""
    settings = (source.get("locales") or {}).get(locale) or {}
    rules = {**(source.get("rules") or {}), **(settings.get("rules") or {})}
    sizes = [(len(expand(pattern, rules, f"{name}: {pattern!r}")), name, pattern)
             for name, spec in source["intents"].items() for pattern in (spec or {}).get("samples") or []]
    return sorted(sizes, key=lambda size: -size[0])[:count]


if __name__ == "__main__":  # python -m skill.dev.modelgen: each locale's sample count and the widest patterns
    import sys

    try:
        loaded = load_source()
        from skill.words.content import locales as markets

        for name in locales(loaded, markets()):
            built = build(loaded, name)["interactionModel"]["languageModel"]["intents"]
            print(f"{name}: {sum(len(intent['samples']) for intent in built)} samples "
                  f"(budget {MODEL_BUDGET}); widest patterns:")
            for size, intent_name, pattern in widest(loaded, name):
                print(f"  {size:5d}  {intent_name}: {pattern}")
    except ModelError as error:
        sys.exit(f"interaction model: {error}")
