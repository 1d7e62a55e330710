"""A companion for someone in pain (issue 20): scenarios spoken as someone mid-spasm would, resolved as the
simulator resolves them (exact sample, nearest sample, then the catch-all with the words) and posted as full
Alexa request envelopes. Each asserts what the person needs to hear, by content id or the content's own lines.
"""
from __future__ import annotations

import pytest

from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter
from .test_sweep import STATES

CONTENT = content_module.load()
PAIN = CONTENT.topics["pain_now"]
ROUTINE_PROMPTS = CONTENT.routine_prompts
SPOKEN = UtteranceRouter(generalise=True)


@pytest.fixture
def person(client) -> Alexa:
    """Someone talking to the skill in their own words."""
    return Alexa(client, SPOKEN)


@pytest.mark.parametrize("words", ["ugh it hurts so much", "ow ow ow", "it really hurts", "i'm in so much pain", "ouch ouch",
                                   "help me please it's agony"])
def test_pain_talk_is_acknowledged_and_the_quickest_help_offered_never_an_alarm(person, words):
    person.launch()
    reply = person.say(words)
    assert reply.speech.startswith(PAIN.answer) and not reply.ended, reply.speech
    assert reply.attributes["pending"] == {"yes": "routine", "routine": PAIN.routine}
    started = person.say("yes")
    assert started.attributes["routine"]["routine"] == PAIN.routine and started.speech.startswith("Step 1 of")


def test_please_help_says_what_help_there_is(person):
    reply = person.say("please help")
    assert reply.speech == CONTENT.prompt("help") and not reply.ended


def test_no_to_the_offered_breathing_keeps_listening(person):
    person.say("ugh it hurts")
    reply = person.say("no")
    assert reply.speech == CONTENT.prompt("no_thanks") and not reply.ended and "routine" not in reply.attributes


@pytest.mark.parametrize("words", ["ow it really hurts", "this is agony"])
def test_pain_talk_inside_a_routine_stays_in_it_and_offers_skip(person, words):
    person.say("guide me through positions")
    person.say("next")  # getting onto the back
    reply = person.say(words)
    assert reply.speech == ROUTINE_PROMPTS["pain_in_routine"] and reply.attributes["routine"]["step"] == 1


@pytest.mark.parametrize("state", sorted(STATES))
def test_thanks_bye_closes_kindly_in_every_state(client, state):
    alexa = Alexa(client, SPOKEN)
    STATES[state](alexa)
    reply = alexa.say("thanks bye")
    assert reply.ended and "routine" not in (reply.attributes or {})


@pytest.mark.parametrize("state", sorted(STATES))
def test_thanks_alone_never_drops_a_routine(client, state):
    alexa = Alexa(client, SPOKEN)
    STATES[state](alexa)
    before = (alexa.attributes or {}).get("routine") if alexa.session_id else None
    reply = alexa.say("thank you")
    if before:
        assert not reply.ended and reply.attributes.get("routine") == before
        assert reply.speech == ROUTINE_PROMPTS["thanks_in_routine"]
    else:
        assert reply.ended and reply.speech == CONTENT.prompt("thanks_bye")


@pytest.mark.parametrize("words", ["hang on", "wait"])
def test_hang_on_with_no_routine_waits_and_in_a_routine_pauses(person, words):
    person.launch()
    assert person.say(words).speech == CONTENT.prompt("take_your_time")
    person.say("guide me through breathing")
    paused = person.say(words)
    assert paused.attributes["routine"]["paused"] is True


def test_what_after_a_step_is_the_last_instruction_not_the_whole_step(person):
    step = person.say("guide me through breathing")
    what = person.say("what")
    assert what.speech == ROUTINE_PROMPTS["next_question"] and len(what.speech) < len(step.speech) / 5
    assert person.say("yes").speech.startswith("Step 2 of")  # yes after "say next when you're ready" goes on
    whole = person.say("repeat")  # "repeat" is the whole step, as the reprompt promises
    assert whole.speech.startswith("Step 2 of")


def test_what_while_getting_into_place_is_the_movement_again(person):
    person.say("guide me through positions")
    move = person.say("next")
    assert person.say("pardon").speech == move.speech


def test_what_outside_a_routine_is_the_last_answer_again(person):
    answer = person.say("heat or ice")
    assert person.say("what").speech == answer.speech


def test_slower_goes_on_from_the_breaths_not_the_introduction(person):
    first = person.say("guide me through breathing")
    slower = person.say("slower")
    intro = CONTENT.routines["breathing"].steps[0].beats[0].say[:30]
    assert intro in first.speech and intro not in slower.speech
    assert slower.speech.startswith(ROUTINE_PROMPTS["slower"]) and "Breathe in." in slower.speech


def test_i_cant_get_onto_my_back_offers_skip(person):
    person.say("guide me through positions")
    person.say("next")
    reply = person.say("i can't get onto my back")
    assert reply.attributes["routine"]["step"] == 2 or "skip" in reply.speech.lower(), reply.speech


def test_two_misunderstandings_in_a_row_are_not_the_same_line(person):
    person.launch()
    first = person.say("purple monkey dishwasher")
    second = person.say("flibbertigibbet")
    assert first.speech != second.speech and "seriously unwell" in first.speech and "seriously unwell" in second.speech
    assert second.speech.rstrip().endswith("?")


def test_is_that_bad_after_the_advice_for_how_long_says_when_to_see_a_doctor(person):
    person.intent("HowLongHasItBeenIntent", {"duration": "P3D"})
    reply = person.say("is that bad")
    assert reply.attributes.get("last_topic") == "see_doctor", reply.speech


@pytest.mark.parametrize("words", ["my wife says i've gone a funny colour and i'm struggling for breath",
                                   "i'm fighting for air", "his lips have gone blue"])
def test_found_trying_it_as_a_new_user_breath_trouble_in_other_words_is_an_emergency_mid_routine_too(person, words):
    person.say("guide me through breathing")
    reply = person.say(words)
    assert reply.speech.startswith("Get emergency help now.") and reply.ended, reply.speech


def test_ugh_my_back_is_pain_talk(person):
    person.launch()
    assert person.say("ugh my back").speech.startswith(PAIN.answer)
