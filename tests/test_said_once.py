"""Nothing is said twice in one response: no sentence, no run of five words, and the emergency warning once.

A brand-new user's first answer carries the full disclaimer, which ends with the emergency warning; the
triage reminder and the see-a-doctor answer have their own, and leave it out beside the disclaimer's
(skill/conversation/handlers/base.py, warns_of_emergency). Every reply here comes from a real Alexa request envelope
posted to the app (tests/alexa.py), for a user the skill has never met unless the test says otherwise.
"""
from __future__ import annotations

import itertools
import re

import pytest

from skill.routine import HOLD
from skill.words import content as content_module

from .alexa import Alexa, Reply, UtteranceRouter, said_twice

CONTENT = content_module.load()
MARKETS = content_module.locales()
DURATIONS = {"PT2H": "early", "P3D": "past_twelve_hours", "P10D": "past_a_week", "P4W": "weeks"}
_users = itertools.count()


def first_ever(client, locale: str = "en-US") -> Alexa:
    """A conversation with a user the skill has never met."""
    return Alexa(client, UtteranceRouter(), user_id=f"amzn1.ask.account.said-once-{next(_users)}", locale=locale)


def returning(client, locale: str = "en-US") -> Alexa:
    """A user who heard the full disclaimer in an earlier session, now in a new one (launched: short notice said)."""
    alexa = first_ever(client, locale)
    alexa.launch()
    alexa.end_session()
    alexa.launch()
    return alexa


def warnings_in(speech: str) -> int:
    """How many times the emergency warning (bladder or bowel control lost) is said."""
    return len(re.findall(r"\bbladder\b", speech, re.IGNORECASE))


def assert_said_once(reply: Reply) -> None:
    assert said_twice(reply.speech) == [], reply.speech
    assert warnings_in(reply.speech) <= 1, reply.speech


@pytest.mark.parametrize("locale", MARKETS)
def test_the_full_disclaimer_carries_the_warning_the_replies_beside_it_leave_out(locale):
    # If prompts.disclaimer ever stops saying it, skill/conversation/handlers/base.py must stop counting on it.
    disclaimer = content_module.load(locale).prompt("disclaimer")
    assert warnings_in(disclaimer) == 1 and "emergency" in disclaimer


@pytest.mark.parametrize("locale", MARKETS)
def test_a_new_users_first_words_it_started_two_hours_ago_say_the_warning_once(client, locale):
    reply = first_ever(client, locale).say("it started two hours ago")
    content = content_module.load(locale)
    assert content.prompt("disclaimer") in reply.speech and content.triage.red_flag_reminder in reply.speech
    assert content.triage.emergency_reminder not in reply.speech  # the disclaimer has just said it
    assert_said_once(reply)
    assert warnings_in(reply.speech) == 1


@pytest.mark.parametrize("locale", MARKETS)
@pytest.mark.parametrize("duration", DURATIONS)
def test_every_triage_band_says_the_warning_exactly_once_new_user_or_not(client, locale, duration):
    content = content_module.load(locale)
    new = first_ever(client, locale).intent("HowLongHasItBeenIntent", {"duration": duration})
    later = returning(client, locale).intent("HowLongHasItBeenIntent", {"duration": duration})
    for reply in (new, later):
        assert_said_once(reply)
        assert warnings_in(reply.speech) == 1 and content.triage.red_flag_reminder in reply.speech
    assert content.triage.emergency_reminder in later.speech  # no full disclaimer here: the reminder says it


@pytest.mark.parametrize("locale", MARKETS)
def test_when_to_see_a_doctor_says_the_warning_once_and_first(client, locale):
    content = content_module.load(locale)
    topic = content.topics["see_doctor"]
    new = first_ever(client, locale).intent(topic.intent)
    assert new.speech.startswith(content.prompt("disclaimer"))  # its warning leads, in the answer's place
    later = returning(client, locale).intent(topic.intent)
    assert topic.emergency and later.speech.startswith(topic.emergency)
    for reply in (new, later):
        assert_said_once(reply)
        assert warnings_in(reply.speech) == 1 and topic.answer in reply.speech


@pytest.mark.parametrize("topic_id", sorted(t.id for t in CONTENT.topics.values() if t.intent))
def test_a_new_users_first_answer_and_its_more_say_nothing_twice(client, topic_id):
    alexa = first_ever(client)
    assert_said_once(alexa.intent(CONTENT.topics[topic_id].intent))
    assert_said_once(alexa.say("yes"))


def test_a_new_users_triage_then_check_in_then_remembered_time_say_nothing_twice(client):
    alexa = first_ever(client)
    for reply in (alexa.say("it started two hours ago"), alexa.say("yes"), alexa.say("heat or ice"),
                  alexa.say("how long has it been")):
        assert_said_once(reply)


@pytest.mark.parametrize("routine_id", sorted(CONTENT.routines))
def test_a_new_user_through_a_whole_routine_hears_nothing_twice(client, routine_id):
    # A run of repeated beats ("breathe in ... and out", six times) is the exercise itself: left out.
    routine = CONTENT.routines[routine_id]
    alexa = first_ever(client)
    reply = alexa.intent("StartRoutineIntent", {"routine": routine.synonyms[0]})
    for _ in range(4 * len(routine.steps) + 2):  # bounded: a routine that never ends fails, not hangs
        at = reply.attributes.get("routine")
        if at is None or not (at["part"] == HOLD and routine.steps[at["step"]].each):
            assert_said_once(reply)
        if at is None:
            break
        asked = (reply.attributes.get("pending") or {}).get("ask") == "step_question"
        reply = alexa.say("yes" if asked else "next")
    assert reply.attributes.get("routine") is None
