"""Matches a question in the user's own words to a topic or a red flag, explainably.

Each topic and red flag lists words and phrases in the content file. A phrase matches when its
words appear in the question in order, with at most two other words between neighbours
("my left leg is really weak" matches "leg weak"). A topic scores the number of words in the
phrases it matched, so longer, more specific phrases count for more. Red flags are checked
first and win on any match. A question matches a topic only when one topic scores best with at
least MIN_SCORE; a tie or a weak score is "not sure", and the skill says what it can help with
rather than guessing a medical answer.

Places ("on my back", "lower back") say where it hurts, not what is asked: topics are ranked first
by the words that are not places, so in "can I put something cold on my back" the word "cold"
decides, not the longer "on my back". A question that is nothing but a place still reaches the
topic whose words those are ("pain between my shoulder blades").
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_SCORE = 1
MAX_GAP = 2  # other words allowed between two words of a phrase


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words with light stemming, so 'stretches' and 'stretch' meet."""
    words = re.findall(r"[a-z0-9']+", text.lower().replace("’", "'").replace("-", " "))
    return tuple(_stem(word) for word in words)


def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, min_length in (("ing", 6), ("es", 5), ("s", 4)):
        if len(word) >= min_length and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def _phrases(phrases: Iterable[str]) -> list[tuple[str, ...]]:
    """Tokenised phrases, without the empty ones and the ones that stem alike."""
    return [phrase for phrase in dict.fromkeys(tokens(p) for p in phrases) if phrase]


def phrase_in(phrase: Sequence[str], words: Sequence[str]) -> bool:
    """Whether the phrase's words occur in order, each within MAX_GAP words of the last."""
    for start, word in enumerate(words):
        if word != phrase[0]:
            continue
        position, found = start, True
        for part in phrase[1:]:
            window = words[position + 1 : position + 2 + MAX_GAP]
            if part not in window:
                found = False
                break
            position = position + 1 + window.index(part)
        if found:
            return True
    return False


class _Index:
    """Lists of phrases (a topic's, a red flag's), indexed so that a text is read only for the phrases whose every
    word it holds (phrase_in looks for each of them): of 307 topic phrases, a question holds a few."""

    def __init__(self, lists: Sequence[Sequence[tuple[str, ...]]]):
        self.lists = lists
        self.needs = [[frozenset(phrase) for phrase in phrases] for phrases in lists]
        firsts: dict[str, list[tuple[int, int]]] = {}
        for which, phrases in enumerate(lists):
            for number, phrase in enumerate(phrases):
                firsts.setdefault(phrase[0], []).append((which, number))
        self.firsts = {word: tuple(places) for word, places in firsts.items()}

    def found(self, words: Sequence[str]) -> dict[int, list[tuple[str, ...]]]:
        """Each list's phrases that are in the words, in their order: {i: [p for p in lists[i] if phrase_in(p, words)]},
        in the lists' order, lists with none left out."""
        present = set(words)
        found: dict[int, list[tuple[str, ...]]] = {}
        for which, number in sorted(place for word in present & self.firsts.keys() for place in self.firsts[word]
                                    if self.needs[place[0]][place[1]] <= present):
            phrase = self.lists[which][number]
            if phrase_in(phrase, words):
                found.setdefault(which, []).append(phrase)
        return found


@dataclass(frozen=True)
class Match:
    """What a question matched: a red flag or a topic id, its score, and the phrases that counted."""

    kind: str  # "red_flag", "topic" or "none"
    id: str | None
    score: int
    phrases: tuple[str, ...]


class Matcher:
    """Built once from the content's vocabularies; matching is a pure function of the text."""

    def __init__(self, red_flags: Mapping[str, Iterable[str]], topics: Mapping[str, Iterable[str]],
                 places: Iterable[str] = ()):
        self.red_flags = [(flag, _phrases(phrases)) for flag, phrases in red_flags.items()]
        self.topics = [(topic, _phrases(phrases)) for topic, phrases in topics.items()]
        self.places = frozenset(_phrases(places))
        self._flag_index = _Index([phrases for _, phrases in self.red_flags])
        self._topic_index = _Index([phrases for _, phrases in self.topics])

    def red_flag(self, text: str) -> Match | None:
        """The first red flag (in content order: emergency first) the text mentions."""
        return self._red_flag(tokens(text))

    def _red_flag(self, words: tuple[str, ...]) -> Match | None:
        found = self._flag_index.found(words)
        for number, hits in found.items():  # in content order (emergency first), as found lists them
            flag = self.red_flags[number][0]
            if hits:
                return Match("red_flag", flag, sum(len(p) for p in hits), tuple(" ".join(p) for p in hits))
        return None

    def match(self, text: str) -> Match:
        """A red flag, else the single best-scoring topic, else 'none'."""
        words = tokens(text)
        flag = self._red_flag(words)
        if flag is not None:
            return flag
        scored = self._scored(words)
        total = sum(scored[0][0]) if scored else 0
        if not scored or total < MIN_SCORE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return Match("none", None, total, ())
        _, best_topic, best_phrases = scored[0]
        return Match("topic", best_topic, total, best_phrases)

    def ranked(self, text: str) -> list[tuple[str, tuple[int, int], tuple[str, ...]]]:
        """Every topic the text names, best first, with its score (words asked, words of a place) and phrases:
        why `match` chose one, or found a tie or too weak a score (the simulator shows it to content editors)."""
        return [(topic, score, phrases) for score, topic, phrases in self._scored(tokens(text))]

    def _scored(self, words: tuple[str, ...]) -> list[tuple[tuple[int, int], str, tuple[str, ...]]]:
        found = self._topic_index.found(words)
        scored: list[tuple[tuple[int, int], str, tuple[str, ...]]] = []
        for number, hits in found.items():  # in content order, topics with no phrase in the words left out
            topic = self.topics[number][0]
            # A phrase inside a longer matched phrase of the same topic does not count twice.
            hits = [p for p in hits if not any(p != q and phrase_in(p, q) for q in hits)]
            if hits:
                asked = sum(len(p) for p in hits if p not in self.places)
                where = sum(len(p) for p in hits if p in self.places)
                scored.append(((asked, where), topic, tuple(" ".join(p) for p in hits)))
        scored.sort(key=lambda item: item[0], reverse=True)  # stable: equal scores stay in content order
        return scored
