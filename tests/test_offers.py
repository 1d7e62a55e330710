"""A question lives exactly one turn: a 'yes' answers only what the last response asked."""
from __future__ import annotations

import json
import sqlite3

import pytest

from skill.words import content as content_module

from .alexa import back_to

CONTENT = content_module.load()
USER = "amzn1.ask.account.TESTUSER"


def stored_rows(path) -> dict[str, dict]:
    with sqlite3.connect(path) as connection:
        return {user: json.loads(data) for user, data in connection.execute("SELECT user_id, data FROM attributes")}


# Anything said between the question and the "yes".
# ("pause", "hang on": "take your time, tell me when you're ready"; a harmless offer stands, tested below)
IN_BETWEEN = ["help", "next", "guide me through breathing", "sing me a song", "what routines are there",
              "what causes it", "tell me more", "go back"]


@pytest.mark.parametrize("between", IN_BETWEEN)
def test_a_stale_forget_me_is_never_confirmed_by_a_later_yes(alexa, store_path, between):
    alexa.launch()
    alexa.say("forget me")
    alexa.say(between)
    alexa.say("yes")
    assert USER in stored_rows(store_path)  # nothing deleted


def test_forget_me_confirmed_at_once_deletes(alexa, store_path):
    alexa.launch()
    alexa.say("forget me")
    reply = alexa.say("yes")
    assert reply.speech.startswith(CONTENT.prompts["forget_done"]) and USER not in stored_rows(store_path)


def test_repeat_asks_the_same_question_again_so_yes_still_answers_it(alexa, store_path):
    alexa.launch()
    question = alexa.say("forget me")
    assert alexa.say("repeat").speech == question.speech
    alexa.say("yes")
    assert USER not in stored_rows(store_path)


@pytest.mark.parametrize("between", IN_BETWEEN)
def test_a_stale_offer_of_more_is_never_played_by_a_later_yes(alexa, between):
    alexa.say("heat or ice")
    alexa.say(between)
    reply = alexa.say("yes")
    assert CONTENT.topics["heat_or_ice"].more not in reply.speech


def test_tell_me_more_means_the_topic_just_answered_not_an_older_one(alexa):
    alexa.say("heat or ice")
    alexa.say("help")
    reply = alexa.say("tell me more")
    assert reply.speech.startswith(CONTENT.prompts["nothing_more"])


def remembered_routine(alexa, routine: str = "positions", skips: int = 2) -> None:
    """Leave a routine unfinished in an earlier session, then open the skill: the resume offer."""
    alexa.say(f"guide me through {routine}")
    for _ in range(skips):
        alexa.say("skip")
    alexa.end_session("EXCEEDED_MAX_REPROMPTS")
    offer = alexa.launch()
    assert offer.attributes["pending"] == {"offer": "resume"}, offer.speech


@pytest.mark.parametrize("between", ["help", "what causes it", "sing me a song", "what routines are there"])
def test_a_stale_resume_offer_is_not_taken_by_a_later_yes(alexa, between):
    remembered_routine(alexa)
    alexa.say(between)
    reply = alexa.say("yes")
    assert "routine" not in reply.attributes and not reply.speech.startswith("Back to")


@pytest.mark.parametrize(
    "utterance, step, note",
    [("start over", 0, "start_over"), ("skip", 3, "skipped"), ("go back", 1, None), ("next", 2, "back_to_routine"),
     ("resume", 2, "back_to_routine"), ("slower", 2, "slower")],
)
def test_routine_controls_at_the_resume_offer_act_on_the_offered_routine(alexa, utterance, step, note):
    remembered_routine(alexa)
    reply = alexa.say(utterance)
    assert reply.attributes["routine"]["routine"] == "positions" and reply.attributes["routine"]["step"] == step
    said_first = CONTENT.routine_prompts[note].replace("{name}", "relief positions") + " " if note else ""
    assert reply.speech.startswith(f"{said_first}Step {step + 1} of")


def test_pause_at_the_resume_offer_pauses_the_offered_routine(alexa):
    remembered_routine(alexa)
    reply = alexa.say("pause")
    assert reply.speech == CONTENT.routine_prompts["paused"] and reply.attributes["routine"]["paused"] is True
    assert alexa.say("resume").speech.startswith(back_to(CONTENT, "positions", 2))


