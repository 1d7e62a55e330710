"""The warning-sign screen: what an utterance says about the red flags, with negation and questions understood.

Every utterance the skill receives as words (a catch-all's words, a question's words, any slot) is read
here before anything else. A red flag's phrases are matched as in skill/words/matcher.py (its words in order,
a couple of other words allowed between them); a phrase written "a + b" matches when both parts are anywhere
in one clause, in any order ("{numb} + {saddle}": "pins and needles all round my privates"). Each place a
phrase is found is then read in its clause:

  - said:   "my legs have gone weak", "she wet herself"            -> the red flag (the answer leads with it)
  - asked:  "is tingling a bad sign", "what if my leg goes numb"    -> what the signs are and what to do
  - denied: "no numbness", "my bladder is fine", "i haven't fallen" -> reassured, never an alarm

Someone beside the person speaks for them: "he", "she", "his", "her" are read as "i" and "my". A sign
said anywhere outranks one denied or asked elsewhere ("no numbness but i wet myself"), and the most
urgent flag (content order) wins. When in doubt it is "said": a question that also tells of the sign
("is it bad that i can't feel my legs") is a red flag, because the safer reading wins.

The words that mark negation, questions and clauses are data (`warning_signs:` in the content file).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from skill.words.matcher import MAX_GAP, _stem

SAID, ASKED, DENIED = "said", "asked", "denied"
MANY = "{many}"  # a phrase word that stands for a number of five or more ("ten paracetamol")
_NUMBER_WORDS = {
    _stem(word): value for word, value in {
        "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12, "load": 5, "loads": 5,
        "handful": 5}.items()
}
_GROUP = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class ScreenWords:
    """The words that shape how a sign is read; from the content file's `warning_signs:` section."""

    same_as: Mapping[str, str]  # words -> the words they are read as ("she" -> "i", "fell asleep" -> "slept")
    negators: frozenset[str]  # a sign after one of these (a few words before it) is denied
    reassurances: frozenset[str]  # a sign followed shortly by one of these ("is fine") is denied
    hypotheticals: frozenset[str]  # a sign after one of these ("if") is asked about, not told
    openers: frozenset[str]  # a clause that starts with one of these is a question
    first_person: frozenset[str]  # words that tell of the speaker (or, after same_as, of the person spoken for)
    clause_breaks: frozenset[str]  # words that start a new clause ("but")
    keep: frozenset[str] = frozenset()  # words never stemmed ("legs" is not "leg": both legs is an emergency)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # {name} in a phrase: any of these
    frames: Mapping[str, str] = field(default_factory=dict)  # "asked"/"denied" -> how a framed sign is heard: "no {sign}"

    @functools.cached_property
    def multiword(self) -> tuple[tuple[str, str], ...]:
        """The same_as entries of more than one word, in order, as tokens() replaces them (" can not " ...)."""
        return tuple((f" {phrase} ", f" {meaning} ") for phrase, meaning in self.same_as.items() if " " in phrase)


@dataclass(frozen=True)
class Heard:
    """What the screen heard: a red flag said, asked about, or denied, and the phrase that showed it."""

    how: str  # SAID, ASKED or DENIED
    flag: str
    phrase: str


def _word(word: str, words: ScreenWords) -> str:
    word = words.same_as.get(word, word)
    return word if word in words.keep else _stem(word)


def tokens(text: str, words: ScreenWords, read: dict[str, str] | None = None) -> list[str]:
    """Lower-case words, read as `same_as` says ("can not" is "can't"), lightly stemmed except `keep`.

    `read`: words already read, and how (the screen's start-up reads thousands of phrases made of a few hundred words).
    """
    text = " " + " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("’", "'").replace("-", " "))) + " "
    for phrase, meaning in words.multiword:
        text = text.replace(phrase, meaning)
    raw = text.split()
    joined: list[str] = []
    for word in raw:
        if word == "not" and joined and joined[-1] == "can":
            joined[-1] = "can't"
        else:
            joined.append(word)
    if read is None:
        return [_word(word, words) for word in joined]
    return [read[word] if word in read else read.setdefault(word, _word(word, words)) for word in joined]


def _many(word: str) -> bool:
    return (word.isdigit() and int(word) >= 5) or _NUMBER_WORDS.get(word, 0) >= 5


Part = tuple[tuple[str, ...], ...]  # one part of a phrase: its alternatives, each as words
Phrase = tuple[Part, ...]  # a phrase: one part, or several that must all be in the clause


def _found_parts(phrase: Phrase, words: Sequence[str], worth: Sequence[Part] | None = None) -> list[tuple[int, int]]:
    """Spans where a phrase is found: a one-part phrase where its words are; several parts, the first of each.

    `worth`: of each part, only the alternatives that could be found in these words, in their order (default: all).
    """
    found = [[span for alternative in part for span in _found(alternative, words)] for part in (worth or phrase)]
    if len(phrase) == 1:
        return found[0]
    if not all(found):
        return []
    firsts = [min(spans) for spans in found]
    return [(min(start for start, _ in firsts), max(end for _, end in firsts))]


