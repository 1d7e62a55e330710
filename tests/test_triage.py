"""'How long has it been': times read where the user is, one rounding, and what happens when the time is unclear.

Conversations are full request envelopes; Alexa's Settings API is the in-process fake of its documented
contract (skill/dev/fake_alexa_api.py), so each test chooses the device's time zone or makes the API fail.
Assertions are on the lines said (content ids and the hours they were rendered with), not on wording.
"""
from __future__ import annotations

import pytest

from skill.dev.fake_alexa_api import TIME_ZONE_PATH, FakeAlexaApi, FakeApiClient
from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter

CONTENT = content_module.load("en-US")
TRIAGE = "HowLongHasItBeenIntent"
LATE_IN_NEW_YORK = "2026-11-25T03:45:00Z"  # 10:45 PM on 24 November in New York; already the 25th in UTC


@pytest.fixture
def fake():
    return FakeAlexaApi()  # the envelopes' own token ("token"); time zone America/New_York unless a test says


@pytest.fixture
def app_config(app_config, fake):
    return {**app_config, "API_CLIENT": FakeApiClient(fake)}


@pytest.fixture
def talk(client):
    def start(timestamp: str = LATE_IN_NEW_YORK, user: str = "amzn1.ask.account.TRIAGE") -> Alexa:
        alexa = Alexa(client, UtteranceRouter(), user_id=user)
        alexa.timestamp = timestamp
        return alexa
    return start


def said(reply, kind: str) -> list[list]:
    """The lines of one kind the reply said, as content ids with their values (what "repeat" renders)."""
    return [line for line in reply.attributes.get("last_reply", {}).get("say", []) if line[0] == kind]


def band_said(reply) -> tuple[str, float]:
    [(_, band, hours)] = said(reply, "band")
    return band, hours


def rounded(hours: float) -> float:
    """The hours as the skill says them (and as it picks the band by; see the rounding tests below)."""
    return CONTENT.triage.rounded(hours)


def settings_calls(fake) -> int:
    return sum(1 for call in fake.calls if TIME_ZONE_PATH.match(call.path))


# --- 1. Dates are read in the device's time zone ------------------------------------------------------------


def test_since_this_morning_late_in_new_york_counts_from_the_morning_there(talk, fake):
    reply = talk().intent(TRIAGE, {"started": "2026-11-24"})  # "since this morning", as Alexa resolves it there
    band, hours = band_said(reply)
    assert hours == rounded(14.75)  # from 8 AM to 10:45 PM, not a whole day
    assert band == CONTENT.triage.band_for(hours).id
    assert f"At {CONTENT.triage.elapsed(hours)}," in reply.speech and "24 hours" not in reply.speech
    assert settings_calls(fake) == 1


def test_yesterday_late_in_new_york_is_one_day_not_two(talk):
    assert band_said(talk().intent(TRIAGE, {"started": "2026-11-23"}))[1] == 24


@pytest.mark.parametrize("zone, started, hours", [
    ("Asia/Kolkata", "2026-11-25", 1.25),   # 9:15 AM there: today counts from 8 AM
    ("Asia/Kolkata", "2026-11-24", 24),
    ("Australia/Sydney", "2026-11-25", 6.75),  # 2:45 PM there (daylight time, UTC+11)
    ("America/Los_Angeles", "2026-11-24", 11.75),  # 7:45 PM there
    ("America/Los_Angeles", "2026-11-22", 48),
])
def test_dates_are_read_where_the_device_is(talk, fake, zone, started, hours):
    fake.time_zone = zone
    assert band_said(talk().intent(TRIAGE, {"started": started}))[1] == rounded(hours)


def test_today_before_eight_in_the_morning_counts_from_midnight(talk):
    early = talk("2026-11-24T11:30:00Z")  # 6:30 AM in New York
    assert band_said(early.intent(TRIAGE, {"started": "2026-11-24"}))[1] == rounded(6.5)


