"""'How long has it been': times read where the user is, one rounding, and what happens when the time is unclear.

Conversations are full request envelopes; Alexa's Settings API is the in-process fake of its documented
contract (skill/fake_alexa_api.py), so each test chooses the device's time zone or makes the API fail.
Assertions are on the lines said (content ids and the hours they were rendered with), not on wording.
"""
from __future__ import annotations

import pytest

from skill import content as content_module
from skill.fake_alexa_api import TIME_ZONE_PATH, FakeAlexaApi, FakeApiClient

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
