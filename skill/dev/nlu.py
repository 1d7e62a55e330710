"""Turns typed words into an intent and slots from the interaction model, the way Alexa's language model would.

First, exact matching of the model's sample utterances, with slots captured and typed as Alexa
sends them: a custom slot value or synonym resolves to its id; AMAZON.DURATION spoken forms become
ISO-8601 ("three days" -> P3D, "about twelve hours" -> PT12H); AMAZON.DATE words become a date
("yesterday" -> 2026-11-23); AMAZON.SearchQuery takes the words as they are. While Alexa's dialog
is eliciting a slot, that slot's own samples ("{duration}", "about {duration}") come first.

Then, when no sample matches, a statistical fallback that generalises from the samples the way a
trained model does: the nearest sample by TF-IDF cosine similarity over words and word pairs,
with a threshold under which it answers AMAZON.FallbackIntent. Every Resolution says how it was
reached, so the model's gaps are visible. Used by the simulator (skill/dev/simulate.py) and, exact
matching only, by the tests' conversation helper.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from skill.conversation.builder import MODEL_DIR

MODEL_PATH = MODEL_DIR / "en-US.json"
FALLBACK = "AMAZON.FallbackIntent"
SIMILARITY_THRESHOLD = 0.6  # nearest-sample similarity under which an utterance is not understood

# Alexa's built-in intents come with their own samples, which the model does not list; these are their
# common phrasings (the model may add more, and those are used too).
BUILTIN_SAMPLES = {
    "AMAZON.StopIntent": ["stop", "shut up", "off", "quit", "exit", "be quiet", "i'm done", "goodbye"],
    "AMAZON.CancelIntent": ["cancel", "never mind", "forget it"],
    "AMAZON.HelpIntent": ["help", "help me", "what can you do", "what can i say", "what can i ask"],
    "AMAZON.YesIntent": ["yes", "yeah", "yep", "sure", "okay", "ok", "please", "yes please"],
    "AMAZON.NoIntent": ["no", "nope", "no thanks", "no thank you", "not now"],
    "AMAZON.RepeatIntent": ["repeat", "repeat that", "say that again", "repeat the step"],
    "AMAZON.NavigateHomeIntent": ["go home", "start from the beginning", "main menu"],
    "AMAZON.PauseIntent": ["pause", "wait", "hold on", "hang on"],
    "AMAZON.ResumeIntent": ["resume", "continue", "keep going", "carry on", "go on"],
    "AMAZON.NextIntent": ["next", "next one", "done"],
    "AMAZON.PreviousIntent": ["previous", "go back", "back", "last one"],
    "AMAZON.StartOverIntent": ["start over", "restart", "from the top", "start again"],
}

NUMBERS = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
                "a": 1, "an": 1, "one": 1, "couple": 2, "a couple": 2, "a couple of": 2, "couple of": 2})
UNITS = {"minute": "TM", "hour": "TH", "day": "D", "night": "D", "week": "W", "month": "M", "year": "Y"}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_HEDGE = re.compile(r"^(?:about|around|roughly|nearly|almost|maybe|over|just over|more than|less than|under|"
                    r"just under|a little over|a little more than|at least)\s+")


def normalize(utterance: str) -> str:
    """Lower case, apostrophes kept, other punctuation and extra spaces gone (as Alexa hears words)."""
    text = utterance.lower().replace("’", "'").replace("-", " ")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


def _quantity(words: str) -> float | None:
    """'three', '3', 'twenty four', 'a couple of', 'an', 'one and a half' as a number."""
    half = 0.0
    if words.endswith(" and a half"):
        words, half = words[: -len(" and a half")], 0.5
    if words in ("half a", "half an"):
        return 0.5
    if re.fullmatch(r"\d+(\.\d+)?", words):
        return float(words) + half
    if words in NUMBERS:
        return NUMBERS[words] + half
    parts = words.split()
    if len(parts) == 2 and parts[0] in NUMBERS and parts[1] in NUMBERS and NUMBERS[parts[0]] >= 20:
        return NUMBERS[parts[0]] + NUMBERS[parts[1]] + half
    return None


def spoken_duration(text: str) -> str | None:
    """An AMAZON.DURATION value (ISO-8601) for spoken words like 'about three days', or None."""
    text = _HEDGE.sub("", normalize(text))
    amounts: dict[str, float] = dict.fromkeys(("Y", "M", "W", "D", "TH", "TM"), 0.0)
    for piece in re.split(r"\s+and\s+(?!a half)", text):
        match = re.fullmatch(r"(.+?)\s+(minute|hour|day|night|week|month|year)s?(\s+and\s+a\s+half)?", piece)
        if not match:
            return None
        quantity = _quantity(match.group(1) + (" and a half" if match.group(3) else ""))
        if quantity is None or quantity <= 0:
            return None
        amounts[UNITS[match.group(2)]] += quantity
    if not any(amounts.values()):
        return None
    # Fractions go down a unit, as Alexa writes them: a day and a half is P1DT12H.
    for unit, smaller, size in (("W", "D", 7), ("D", "TH", 24), ("TH", "TM", 60)):
        whole = math.floor(amounts[unit])
        if amounts[unit] != whole:
            amounts[smaller] += (amounts[unit] - whole) * size
            amounts[unit] = whole
    date_part = "".join(f"{int(amounts[unit])}{unit}" for unit in ("Y", "M", "W", "D") if amounts[unit])
    time_part = "".join(f"{int(round(amounts[unit]))}{unit[1]}" for unit in ("TH", "TM") if amounts[unit])
    return "P" + date_part + (f"T{time_part}" if time_part else "")


def spoken_date(text: str, today: date) -> str | None:
    """An AMAZON.DATE value (YYYY-MM-DD) for words like 'yesterday', 'monday', 'three days ago', or None."""
    text = normalize(text)
    text = re.sub(r"^(?:last|this past)\s+(?=" + "|".join(WEEKDAYS) + ")", "", text)
    if text in ("today", "this morning", "this afternoon", "this evening", "tonight"):
        return today.isoformat()
    if text in ("yesterday", "last night", "yesterday morning", "yesterday evening", "yesterday afternoon"):
        return (today - timedelta(days=1)).isoformat()
    if text in WEEKDAYS:
        back = (today.weekday() - WEEKDAYS.index(text)) % 7 or 7
        return (today - timedelta(days=back)).isoformat()
    match = re.fullmatch(r"(.+?)\s+days?\s+ago", text)
    if match and (count := _quantity(match.group(1))) is not None and count == int(count):
        return (today - timedelta(days=int(count))).isoformat()
    return None


@dataclass(frozen=True)
class Resolution:
    """What Alexa would send for some words: an intent, slot values, resolved ids, and how it was chosen."""

    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    resolved: dict[str, str] = field(default_factory=dict)  # custom slot type value ids (entity resolution)
    how: str = ""


@dataclass(frozen=True)
class _Sample:
    intent: str
    text: str
    slot_types: dict[str, str]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The words as a regular expression, each slot a group (compiled on first use: most samples are only
        ever looked up by their words)."""
        pieces = [f"(?P<{part[1:-1]}>.+?)" if re.fullmatch(r"\{\w+\}", part) else re.escape(normalize(part))
                  for part in re.split(r"(\{\w+\})", self.text) if part.strip()]
        return re.compile("^" + r"\s+".join(pieces) + "$")