def test_a_future_date_there_is_asked_about_not_counted(talk):
    reply = talk().intent(TRIAGE, {"started": "2026-11-25"})  # tomorrow in New York, today in UTC
    assert said(reply, "band") == [] and said(reply, "triage") == [["triage", "ask"]]


@pytest.mark.parametrize("failure", [500, "timeout", 404])
def test_without_the_time_zone_a_date_near_today_is_asked_about_never_guessed(talk, fake, failure):
    if failure == 404:
        fake.time_zone = None
    else:
        fake.fail("settings", failure)
    reply = talk().intent(TRIAGE, {"started": "2026-11-24"})
    assert said(reply, "band") == [] and said(reply, "triage") == [["triage", "ask"]]  # no "didn't catch that"
    assert not reply.ended and reply.reprompt


def test_without_the_time_zone_an_older_date_is_still_answered(talk, fake):
    fake.fail("settings", 500)
    band, hours = band_said(talk().intent(TRIAGE, {"started": "2026-11-15"}))
    assert hours == 10 * 24 and band == CONTENT.triage.band_for(hours).id


def test_a_duration_needs_no_time_zone(talk, fake):
    talk().intent(TRIAGE, {"duration": "P3D"})
    assert settings_calls(fake) == 0


# --- 2. One rounding: the time said and the band are the same value -------------------------------------------


@pytest.mark.parametrize("duration, said_hours, band", [
    ("PT11H40M", 12, "past_twelve_hours"),  # said "12 hours": the advice for past twelve hours, not "still early"
    ("PT11H20M", 11, "early"),
    ("PT11H30M", 12, "past_twelve_hours"),  # a half rounds up, in the words and the band alike
    ("P6DT14H", 7 * 24, "past_a_week"),  # "7 days"
    ("P20DT13H", 21 * 24, "weeks"),  # "3 weeks"
])
def test_the_time_said_and_the_band_use_the_same_rounded_value(talk, duration, said_hours, band):
    reply = talk().intent(TRIAGE, {"duration": duration})
    assert band_said(reply) == (band, said_hours)
    assert f"At {CONTENT.triage.elapsed(said_hours)}," in reply.speech


def test_every_time_is_said_as_the_value_its_band_is_chosen_by():
    triage = CONTENT.triage
    units = {form: size for size, unit in ((1, "hour"), (24, "day"), (168, "week"), (720, "month"))
             for form in triage.units[unit]}
    for tenth in range(0, 24 * 70 * 10, 3):
        hours = tenth / 10
        count, unit = triage.elapsed(hours).split()
        spoken = int(count) * units[unit]  # the hours the listener hears
        assert triage.rounded(hours) == spoken, hours


def test_a_remembered_time_is_rounded_the_same_way(talk):
    alexa = talk()
    alexa.intent(TRIAGE, {"duration": "PT11H40M"})
    again = alexa.say("how long has it been")
    assert band_said(again) == ("past_twelve_hours", 12) and said(again, "remembered") == [["remembered", 12]]


# --- 3. An unclear time is asked once, then offered in ranges -----------------------------------------------


def asked(reply) -> list[str]:
    """The triage questions a reply asked (content ids), and the slot Alexa's dialog is to elicit."""
    slots = [d["slotToElicit"] for d in reply.directives if d.get("type") == "Dialog.ElicitSlot"]
    return [line[1] for line in said(reply, "triage") if line[1] in ("ask", "not_understood", "ranges_ask")] + slots


def test_no_time_twice_gets_ranges_not_the_same_question_again(talk):
    alexa = talk()
    first = alexa.say("is it too long")
    second = alexa.say("since i lifted the couch")
    assert asked(first) == ["ask", "duration"] and asked(second) == ["ranges_ask", "range"]
    assert second.reprompt == CONTENT.triage.ranges_reprompt and not second.ended
    assert "less than a day" in second.speech and "more than a week" in second.speech