def test_a_remembered_routine_restarts_its_step_with_getting_into_place(alexa):
    remembered_routine(alexa, skips=1)
    reply = alexa.say("yes")
    assert reply.attributes["routine"]["part"] == "move" and reply.speech.endswith(CONTENT.routine_prompts["settle_question"])


def test_repeat_in_a_new_session_plays_the_remembered_step(alexa):
    alexa.say("guide me through positions")
    alexa.say("skip")
    alexa.end_session()
    reply = alexa.say("repeat")  # "Alexa, ask back spasm helper to repeat that"
    assert reply.speech.startswith(back_to(CONTENT, "positions", 1))


def test_repeat_in_a_new_session_with_nothing_remembered_says_so_kindly(alexa):
    reply = alexa.say("repeat")
    assert reply.speech == CONTENT.prompts["nothing_to_repeat"] and not reply.ended


# --- Triage keeps its question open until it is answered or left ---------------------------


def elicits_duration(reply) -> bool:
    return any(d.get("type") == "Dialog.ElicitSlot" and d.get("slotToElicit") == "duration" for d in reply.directives)


@pytest.mark.parametrize("duration", ["PT5H", "P2D"])
def test_triage_advice_ends_with_a_question(alexa, duration):
    # Early on, the question is the twelve-hour check-in (tests/test_alerts.py); later, what to say next.
    reply = alexa.intent("HowLongHasItBeenIntent", {"duration": duration})
    band = CONTENT.triage.band_for(5 if duration == "PT5H" else 48)
    last_line = reply.attributes["last_reply"]["say"][-1]
    assert last_line[:3] == (["alert", band.alert, "offer"] if band.alert else ["triage", "next"])
    assert reply.speech.rstrip().endswith("?")


def elicits(reply, slot: str) -> bool:
    return any(d.get("type") == "Dialog.ElicitSlot" and d.get("slotToElicit") == slot for d in reply.directives)


def test_an_unreadable_answer_to_how_long_gets_ranges_and_a_plain_time_still_lands(alexa):
    asked = alexa.say("how long has it been")
    assert elicits_duration(asked)
    again = alexa.intent("AMAZON.FallbackIntent")
    assert again.speech == CONTENT.triage.ranges_ask and elicits(again, "range")
    answered = alexa.intent("HowLongHasItBeenIntent", {"duration": "P3D"})
    assert answered.speech.startswith("At 3 days,")


def test_repeat_asks_how_long_the_same_way_so_a_bare_answer_still_lands(alexa):
    asked = alexa.say("how long has it been")
    repeated = alexa.say("repeat")
    assert repeated.speech == asked.speech and elicits_duration(repeated)
    assert alexa.intent("AMAZON.FallbackIntent").speech == CONTENT.triage.ranges_ask  # still the open question


def test_asking_something_else_leaves_the_how_long_question(alexa):
    alexa.say("how long has it been")
    alexa.say("heat or ice")
    reply = alexa.intent("AMAZON.FallbackIntent")
    assert not elicits_duration(reply) and reply.speech.startswith(CONTENT.prompts["fallback"])


@pytest.mark.parametrize("wait", ["hang on", "wait"])
def test_hang_on_keeps_a_harmless_offer_standing_for_the_next_yes(alexa, wait):
    answered = alexa.say("heat or ice")
    assert answered.attributes["pending"] == {"offer": "more", "topic": "heat_or_ice"}
    waiting = alexa.say(wait)
    assert waiting.speech == CONTENT.prompts["take_your_time"] and not waiting.ended
    assert alexa.say("yes").speech.startswith(" ".join((CONTENT.topics["heat_or_ice"].more or "").split()[:6]))


def test_hang_on_never_keeps_an_offer_that_deletes_or_sets_something(alexa):
    alexa.say("heat or ice")  # a first visit: a profile to forget
    asked = alexa.say("forget me")
    assert asked.attributes["pending"] == {"offer": "forget"}
    alexa.say("hang on")
    assert alexa.say("yes").attributes.get("pending") is None
    assert alexa.say("heat or ice").attributes.get("pending") == {"offer": "more", "topic": "heat_or_ice"}
