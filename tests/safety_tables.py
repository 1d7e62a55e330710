"""Safety phrase tables, heard through the whole skill: each phrasing resolved as the simulator does (exact
sample, nearest sample, then the catch-all with the words), posted as a full Alexa request in every state of
the sweep and in every market, and judged by the urgency the reply leads with.

Used by tests/test_safety_tables.py (every state in one market, every market at launch) and by
bench/routing.py (every state in every market, with before/after figures).
"""
from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from skill.conversation import said
from skill.conversation.builder import MODEL_DIR
from skill.words import content as content_module
from skill.words import ssml

from . import yamlio
from .alexa import Alexa, UtteranceRouter, intent_request

DATA = Path(__file__).parent / "data"
URGENCIES = ("emergency", "today", "doctor")
HARMLESS = "harmless"
MARKETS = sorted(path.stem for path in MODEL_DIR.glob("*.json"))


def load_table(name: str) -> dict[str, list[str]]:
    """A table: urgency (or harmless) -> phrasings."""
    table = yamlio.read(DATA / name)
    assert set(table) <= {*URGENCIES, HARMLESS}, f"{name}: unknown keys {set(table) - {*URGENCIES, HARMLESS}}"
    return table


def _opening(markup: str) -> str:
    """The first sentence, as words."""
    first = re.split(r"(?<=[.!?])\s", re.sub(r"<[^>]+>", "", markup), maxsplit=1)[0]
    return " ".join(ssml.spoken_words(first))


@functools.cache
def openings(locale: str) -> list[tuple[str, str]]:
    """The first sentence of each red flag's answer in a market, with the flag's urgency."""
    content = content_module.Contents(MARKETS).for_locale(locale)
    result = []
    for flag in content.red_flags.values():
        urgency = getattr(getattr(flag, "urgency", None), "value", None) or ("emergency" if flag.ends_session else "today")
        result.append((_opening(said.say(content, "red_flag", flag.id, "speech").markup), urgency))
    return sorted(result, key=lambda item: -len(item[0]))


# "It's been going on three weeks" is answered by its time: these bands' advice is to see a doctor.
DOCTOR_BANDS = ("past_a_week", "weeks")


@functools.cache
def band_tails(locale: str) -> tuple[str, ...]:
    """What follows the time in the first sentence of each see-a-doctor band ("At 3 weeks, please see your doctor")."""
    content = content_module.Contents(MARKETS).for_locale(locale)
    return tuple(" ".join(ssml.spoken_words(band.answer.split("{elapsed}")[1].split(".")[0]))
                 for band in content.triage.bands if band.id in DOCTOR_BANDS)


def urgency_of(speech_markup: str, locale: str) -> str:
    """The urgency the reply leads with: a red flag's answer first (or a see-a-doctor time band), or 'none'."""
    spoken = " ".join(ssml.spoken_words(speech_markup))
    for opening, urgency in openings(locale):
        if spoken.startswith(opening):
            return urgency
    if spoken.startswith("At ") and any(tail in spoken.split(" At ")[0] for tail in band_tails(locale)):
        return "doctor"
    return "none"


@dataclass
class Outcome:
    """What a table got: cells right and wrong, and the phrasings that went wrong (with where)."""

    cells: int = 0
    right: int = 0
    misses: dict[str, list[str]] = field(default_factory=dict)  # phrasing -> "state/locale: got X"

    def add(self, phrasing: str, where: str, want: str, got: str) -> None:
        self.cells += 1
        ok = got == "none" if want == HARMLESS else got == want
        if ok:
            self.right += 1
        else:
            self.misses.setdefault(phrasing, []).append(f"{where}: got {got}")


@functools.cache
def _routed(text: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """What Alexa would send for the words, as the simulator resolves them (once per phrasing)."""
    return UtteranceRouter(generalise=True).route_resolved(text)


def measure(client, table: dict[str, list[str]], states: dict[str, Callable[[Alexa], None]],
            locales: Iterable[str]) -> dict[str, Outcome]:
    """Each phrasing in each state and market; an Outcome per key of the table."""
    router = UtteranceRouter(generalise=True)
    routed = {text: _routed(text) for texts in table.values() for text in texts}
    outcomes = {key: Outcome() for key in table}
    for locale in locales:
        for number, (state_name, setup) in enumerate(states.items()):
            base = Alexa(client, router, user_id=f"amzn1.ask.account.safety{locale}{number}", locale=locale)
            setup(base)
            for key, texts in table.items():
                for text in texts:
                    alexa = copy.copy(base)
                    alexa.attributes = copy.deepcopy(base.attributes)
                    name, slots, resolved = routed[text]
                    reply = alexa.post(json.loads(json.dumps(intent_request(name, slots, resolved=resolved))))
                    outcomes[key].add(text, f"{state_name}/{locale}", key, urgency_of(reply.ssml, locale))
    return outcomes