@pytest.mark.parametrize("answer, range_id", [
    ("less than a day", "under_a_day"), ("a few days", "a_few_days"), ("more than a week", "over_a_week"),
    ("about a few days", "a_few_days"), ("i think more than a week", "over_a_week"), ("a couple of hours", "under_a_day"),
    ("months", "weeks"),
])
def test_a_range_answer_gets_the_advice_of_the_band_it_falls_in(talk, answer, range_id):
    alexa = talk()
    alexa.say("is it too long")
    alexa.say("a while")
    reply = alexa.say(answer)
    assert said(reply, "band_range") == [["band_range", range_id]]
    band = CONTENT.triage.band_for(CONTENT.triage.ranges[range_id].hours)
    assert reply.speech.startswith(band.answer.format(elapsed=CONTENT.triage.ranges[range_id].said))
    assert CONTENT.triage.red_flag_reminder in reply.speech and not reply.ended
    assert "pending" not in reply.attributes and "spasm_started" not in reply.attributes  # no check-in, nothing kept


def test_a_range_said_straight_away_is_answered_too(talk):
    reply = talk().say("it's been a few days")
    assert said(reply, "band_range") == [["band_range", "a_few_days"]]


def test_after_the_ranges_too_get_no_time_the_general_advice_is_given_not_a_third_question(talk):
    alexa = talk()
    replies = [alexa.say(words) for words in ("is it too long", "since i lifted the couch", "a while")]
    assert [asked(reply) for reply in replies] == [["ask", "duration"], ["ranges_ask", "range"], []]
    last = replies[-1]
    general = ["topic", CONTENT.triage.no_time_topic, "answer"]
    assert said(last, "triage") == [["triage", "no_time"]] and general in said(last, "topic")
    assert not last.ended and last.reprompt


def test_a_first_unreadable_time_is_the_one_ask_then_ranges(talk):
    alexa = talk()
    first = alexa.intent(TRIAGE, {"started": "when i lifted the couch"})
    assert asked(first) == ["not_understood", "duration"]
    assert asked(alexa.intent("AMAZON.FallbackIntent")) == ["ranges_ask", "range"]


def test_a_question_instead_of_an_answer_is_answered(talk):
    alexa = talk()
    alexa.say("how long has it been")
    reply = alexa.intent("CatchAllIntent", {"words": "what about a hot bath"})
    assert said(reply, "topic")[0][1] == "heat_or_ice" and asked(reply) == []


def test_repeat_of_the_ranges_question_asks_it_the_same_way(talk):
    alexa = talk()
    alexa.say("how long has it been")
    ranges = alexa.say("a while")
    again = alexa.say("repeat")
    assert again.speech == ranges.speech and asked(again) == ["ranges_ask", "range"]
    assert said(alexa.say("a few days"), "band_range") == [["band_range", "a_few_days"]]


# --- 4. Asked mid-routine, the way back to the routine stays on offer ----------------------------------------


def way_back(routine_id: str) -> str:
    name = CONTENT.routines[routine_id].name
    return CONTENT.routine_prompts["continue_offer"].format(name=name)


@pytest.mark.parametrize("answers", [[], ["a while"]])  # the first question, and the ranges after it
def test_how_long_with_no_time_mid_routine_keeps_the_way_back(talk, answers):
    alexa = talk()
    alexa.say("guide me through positions")
    reply = alexa.say("how long has it been")
    for words in answers:
        reply = alexa.say(words)
    assert asked(reply) and reply.speech.endswith(way_back("positions"))
    assert way_back("positions") in reply.reprompt and not reply.ended
    assert reply.attributes["routine"]["routine"] == "positions"
    back = alexa.say("continue")
    name = CONTENT.routines["positions"].name
    assert back.speech.startswith(CONTENT.routine_prompts["back_to_routine"].format(name=name))
    assert back.attributes["routine"]["routine"] == "positions" and back.attributes["last_reply"] == {"routine_step": True}


def test_a_time_given_mid_routine_still_keeps_the_way_back(talk):
    alexa = talk()
    alexa.say("guide me through positions")
    alexa.say("how long has it been")
    reply = alexa.say("three days")
    assert said(reply, "band") and way_back("positions") in reply.speech
