"""Every topic answers correctly through full request envelopes, reached by how people say it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.words import content as content_module

from . import yamlio

CONTENT = content_module.load()

# topic id -> (phrasings a person might say, facts the answer must state as regexes over the spoken text)
# topic id -> phrasings a person might say, and facts the answer must state (tests/data/topics.yaml)
TOPICS: dict[str, dict[str, list[str]]] = yamlio.read(Path(__file__).parent / "data" / "topics.yaml")


def test_muscle_relaxants_answer_and_more_agree_never_to_drive_on_them():
    # 002: never drive or use machinery on them; 004: a night-time dose still affects driving the next day.
    topic = CONTENT.topics["muscle_relaxants"]
    for text in (topic.answer, topic.more or ""):
        assert re.search(r"don't drive or use machinery.*the day after a night-time dose", text, re.IGNORECASE), text
        assert not re.search(r"whether it's safe to drive|ask your doctor.{0,20}driv", text, re.IGNORECASE), text


def test_heat_or_ice_says_what_the_articles_add_alternating_and_pads_over_clothing():
    more = CONTENT.topics["heat_or_ice"].more or ""
    assert re.search(r"\balternate\b", more) and re.search(r"\bover clothing\b", more)  # 000 and 004; 004


def test_the_table_names_only_topics_the_content_has():
    assert set(TOPICS) <= set(CONTENT.topics), f"tests/data/topics.yaml names topics the content lacks: {sorted(set(TOPICS) - set(CONTENT.topics))}"


@pytest.mark.parametrize("topic_id", sorted(t.id for t in CONTENT.topics.values() if t.intent))
def test_every_topic_is_reached_by_its_samples_and_answers_with_its_own_words(alexa, topic_id):
    # No table entry needed: a new topic is tested from the content file and the model alone.
    topic = CONTENT.topics[topic_id]
    samples = [sample.text for sample in alexa.router.resolver.samples if sample.intent == topic.intent and "{" not in sample.text][:2]
    assert samples, f"{topic.intent}: no sample without slots in the model (interaction_model/source/model.yaml)"
    for sample in samples:
        reply = alexa.say(sample)
        assert reply.attributes.get("last_topic") == topic_id, f"{sample!r} reached {reply.attributes.get('last_topic')}"
        assert topic.answer in reply.speech and not reply.ended


@pytest.mark.parametrize(
    "topic_id, phrasing",
    [(topic_id, phrasing) for topic_id, entry in TOPICS.items() for phrasing in entry["phrasings"]],
)
def test_phrasing_reaches_its_topic_and_says_the_facts(alexa, topic_id, phrasing):
    alexa.launch()
    reply = alexa.say(phrasing)
    assert reply.attributes.get("last_topic") == topic_id, reply.speech
    for fact in TOPICS[topic_id]["facts"]:
        assert re.search(fact, reply.speech, re.IGNORECASE), f"{topic_id} answer lacks {fact!r}: {reply.speech}"
    assert not reply.ended


@pytest.mark.parametrize("topic_id", sorted(t.id for t in CONTENT.topics.values() if t.more))
def test_yes_after_an_answer_gives_the_longer_answer(alexa, topic_id):
    topic = CONTENT.topics[topic_id]
    first = alexa.intent(topic.intent)
    assert first.speech.endswith("Want to hear more?")
    more = alexa.say("yes")
    assert topic.more is not None and more.speech.startswith(topic.more[:40])
    assert "Want to hear more?" not in more.speech


@pytest.mark.parametrize("utterance", ["tell me more", "more", "more please"])
def test_tell_me_more_gives_the_longer_answer_of_the_last_topic(alexa, utterance):
    alexa.say("heat or ice")
    reply = alexa.say(utterance)
    assert reply.speech.startswith((CONTENT.topics["heat_or_ice"].more or "")[:40])


def test_more_with_no_topic_answered_says_so_without_guessing(alexa):
    alexa.launch()
    reply = alexa.say("tell me more")
    assert reply.speech == CONTENT.prompts["nothing_more"]


def test_no_declines_the_offer_and_keeps_listening(alexa):
    alexa.say("heat or ice")
    reply = alexa.say("no")
    assert reply.speech == CONTENT.prompts["no_thanks"]
    assert "pending" not in reply.attributes
    assert alexa.say("yes").speech == CONTENT.prompts["after_more"]  # nothing offered any more


@pytest.mark.parametrize("words", ["i fell off a ladder i'm scared", "i slipped and now it hurts", "my mum fell and hurt her back"])
def test_falls_and_injuries_are_heard_as_the_injury_warning_in_free_text_too(words):
    heard = CONTENT.warning_screen.screen(words)
    assert heard is not None and (heard.how, heard.flag) == ("said", "injury"), heard


def test_falling_asleep_is_no_fall():
    assert CONTENT.warning_screen.screen("how do i fall asleep like this") is None
    assert CONTENT.matcher.match("how do i fall asleep like this").id == "positions"


@pytest.mark.parametrize("words, topic", [
    ("can i put something cold on my back", "heat_or_ice"), ("is heat ok on my back", "heat_or_ice"),
    ("ice on my lower back", "heat_or_ice"), ("should i stretch my lower back", "exercises"),
    ("is it ok to lie on my back", "positions"), ("pain between my shoulder blades", "pulled_muscle"),
    ("my lower back hurts", "pulled_muscle"),
])
def test_the_word_that_carries_the_question_outweighs_where_it_hurts(words, topic):
    # "on my back" is three words and "cold" one: places rank after the words that are asked about.
    assert CONTENT.matcher.match(words).id == topic


# README's examples are promises to a reader: each reaches an answer, never "not sure" (a new topic that ties
# with an old one on README's own example would otherwise go unnoticed).
README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
ASK_TABLE = README.split("## What you can ask", 1)[1].split("**How long has it been.**", 1)[0]
EXAMPLE_ROWS = [re.findall(r'"([^"]+)"', line.split("|")[1]) for line in ASK_TABLE.splitlines() if line.startswith('| "')]
OWN_WORDS = re.findall(r'"([^"]+)"', ASK_TABLE.split("**In your own words.**", 1)[1].split(":", 1)[0])


@pytest.mark.parametrize("phrasings", EXAMPLE_ROWS + [[phrase] for phrase in OWN_WORDS], ids=lambda row: row[0])
def test_readmes_examples_reach_an_answer_and_a_row_reaches_one_topic(client, phrasings):
    from .alexa import Alexa, UtteranceRouter

    topics = set()
    for phrase in phrasings:
        reply = Alexa(client, UtteranceRouter(generalise=True)).say(phrase)
        for unsure in ("not_sure", "not_sure_again", "fallback"):
            assert not reply.speech.startswith(CONTENT.prompts[unsure]), f"README's example {phrase!r} got {unsure}"
        topics.add(reply.attributes.get("last_topic"))
    assert len(topics) == 1, f"README's examples {phrasings} reach different topics: {topics}"
# --- The matcher's index of phrases by their words changes nothing it matches ---------------------------------------

def _match_every_phrase(matcher, text: str):
    """The matcher as it was before its index: every phrase of every flag and topic looked for in the words."""
    from skill.words.matcher import MIN_SCORE, Match, phrase_in, tokens

    words = tokens(text)
    for flag, phrases in matcher.red_flags:
        hits = [p for p in phrases if phrase_in(p, words)]
        if hits:
            return Match("red_flag", flag, sum(len(p) for p in hits), tuple(" ".join(p) for p in hits))
    scored = []
    for topic, phrases in matcher.topics:
        hits = [p for p in phrases if phrase_in(p, words)]
        hits = [p for p in hits if not any(p != q and phrase_in(p, q) for q in hits)]
        if hits:
            asked = sum(len(p) for p in hits if p not in matcher.places)
            where = sum(len(p) for p in hits if p in matcher.places)
            scored.append(((asked, where), topic, tuple(" ".join(p) for p in hits)))
    scored.sort(key=lambda item: item[0], reverse=True)
    total = sum(scored[0][0]) if scored else 0
    if not scored or total < MIN_SCORE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return Match("none", None, total, ())
    return Match("topic", scored[0][1], total, scored[0][2])


def _table_texts() -> list[str]:
    def texts(node) -> list[str]:
        if isinstance(node, str):
            return [node]
        values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        return [text for value in values for text in texts(value)]

    found = [text for path in sorted((Path(__file__).parent / "data").glob("*.yaml")) for text in texts(yamlio.read(path))]
    return found + [" ".join(phrase) for _, phrases in CONTENT.matcher.topics for phrase in phrases]


def test_the_matcher_matches_every_table_phrasing_as_it_did_reading_every_phrase():
    texts = _table_texts()
    assert len(texts) > 800
    for text in texts:
        assert CONTENT.matcher.match(text) == _match_every_phrase(CONTENT.matcher, text), text


_MATCHER_WORDS = sorted({word for _, phrases in CONTENT.matcher.topics for phrase in phrases for word in phrase}
                        | {"and", "i", "my", "the", "what", "ow"})


@settings(deadline=None)
@given(st.lists(st.sampled_from(_MATCHER_WORDS), max_size=10))
def test_the_matcher_matches_any_words_as_it_did_reading_every_phrase(words):
    text = " ".join(words)
    assert CONTENT.matcher.match(text) == _match_every_phrase(CONTENT.matcher, text)


def test_an_indexed_red_flag_list_keeps_its_order():
    from skill.words.matcher import Matcher

    matcher = Matcher({"emergency": ["bladder", "numb groin"], "nerve": ["numb leg"]}, {"a": ["leg"]})
    for text in ["numb leg and bladder", "bladder", "my leg is numb", "numb groin and numb leg", "leg"]:
        assert matcher.match(text) == _match_every_phrase(matcher, text), text