def _found(phrase: Sequence[str], words: Sequence[str]) -> list[tuple[int, int]]:
    """Where a phrase's words occur in order (at most MAX_GAP others between neighbours): (start, end) spans."""
    spans = []
    for start, word in enumerate(words):
        if not (word == phrase[0] or (phrase[0] == MANY and _many(word))):
            continue
        position = start
        for part in phrase[1:]:
            window = words[position + 1 : position + 2 + MAX_GAP]
            hit = next((i for i, w in enumerate(window) if w == part or (part == MANY and _many(w))), None)
            if hit is None:
                break
            position = position + 1 + hit
        else:
            spans.append((start, position + 1))
    return spans


@dataclass(frozen=True)
class _Tables:
    """The screen's phrases, read and indexed (see WarningScreen._tables)."""

    flags: list[tuple[str, list[Phrase]]]  # each flag's phrases, most urgent flag first
    numbered: list[tuple[str, Phrase]]  # every phrase, numbered in the order it is tried
    starting: dict[str, set[int]]  # by the word a phrase starts with, the phrases that could be in a clause holding it
    firsts: list[tuple[dict[str, tuple[int, ...]], ...]]  # of each phrase, each part's alternatives by first word
    needs: list[tuple[tuple[frozenset[str], ...], ...]]  # of each phrase, the words each alternative of each part needs


_READ: dict[str, _Tables] = {}  # each distinct screen's tables, by its phrases and words


