"""Every topic answers correctly through full request envelopes, reached by how people say it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.words import content as content_module

CONTENT = content_module.load()

# topic id -> (phrasings a person might say, facts the answer must state as regexes over the spoken text)
TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "heat_or_ice": (
        ["heat or ice", "ice or heat for this", "should I put heat on it", "is cold better", "hot or cold"],
        [r"\bice\b|\bcold\b", r"\bheat\b", r"towel", r"bare skin", r"fifteen minutes", r"couple of hours"],
    ),
    "see_doctor": (
        ["when should I see a doctor", "is this serious", "do I need to go to the ER", "warning signs"],
        [r"emergency", r"bladder or bowels", r"numbness", r"twelve hours"],
    ),
    "first_aid": (
        ["what do I do", "my back locked up", "I threw my back out", "how do I make it stop"],
        [r"position", r"breathe slowly", r"fifteen minutes"],
    ),
    "pain_relief": (
        ["ibuprofen or tylenol", "what can I take", "is paracetamol ok", "pain killers"],
        [r"ibuprofen", r"naproxen", r"aspirin", r"acetaminophen", r"not an anti-inflammatory", r"label", r"pharmacist or doctor"],
    ),
    "muscle_relaxants": (
        ["muscle relaxants", "what about valium", "can I drive on muscle relaxants", "muscle relaxers"],
        [r"prescription", r"briefly", r"drowsy", r"don't drive or use machinery", r"day after a night-time dose"],
    ),
    "rest_or_move": (
        ["should I rest", "should I stay in bed", "can I walk", "bed rest"],
        [r"rest", r"day or two", r"short walks"],
    ),
    "positions": (
        ["what position helps", "how should I lie down", "pillow under my knees", "can I sit in a recliner"],
        [r"on your back", r"thirty degrees", r"pillow under your knees", r"reclining chair"],
    ),
    "breathing": (
        ["how should I breathe", "breathing tips", "it hurts to breathe"],
        [r"slow", r"shallow", r"hold our breath", r"four", r"six"],
    ),
    "what_is_spasm": (["what is a back spasm", "why is my back so tight", "what's a spasm"], [r"clamping", r"by itself", r"guarding"]),
    "causes": (
        ["what causes it", "why did this happen", "is it from lifting", "can dehydration cause it"],
        [r"strain", r"lifting", r"twisting", r"stomach muscles", r"posture", r"stress", r"dehydration", r"spine"],
    ),
    "how_long": (["how long does it last", "when will it go away", "how long to heal"], [r"week or two", r"twelve hours", r"doctor"]),
    "prevention": (["how do I prevent it", "how do I stop it coming back", "does posture matter"], [r"active", r"stretches", r"posture", r"stress"]),
    "exercises": (["what exercises help", "physical therapy", "stretches for my back"], [r"physical therapy", r"eased", r"stop"]),
    "therapies": (["does massage help", "tens", "should I see a chiropractor", "steroid injection"], [r"massage", r"TENS", r"chiropractic", r"injection"]),
    "diagnosis": (["do I need an MRI", "x ray", "what should I tell my doctor"], [r"X-ray", r"MRI or CT"]),
    "surgery": (["do I need surgery", "back surgery", "will they operate"], [r"rarely", r"last resort"]),
    "stress": (["can stress cause it", "anxiety", "why are my muscles twitching"], [r"stress", r"anxi", r"twitch"]),
    "pulled_muscle": (["is it a pulled muscle", "neck strain", "pain between my shoulder blades"], [r"neck", r"upper.back", r"lower.back"]),
    "leg_cramps": (["leg cramp", "charley horse", "my calf is cramping"], [r"calf|hamstring", r"toes back toward your shin", r"towel or belt"]),
}


def test_muscle_relaxants_answer_and_more_agree_never_to_drive_on_them():
    # 002: never drive or use machinery on them; 004: a night-time dose still affects driving the next day.
    topic = CONTENT.topics["muscle_relaxants"]
    for text in (topic.answer, topic.more or ""):
        assert re.search(r"don't drive or use machinery.*the day after a night-time dose", text, re.IGNORECASE), text
        assert not re.search(r"whether it's safe to drive|ask your doctor.{0,20}driv", text, re.IGNORECASE), text


def test_heat_or_ice_says_what_the_articles_add_alternating_and_pads_over_clothing():
    more = CONTENT.topics["heat_or_ice"].more or ""
    assert re.search(r"\balternate\b", more) and re.search(r"\bover clothing\b", more)  # 000 and 004; 004


def test_every_topic_in_the_content_is_tested():
    assert set(TOPICS) == {topic.id for topic in CONTENT.topics.values() if topic.intent}
    # a topic reached only by words (pain talk) is tested in tests/test_companion.py


@pytest.mark.parametrize(
    "topic_id, phrasing",
    [(topic_id, phrasing) for topic_id, (phrasings, _) in TOPICS.items() for phrasing in phrasings],
)
def test_phrasing_reaches_its_topic_and_says_the_facts(alexa, topic_id, phrasing):
    alexa.launch()
    reply = alexa.say(phrasing)
    assert reply.attributes.get("last_topic") == topic_id, reply.speech
    for fact in TOPICS[topic_id][1]:
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
    assert reply.speech == CONTENT.prompt("nothing_more")


def test_no_declines_the_offer_and_keeps_listening(alexa):
    alexa.say("heat or ice")
    reply = alexa.say("no")
    assert reply.speech == CONTENT.prompt("no_thanks")
    assert "pending" not in reply.attributes
    assert alexa.say("yes").speech == CONTENT.prompt("after_more")  # nothing offered any more


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
    import yaml

    def texts(node) -> list[str]:
        if isinstance(node, str):
            return [node]
        values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        return [text for value in values for text in texts(value)]

    found = [text for path in sorted((Path(__file__).parent / "data").glob("*.yaml")) for text in texts(yaml.safe_load(path.read_text()))]
    return found + [" ".join(phrase) for _, phrases in CONTENT.matcher.topics for phrase in phrases]


def test_the_matcher_matches_every_table_phrasing_as_it_did_reading_every_phrase():
    texts = _table_texts()
    assert len(texts) > 800
    for text in texts:
        assert CONTENT.matcher.match(text) == _match_every_phrase(CONTENT.matcher, text), text


_MATCHER_WORDS = sorted({word for _, phrases in CONTENT.matcher.topics for phrase in phrases for word in phrase}
                        | {"and", "i", "my", "the", "what", "ow"})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_MATCHER_WORDS), max_size=10))
def test_the_matcher_matches_any_words_as_it_did_reading_every_phrase(words):
    text = " ".join(words)
    assert CONTENT.matcher.match(text) == _match_every_phrase(CONTENT.matcher, text)


def test_an_indexed_red_flag_list_keeps_its_order():
    from skill.words.matcher import Matcher

    matcher = Matcher({"emergency": ["bladder", "numb groin"], "nerve": ["numb leg"]}, {"a": ["leg"]})
    for text in ["numb leg and bladder", "bladder", "my leg is numb", "numb groin and numb leg", "leg"]:
        assert matcher.match(text) == _match_every_phrase(matcher, text), text