def _unit(features: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    """A TF-IDF vector of unit length."""
    weights = {term: tf * idf.get(term, 0.0) for term, tf in features.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {term: w / norm for term, w in weights.items()}


def _features(words: list[str]) -> Counter[str]:
    return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])


class Resolver:
    """Intent resolution from an interaction model file (see the module docstring)."""

    def __init__(self, model_path: Path = MODEL_PATH, today: date | None = None):
        model = json.loads(model_path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
        self.invocation = model["invocationName"]
        self.today = today
        self.type_values = {
            slot_type["name"]: {
                normalize(word): value.get("id") or value["name"]["value"]
                for value in slot_type["values"]
                for word in [value["name"]["value"], *value["name"].get("synonyms", [])]
            }
            for slot_type in model.get("types", [])
        }
        self.samples: list[_Sample] = []
        self.catch_all: _Sample | None = None  # a sample that is a lone slot: Alexa fills it with the whole utterance
        self.literal: dict[str, _Sample] = {}  # samples without slots, by their words: matched first, in one lookup
        self.elicitation: dict[tuple[str, str], list[_Sample]] = {}
        for intent in model["intents"]:
            types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
            for text in [*BUILTIN_SAMPLES.get(intent["name"], []), *intent.get("samples", [])]:
                sample = _Sample(intent["name"], text, types)
                if re.fullmatch(r"\{\w+\}", text.strip()):
                    self.catch_all = sample  # matched only when nothing else is: see resolve()
                    continue
                self.samples.append(sample)
                if "{" not in text:
                    self.literal.setdefault(normalize(text), sample)
            for slot in intent.get("slots", []):
                self.elicitation[(intent["name"], slot["name"])] = [
                    _Sample(intent["name"], text, types) for text in slot.get("samples", [])]
        self._slotted = [sample for sample in self.samples if "{" in sample.text]

    @cached_property
    def _index(self) -> tuple[dict[str, float], dict[str, dict[int, float]], dict[str, float]]:
        """IDF weights over the samples' words and word pairs; for each term the samples that have it, with its
        weight in their unit vector (an inverted index: a query touches only its own terms); and each term's
        highest weight in any sample (what it can add to a score at most).

        Built on first use: exact matching (the tests' router) never needs it.
        """
        documents = [_features(normalize(re.sub(r"\{\w+\}", " ", s.text)).split()) for s in self.samples]
        count = len(documents)
        frequency: Counter[str] = Counter(term for document in documents for term in document)
        idf = {term: math.log((1 + count) / (1 + seen)) + 1 for term, seen in frequency.items()}
        postings: dict[str, dict[int, float]] = {}
        for index, document in enumerate(documents):
            for term, weight in _unit(document, idf).items():
                postings.setdefault(term, {})[index] = weight
        return idf, postings, {term: max(samples.values()) for term, samples in postings.items()}

    def _typed(self, sample: _Sample, captured: dict[str, str], listed: bool = False,
               ) -> tuple[dict[str, str], dict[str, str]] | None:
        """Slot values as Alexa sends them, or None when a captured value cannot be of its slot's type.

        With `listed`, a custom type's value must be one it lists: while Alexa elicits such a slot, "repeat" or
        "stop" still reach their own intents rather than filling the slot with the words.
        """
        slots, resolved = {}, {}
        for name, words in captured.items():
            kind = sample.slot_types.get(name, "")
            if kind == "AMAZON.DURATION":
                value = spoken_duration(words)
            elif kind == "AMAZON.DATE":
                value = spoken_date(words, self.today or date.today())
            else:
                value = words
            ids = self.type_values.get(kind)
            if value is None or (listed and ids is not None and words not in ids):
                return None
            slots[name] = value
            if ids is not None and words in ids:
                resolved[name] = ids[words]  # else Alexa passes the words on, unresolved
        return slots, resolved

    def exact(self, utterance: str, eliciting: tuple[str, str] | None = None) -> Resolution | None:
        """The sample the words match, slots typed: the elicited slot's own samples first, then a sample
        that is the very words, then the first sample with slots that fits ("what about {query}" never
        takes words that are a sample of their own)."""
        text = normalize(utterance)
        for sample in self.elicitation.get(eliciting, []) if eliciting else []:
            match = sample.pattern.match(text)
            typed = self._typed(sample, {k: v for k, v in match.groupdict().items() if v}, listed=True) if match else None
            if typed is not None:
                return Resolution(sample.intent, typed[0], typed[1], f"sample '{sample.text}'")
        if text in self.literal:
            return Resolution(self.literal[text].intent, how=f"sample '{self.literal[text].text}'")
        for sample in self._slotted:
            match = sample.pattern.match(text)
            if not match:
                continue
            typed = self._typed(sample, {k: v for k, v in match.groupdict().items() if v})
            if typed is not None:
                return Resolution(sample.intent, typed[0], typed[1], f"sample '{sample.text}'")
        return None

    def nearest(self, utterance: str) -> tuple[float, _Sample]:
        """The most similar sample and its cosine similarity (the first of equals, as a scan would find).

        Exact, without scoring every sample that shares a word: the samples of the rarest term are scored first,
        and a term whose samples cannot beat that score on the strength of the weakest terms alone (such as
        "my" or "back") only adds to the scores of samples found through the stronger terms.
        """
        idf, postings, ceiling = self._index
        query = {term: weight for term, weight in _unit(_features(normalize(utterance).split()), idf).items()
                 if term in postings}
        if not query:
            return 0.0, self.samples[0]

        def score(index: int) -> float:  # summed in the query's order, so equal to a full scan's sum
            total = 0.0
            for term, weight in query.items():
                sample_weight = postings[term].get(index)
                if sample_weight is not None:
                    total += weight * sample_weight
            return total

        best = max(postings[min(query, key=lambda term: len(postings[term]))], key=lambda i: (score(i), -i))
        floor, weak = score(best), 0.0
        strong = []
        for term in sorted(query, key=lambda term: query[term] * ceiling[term]):
            weak += query[term] * ceiling[term]
            if weak >= floor - 1e-9:
                strong.append(term)
        candidates = {index for term in strong for index in postings[term]}
        best = max(candidates | {best}, key=lambda i: (score(i), -i))
        return score(best), self.samples[best]

    def resolve(self, utterance: str, eliciting: tuple[str, str] | None = None) -> Resolution:
        """Exact match if there is one, else the nearest sample above the threshold, else the catch-all with the
        words (as Alexa fills a lone-slot sample with the utterance), else FallbackIntent (which carries no words)."""
        found = self.exact(utterance, eliciting)
        if found is not None:
            return found
        if not normalize(utterance):
            return Resolution(FALLBACK, how="nothing heard")
        score, sample = self.nearest(utterance)
        if score < SIMILARITY_THRESHOLD and self.catch_all is not None:
            slot = next(iter(self.catch_all.slot_types))
            return Resolution(self.catch_all.intent, {slot: normalize(utterance)},
                              how=f"no sample matched (nearest '{sample.text}' scored {score:.2f}); the catch-all carries the words")
        if score < SIMILARITY_THRESHOLD:
            return Resolution(FALLBACK, how=f"no sample matched; nearest '{sample.text}' ({sample.intent}) "
                                            f"scored {score:.2f}, under {SIMILARITY_THRESHOLD}")
        slots = {"query": normalize(utterance)} if "query" in sample.slot_types else self._spotted(sample, utterance)
        return Resolution(sample.intent, slots, how=f"no exact sample; nearest '{sample.text}' scored {score:.2f}")

    def _spotted(self, sample: _Sample, utterance: str) -> dict[str, str]:
        """Time slots Alexa would fill from words that are no sample: the longest run of words that is a time."""
        words = normalize(utterance).split()
        spotted: dict[str, str] = {}
        for name, kind in sample.slot_types.items():
            parse = {"AMAZON.DURATION": spoken_duration,
                     "AMAZON.DATE": lambda text: spoken_date(text, self.today or date.today())}.get(kind)
            runs = [" ".join(words[i:j]) for i in range(len(words)) for j in range(len(words), i, -1)]
            value = next((value for run in runs if parse and (value := parse(run)) is not None), None)
            if value is not None:
                spotted[name] = value
        return spotted


def resolver_summary(resolution: Resolution) -> str:
    """One line: the intent, its slots, and why."""
    slots = ", ".join(f"{name}={value!r}" for name, value in resolution.slots.items())
    return f"{resolution.intent}" + (f" {{{slots}}}" if slots else "") + f"  ({resolution.how})"


def as_request(resolution: Resolution) -> dict[str, Any]:
    """An IntentRequest object (no envelope) carrying the resolution, with entity resolution as Alexa adds it."""
    slots: dict[str, Any] = {}
    for name, value in resolution.slots.items():
        slot: dict[str, Any] = {"name": name, "value": value, "confirmationStatus": "NONE"}
        if name in resolution.resolved:
            slot["resolutions"] = {"resolutionsPerAuthority": [{
                "authority": "amzn1.er-authority.echo-sdk.custom",
                "status": {"code": "ER_SUCCESS_MATCH"},
                "values": [{"value": {"name": value, "id": resolution.resolved[name]}}],
            }]}
        slots[name] = slot
    return {"type": "IntentRequest", "intent": {"name": resolution.intent, "confirmationStatus": "NONE", "slots": slots}}


_SHARED: dict[str, Resolver] = {}  # by the model file's bytes (sha256): one Resolver for every copy of a model
_SEEN: dict[str, tuple[tuple[int, int], str]] = {}  # path -> (its mtime and size, the sha256 of its bytes then)


def shared(model_path: Path = MODEL_PATH) -> Resolver:
    """One Resolver per model, whichever path it is read from: the simulator run many times in one process (by the
    tests, or dialogs.py) and the release check build it once instead of each time (about 1.4 s: the samples
    compiled, then their index). A file not changed since it was last seen is not read and hashed again."""
    stat = model_path.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    seen = _SEEN.get(str(model_path))
    if seen is None or seen[0] != version:
        seen = _SEEN[str(model_path)] = (version, hashlib.sha256(model_path.read_bytes()).hexdigest())
    if seen[1] not in _SHARED:
        _SHARED[seen[1]] = Resolver(model_path)
    return _SHARED[seen[1]]