class WarningScreen:
    """Built once from the content's red flags (most urgent first) and its screen words; a pure function of the text.

    Its phrases are read and indexed the first time it is given words (tens of milliseconds: a few thousand
    phrases once the {groups} are expanded): a Lambda function's cold start that opens the skill ("Alexa, open
    ...") hears no words and need not wait for it. The web app prepares every locale's screen at start-up.
    """

    def __init__(self, flags: Mapping[str, Iterable[str]], words: ScreenWords):
        # The marker words are read the way the text is ("does" is stemmed like any word), so they meet.
        marked = {name: frozenset(_word(word, words) for word in getattr(words, name))
                  for name in ("negators", "reassurances", "hypotheticals", "openers", "first_person", "clause_breaks")}
        self.words = replace(words, **marked)  # type: ignore[arg-type]  # all frozensets, by their names
        self._phrases = {flag: tuple(phrases) for flag, phrases in flags.items()}

    @property
    def flags(self) -> list[tuple[str, list[Phrase]]]:
        """Each flag's phrases, read (most urgent flag first)."""
        return self._tables.flags

    def prepare(self) -> None:
        """Read and index the phrases now, not at the first words heard."""
        _ = self._tables

    @functools.cached_property
    def _tables(self) -> _Tables:
        # Markets that share their phrases and words (most do) share one reading of them.
        key = repr((self._phrases, self.words))
        if key not in _READ:
            _READ[key] = self._read()
        return _READ[key]

    def _read(self) -> _Tables:
        read: dict[str, str] = {}  # each word of the phrases, read once (a few hundred words make thousands of phrases)
        flags = [(flag, [self._parts(p, read) for p in dict.fromkeys(phrases)]) for flag, phrases in self._phrases.items()]
        # Every phrase, numbered in the order it is tried (most urgent flag first), and, by the word a phrase
        # starts with, the phrases that could be found in a clause holding that word: a phrase is found only
        # where its first part is, and that starts with one of its alternatives' first words. Looking up a
        # clause's words picks the few phrases worth reading it for (every request's words are screened).
        numbered = [(flag, phrase) for flag, phrases in flags for phrase in phrases]
        starting: dict[str, set[int]] = {}
        for number, (_, phrase) in enumerate(numbered):
            for alternative in phrase[0]:
                starting.setdefault(alternative[0], set()).add(number)
        # Within a phrase, likewise: each part's alternatives by their first word ("{numb} {legs}" stands for
        # hundreds), and the words each needs; only those whose every word is in a clause are read, in their order.
        firsts: list[tuple[dict[str, tuple[int, ...]], ...]] = []
        needs = [tuple(tuple(frozenset(alternative) for alternative in part) for part in phrase) for _, phrase in numbered]
        for _, phrase in numbered:
            parts = []
            for part in phrase:
                by_first: dict[str, list[int]] = {}
                for index, alternative in enumerate(part):
                    by_first.setdefault(alternative[0], []).append(index)
                parts.append({word: tuple(indices) for word, indices in by_first.items()})
            firsts.append(tuple(parts))
        return _Tables(flags, numbered, starting, firsts, needs)

    def _parts(self, phrase: str, read: dict[str, str]) -> Phrase:
        """A phrase as its parts ("a + b"), each with every alternative its {group}s stand for."""
        return tuple(tuple(dict.fromkeys(self._phrase(e, read) for e in self._expand(part.strip())))
                     for part in phrase.split(" + "))

    def _expand(self, phrase: str) -> list[str]:
        """A phrase with {group}s, as every phrase it stands for ("{numb} {saddle}": "numb groin", ...)."""
        found = next((m for m in _GROUP.finditer(phrase) if m.group(1) in self.words.groups), None)
        if found is None:
            return [phrase]
        return [expanded for member in self.words.groups[found.group(1)]
                for expanded in self._expand(phrase[: found.start()] + member + phrase[found.end():])]

    def _phrase(self, phrase: str, read: dict[str, str] | None = None) -> tuple[str, ...]:
        """A phrase's words as the screen reads them; {many} kept as the marker for a large number."""
        parts = [tokens(part, self.words, read) for part in phrase.split(MANY)]
        return tuple(word for index, part in enumerate(parts) for word in ([MANY] if index else []) + part)

    def clauses(self, text: str) -> list[list[str]]:
        """The text's clauses: split at punctuation and at words like "but"."""
        clauses: list[list[str]] = []
        for piece in re.split(r"[.,;!?]+", text):
            current: list[str] = []
            for word in tokens(piece, self.words):
                if word in self.words.clause_breaks and current:
                    clauses.append(current)
                    current = []
                else:
                    current.append(word)
            if current:
                clauses.append(current)
        return clauses

    def read(self, clause: Sequence[str], start: int, end: int, phrase: Phrase = ()) -> str:
        """How a sign found at clause[start:end] is meant: SAID, ASKED or DENIED."""
        w = self.words
        before, after = clause[:start], clause[end:]
        if any(word in w.negators for word in before[-3:]) and not (before[-2:] == ["oh", "no"]):
            return DENIED
        # "my groin isn't numb": a negator between the phrase's words that is not one of them
        own = sum(word in w.negators for part in phrase for word in part[0]) if phrase else 0
        if sum(word in w.negators for word in clause[start:end]) > own:
            return DENIED
        for index, word in enumerate(after[:4]):
            if word in w.negators:
                break
            if word in w.reassurances:
                return DENIED if index <= 2 else SAID
        if any(word in w.hypotheticals for word in before):
            return ASKED
        if clause and clause[0] in w.openers:
            # "should i worry about tingling": the "i" that asks is not one that tells of the sign
            telling = [i for i, word in enumerate(clause) if word in w.first_person and not (i == 1 and word == "i")]
            if not telling:
                return ASKED
        return SAID

    @staticmethod
    def _present(clause: Sequence[str]) -> set[str]:
        """A clause's words, and MANY if one of them is a large number."""
        words = set(clause)
        if any(_many(word) for word in words):
            words.add(MANY)
        return words

    def _could_be_in(self, words: set[str]) -> set[int]:
        """The numbers of the phrases that could be found in a clause (its words): those starting with one of them."""
        starting = self._tables.starting
        return set().union(*(starting.get(word, ()) for word in words))

    def _worth(self, number: int, words: set[str]) -> list[Part] | None:
        """Of each part of a phrase, the alternatives whose words are all among a clause's, in their order (only those
        can be found in it: _found looks for each of their words); None when a part has none (nothing can be found)."""
        tables, worth = self._tables, []
        for part, firsts, needs in zip(tables.numbered[number][1], tables.firsts[number], tables.needs[number], strict=True):
            indices = [index for word in words & firsts.keys() for index in firsts[word] if needs[index] <= words]
            if not indices:
                return None
            worth.append(tuple(part[index] for index in sorted(indices)))
        return worth

    def screen(self, text: str) -> Heard | None:
        """The most urgent sign said; else one asked about; else one denied; else None."""
        if not text or not text.strip():
            return None
        clauses = [(clause, words, self._could_be_in(words)) for clause in self.clauses(text)
                   for words in [self._present(clause)]]
        quieter: dict[str, Heard] = {}
        for number in sorted(set().union(*(could for _, _, could in clauses))):  # in the order phrases are tried
            flag, phrase = self._tables.numbered[number]
            for clause, words, could in clauses:
                worth = self._worth(number, words) if number in could else None
                if worth is None:
                    continue
                for start, end in _found_parts(phrase, clause, worth):
                    how = self.read(clause, start, end, phrase)
                    heard = Heard(how, flag, " ".join(clause[start:end]))
                    if how == SAID:
                        return heard
                    quieter.setdefault(how, heard)
        return quieter.get(ASKED) or quieter.get(DENIED)
