"""The safety phrase tables, heard through the whole skill (tests/safety_tables.py): every warning sign gets its
urgent answer first and no harmless phrasing alarms: every phrasing in the states that route differently, a sample
in every other state of the sweep, and every phrasing in every market at launch. bench/routing.py runs the full
product of states and markets.

Table 1 was written before the screen and the model changed (and its misses then shaped them); table 2 was
written after, by someone who had read neither, and never used to grow them.
"""
from __future__ import annotations

import pytest

from .safety_tables import HARMLESS, MARKETS, load_table, measure
from .test_sweep import STATES

TABLES = ["safety_table_1.yaml", "safety_table_2.yaml", "safety_table_3.yaml"]


def _report(outcomes) -> str:
    return "\n".join(f"{key}: {phrasing!r} {where[:3]}" for key, outcome in outcomes.items()
                     for phrasing, where in outcome.misses.items())


# The states where what Alexa sends, or which handlers listen, differ most: a fresh launch, a question left open, a
# slot being elicited, a routine getting into place, holding, paused, and waiting on its own question. Every
# phrasing is heard in each of these; in every other state of the sweep, the first phrasings of each kind are.
# (bench/routing.py hears every phrasing in every state and market: docs/safety.md has its figures.)
KEY_STATES = ["launched", "more offered", "how-long asked", "positions, moving into place", "positions, holding",
              "breathing, paused", "exercises, asked whether the worst has passed"]
SAMPLED = 4  # phrasings of each kind heard in the other states


@pytest.mark.parametrize("name", TABLES)
def test_every_sign_first_and_no_false_alarm_in_the_key_states(client, name):
    outcomes = measure(client, load_table(name), {state: STATES[state] for state in KEY_STATES}, ["en-US"])
    assert all(not outcome.misses for outcome in outcomes.values()), _report(outcomes)


@pytest.mark.parametrize("name", TABLES)
def test_signs_first_and_no_false_alarm_in_every_other_state(client, name):
    table = {key: texts[:SAMPLED] for key, texts in load_table(name).items()}
    others = {state: setup for state, setup in STATES.items() if state not in KEY_STATES}
    outcomes = measure(client, table, others, ["en-US"])
    assert all(not outcome.misses for outcome in outcomes.values()), _report(outcomes)
    assert sum(outcome.cells for outcome in outcomes.values()) >= SAMPLED * len(others)


@pytest.mark.parametrize("name", TABLES)
def test_every_sign_first_and_no_false_alarm_in_every_market(client, name):
    states = {state: STATES[state] for state in ("launched",)}  # every state in every market: bench/routing.py
    outcomes = measure(client, load_table(name), states, [*MARKETS, "en-NZ", "de-DE"])
    assert all(not outcome.misses for outcome in outcomes.values()), _report(outcomes)


@pytest.mark.parametrize("name, minimum", [("safety_table_1.yaml", (150, 60)), ("safety_table_2.yaml", (60, 15)),
                                           ("safety_table_3.yaml", (60, 15))])
def test_the_tables_are_big_and_varied_enough(name, minimum):
    table = load_table(name)
    flags = [text for key, texts in table.items() if key != HARMLESS for text in texts]
    assert len(flags) + len(table.get(HARMLESS, [])) >= sum(minimum)
    assert len(flags) >= minimum[0] * 0.9 and len(table.get(HARMLESS, [])) >= minimum[1]
    assert len(set(flags)) == len(flags)


def test_the_judge_can_fail(client):
    # A harmless phrasing filed as an emergency, and a red flag filed as harmless, are both caught.
    outcomes = measure(client, {"emergency": ["heat or ice"], HARMLESS: ["i wet myself"]}, {"launched": STATES["launched"]},
                       ["en-US"])
    assert outcomes["emergency"].misses and outcomes[HARMLESS].misses
