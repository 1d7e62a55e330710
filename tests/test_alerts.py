"""The ice or heat timer and the twelve-hour check-in, through Alexa's Timers, Reminders and Settings APIs.

Every conversation is full request envelopes posted to the Flask app; the skill reaches Alexa's APIs
through the ASK SDK's own service clients and DefaultApiClient (HTTPS, with a timeout), at the
envelope's apiEndpoint: a fake of the documented REST contract served over HTTPS on loopback
(tests/fake_api_server.py). The fake checks method, path, headers and body, and answers as the
documentation shows, errors included.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill import create_app
from skill.dev.fake_alexa_api import ODD_ANSWERS, REMINDER_PATH, TIMER_PATH, Answer, FakeApiClient
from skill.platform.alexa_api import REMINDERS, TIMERS, TimedApiClient
from skill.platform.alexa_limits import TIMER_MAX_MINUTES, TIMERS_AT_ONCE
from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter
from .fake_api_server import ca_file

CONTENT = content_module.load("en-US")
TIMER = CONTENT.alerts["timer"]
CHECKIN = CONTENT.alerts["checkin"]
NOW = "2026-11-24T14:00:00Z"  # 9 AM in New York: a check-in twelve hours after a 3-hour-old spasm is 6 PM there
CLIENT_TIMEOUT = 0.4  # seconds; the fake holds a "timeout" answer longer than this


@pytest.fixture
def app_config(app_config, served):
    # The skill calls only Alexa's own API hosts, and the one test endpoint this setting names: the fake's.
    return {**app_config, "API_CLIENT": TimedApiClient(timeout=CLIENT_TIMEOUT, cafile=str(ca_file())),
            "ALEXA_API_TEST_ENDPOINT": served}


def conversation(client, url, fake, *granted: str, user="amzn1.ask.account.ALERTS") -> Alexa:
    scopes = {scope: {"status": "GRANTED"} for scope in granted}
    system = {"apiEndpoint": url, "apiAccessToken": fake.token,
              "user": {"permissions": {"scopes": scopes}} if scopes else {}}
    alexa = Alexa(client, UtteranceRouter(), user_id=user, system=system)
    alexa.timestamp = NOW
    return alexa


def finish_ice_session(alexa: Alexa):
    reply = alexa.say("start ice or heat")
    while (reply.attributes.get("pending") or {}).get("offer") != "alert" and not reply.ended:
        reply = alexa.say("next")
    return reply


def words(alert, line, **values) -> str:
    return alert.lines[line].format(minutes=f"{alert.minutes:g}", **values)


def created_timer_calls(fake):
    return [call for call in fake.calls if (call.method, call.path) == ("POST", TIMER_PATH)]


# --- The ice or heat timer ------------------------------------------------------------------------


def test_the_ice_session_ends_by_offering_a_timer_with_the_contents_length(client, served, fake):
    reply = finish_ice_session(conversation(client, served, fake, TIMERS))
    assert reply.speech.endswith(words(TIMER, "offer"))
    assert "15-minute timer" in reply.speech and not reply.ended
    assert reply.reprompt == words(TIMER, "offer_reprompt")
    assert fake.calls == []  # nothing is made before the user says yes


def test_yes_with_the_permission_granted_creates_the_timer_as_documented(client, served, fake):
    alexa = conversation(client, served, fake, TIMERS)
    finish_ice_session(alexa)
    reply = alexa.say("yes")
    [call] = created_timer_calls(fake)
    assert call.status == 200
    assert call.headers["authorization"] == "Bearer api-token-abc"
    assert call.headers["content-type"].startswith("application/json")
    assert call.body == {
        "duration": "PT15M",
        "timerLabel": TIMER.lines["label"],
        "creationBehavior": {"displayExperience": {"visibility": "VISIBLE"}},
        "triggeringBehavior": {
            "operation": {"type": "ANNOUNCE", "textToAnnounce": [{"locale": "en-US", "text": TIMER.lines["announce"]}]},
            "notificationConfig": {"playAudible": True},
        },
    }
    assert reply.speech == words(TIMER, "done") and reply.ended


def test_without_the_permission_alexa_asks_for_it_by_voice_then_the_timer_is_made(client, served, fake):
    alexa = conversation(client, served, fake)
    finish_ice_session(alexa)
    reply = alexa.say("yes")
    [directive] = reply.directives
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert directive["payload"] == {"@type": "AskForPermissionsConsentRequest", "@version": "2",
                                    "permissionScopes": [{"permissionScope": TIMERS, "consentLevel": "ACCOUNT"}]}
    assert reply.speech == TIMER.lines["permission"] and created_timer_calls(fake) == []
    answered = alexa.permission_answer("ACCEPTED", directive["token"])
    assert [call.status for call in created_timer_calls(fake)] == [200]
    assert answered.speech == words(TIMER, "done") and answered.ended


def test_denied_says_how_to_by_hand_and_sends_the_permission_card(client, served, fake):
    alexa = conversation(client, served, fake)
    finish_ice_session(alexa)
    token = alexa.say("yes").directives[0]["token"]
    reply = alexa.permission_answer("DENIED", token)
    assert reply.speech == words(TIMER, "by_hand") and "Alexa, set a timer for 15 minutes" in reply.speech
    assert reply.response["card"] == {"type": "AskForPermissionsConsent", "permissions": [TIMERS]}
    assert created_timer_calls(fake) == [] and reply.ended


@pytest.mark.parametrize("answer", ["NOT_ANSWERED", None])  # None: a payload with no status at all
def test_silence_at_alexas_permission_question_is_not_a_no(client, served, fake, answer):
    alexa = conversation(client, served, fake)
    finish_ice_session(alexa)
    token = alexa.say("yes").directives[0]["token"]
    reply = alexa.permission_answer(answer, token)
    assert reply.speech == words(TIMER, "not_answered") and reply.speech != words(TIMER, "by_hand")
    assert "set the timer" in reply.speech  # how to have it by voice later: ask again, and Alexa asks again
    assert "card" not in reply.response  # no card in the app, as there would be after a refusal
    assert created_timer_calls(fake) == [] and reply.ended
    again = conversation(client, served, fake).say("set the timer")  # later, by voice: Alexa asks again
    assert again.directives[0]["name"] == "AskFor"


def test_a_reminder_permission_left_unanswered_keeps_the_conversation_without_a_card(client, served, fake):
    alexa = conversation(client, served, fake)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    reply = alexa.permission_answer("NOT_ANSWERED", alexa.say("yes").directives[0]["token"])
    assert reply.speech.startswith(words(CHECKIN, "not_answered", when="at 6 PM"))
    assert "card" not in reply.response and not reply.ended and reply.reprompt
    assert not [call for call in fake.calls if call.path == REMINDER_PATH]


@pytest.mark.parametrize("status, code", [
    ("DENIED\nWARNING skill: forged line", "200"), ("ACCEPTED", "200\r\nERROR forged"),
    ("\x1b[2J\x1b[31mDENIED", "\x1b]0;title\x07500"), ("DENIED" + "x" * 5000, "200"),
])
def test_a_permission_answers_status_cannot_forge_a_log_line(client, served, fake, caplog, status, code):
    alexa = conversation(client, served, fake)
    finish_ice_session(alexa)
    token = alexa.say("yes").directives[0]["token"]
    with caplog.at_level(logging.INFO, logger="skill"):
        alexa.permission_answer(status, token, code=code)
    messages = [record.getMessage() for record in caplog.records]
    assert any("permission" in message for message in messages)
    for message in messages:
        assert "\n" not in message and "\r" not in message and "\x1b" not in message and "\x07" not in message, message
        assert len(message) < 400


def test_no_means_no_timer_and_the_session_closes_calmly(client, served, fake):
    alexa = conversation(client, served, fake, TIMERS)
    finish_ice_session(alexa)
    reply = alexa.say("no")
    assert reply.speech == words(TIMER, "declined") and reply.ended and fake.calls == []


def test_the_offer_lives_one_turn_a_later_yes_makes_nothing(client, served, fake):
    alexa = conversation(client, served, fake, TIMERS)
    assert finish_ice_session(alexa).speech.endswith(words(TIMER, "offer"))
    alexa.say("what position helps")  # not an answer to the offer: the offer is gone
    alexa.say("yes")
    assert created_timer_calls(fake) == []


@pytest.mark.parametrize("status, line", [
    (401, "by_hand"), (403, "full"), (400, "failed"), (429, "failed"), (500, "failed"), (504, "failed"),
    ("timeout", "failed"),
])
def test_an_api_error_gets_a_calm_answer_and_a_log_line_without_ids(client, served, fake, caplog, status, line):
    fake.fail("timers", status)
    alexa = conversation(client, served, fake, TIMERS, user="amzn1.ask.account.SECRETUSER")
    finish_ice_session(alexa)
    with caplog.at_level(logging.INFO, logger="skill"):
        reply = alexa.say("yes")
    assert reply.speech == words(TIMER, line) and reply.ended
    assert ("card" in reply.response) == (line == "by_hand")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "timer" in logged and ("HTTP" in logged or "no answer" in logged)
    for secret in ("SECRETUSER", "api-token-abc", "amzn1.ask.device"):
        assert secret not in logged


def test_a_red_flag_at_the_timer_offer_is_answered_first(client, served, fake):
    alexa = conversation(client, served, fake, TIMERS)
    finish_ice_session(alexa)
    reply = alexa.say("i wet myself")
    assert reply.speech.startswith("Get emergency help now") and reply.ended and fake.calls == []


# --- Alexa's limits on timers (skill/platform/alexa_limits.py): two hours, ten at once, a label of its own ------------


def test_a_second_timer_while_the_first_runs_is_said_to_be_running_not_a_failure(client, served, fake):
    alexa = conversation(client, served, fake, TIMERS)
    finish_ice_session(alexa)
    assert alexa.say("yes").speech == words(TIMER, "done")
    again = conversation(client, served, fake, TIMERS).say("set the timer")
    # Alexa refuses a label in use with a 400; the skill's own list shows the first timer on: it is running.
    assert [(call.method, call.path, call.status) for call in fake.calls] == [
        ("POST", TIMER_PATH, 200), ("POST", TIMER_PATH, 400), ("GET", TIMER_PATH, 200)]
    assert again.speech == words(TIMER, "running") and again.ended and "card" not in again.response
    assert len(fake.timers) == 1


def test_once_the_first_timer_has_ended_another_can_be_set(client, served, fake):
    conversation(client, served, fake, TIMERS).say("set the timer")
    fake.timers[0]["status"] = "OFF"  # it rang and was stopped
    reply = conversation(client, served, fake, TIMERS).say("set the timer")
    assert reply.speech == words(TIMER, "done") and [t["status"] for t in fake.timers] == ["OFF", "ON"]


def test_a_400_for_another_reason_is_not_said_to_be_a_running_timer(client, served, fake, monkeypatch):
    monkeypatch.setattr(fake, "_timer", lambda call, raw: Answer.json(400, {"code": "INVALID_REQUEST", "message": "no"}))
    reply = conversation(client, served, fake, TIMERS).say("set the timer")
    assert [(call.method, call.status) for call in fake.calls] == [("POST", 400), ("GET", 200)]  # nothing running
    assert reply.speech == words(TIMER, "failed")


@pytest.mark.parametrize("personal, line", [(TIMERS_AT_ONCE - 1, "done"), (TIMERS_AT_ONCE, "full")])
def test_with_ten_timers_already_set_the_user_hears_alexa_keeps_no_more(client, served, fake, personal, line):
    fake.personal_timers = personal  # timers the user set by voice count toward Alexa's ten
    reply = conversation(client, served, fake, TIMERS).say("set the timer")
    assert [call.status for call in fake.calls] == [200 if line == "done" else 403]
    assert reply.speech == words(TIMER, line) and reply.ended
    assert "card" not in reply.response  # nothing to allow: the permission is there


def test_the_fake_refuses_what_alexa_refuses(fake):
    body = {"duration": "PT2H1M", "timerLabel": "x", "creationBehavior": {"displayExperience": {"visibility": "VISIBLE"}},
            "triggeringBehavior": {"operation": {"type": "ANNOUNCE", "textToAnnounce": [{"locale": "en-US", "text": "t"}]},
                                   "notificationConfig": {"playAudible": True}}}
    headers = {"Authorization": f"Bearer {fake.token}", "Content-Type": "application/json"}
    assert fake.handle("POST", TIMER_PATH, headers, json.dumps(body).encode()).status == 400  # over two hours
    body["duration"] = f"PT{TIMER_MAX_MINUTES // 60}H"
    assert fake.handle("POST", TIMER_PATH, headers, json.dumps(body).encode()).status == 200  # two hours exactly
    assert fake.handle("POST", TIMER_PATH, headers, json.dumps(body).encode()).status == 400  # the same label


def api_app(fake):
    """The skill as in a local trial (verification off), with the in-process fake: it records a call to any host."""
    return create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "SKILL_ID": None, "STORE": "none",
                       "API_CLIENT": FakeApiClient(fake)})


@pytest.mark.parametrize("endpoint", [
    "https://evil.example", "https://api.amazonalexa.com.evil.example", "https://api.amazonalexa.com@evil.example",
    "https://evilapi.amazonalexa.com", "http://api.amazonalexa.com", "https://user@api.amazonalexa.com",
    "https://api.amazonalexa.com:8443", "https://api.amazonalexa.com/other", "https://api.amazonalexa.com?x=1",
    "https://127.0.0.1:8443", "", "not a url",
])
def test_an_api_endpoint_that_is_not_alexas_gets_no_call_and_never_the_token(fake, endpoint):
    """Issue 21: with verification off, the user's Bearer token went to any HTTPS host the request named."""
    system = {"apiEndpoint": endpoint, "apiAccessToken": fake.token,
              "user": {"permissions": {"scopes": {TIMERS: {"status": "GRANTED"}}}}}
    alexa = Alexa(api_app(fake).test_client(), UtteranceRouter(), user_id="amzn1.ask.account.ENDPOINT", system=system)
    finish_ice_session(alexa)
    reply = alexa.say("yes")
    assert fake.calls == []
    assert reply.speech == words(TIMER, "failed") and reply.ended  # the calm "no answer" path


@pytest.mark.parametrize("endpoint", ["https://api.amazonalexa.com", "https://api.eu.amazonalexa.com",
                                      "https://api.fe.amazonalexa.com", "https://API.EU.amazonalexa.com:443"])
def test_alexas_own_api_endpoints_are_called(fake, endpoint):
    system = {"apiEndpoint": endpoint, "apiAccessToken": fake.token,
              "user": {"permissions": {"scopes": {TIMERS: {"status": "GRANTED"}}}}}
    alexa = Alexa(api_app(fake).test_client(), UtteranceRouter(), user_id="amzn1.ask.account.ENDPOINT", system=system)
    finish_ice_session(alexa)
    assert alexa.say("yes").speech == words(TIMER, "done")
    assert [call.status for call in created_timer_calls(fake)] == [200]


def test_silence_at_the_timer_offer_still_hears_when_to_take_the_pack_off(client, served, fake):
    alexa = conversation(client, served, fake, TIMERS)
    offered = finish_ice_session(alexa)
    # Alexa plays the reprompt after a silence; after a second one the session closes. So the reprompt says it.
    assert f"take the pack off after {TIMER.minutes:g} minutes" in offered.reprompt.lower()
    assert offered.reprompt == words(TIMER, "offer_reprompt")
    ended = alexa.end_session("EXCEEDED_MAX_REPROMPTS")
    assert ended.response == {} and fake.calls == []  # nothing said, nothing made


def test_a_session_ended_at_the_timer_offer_loses_nothing_and_the_timer_can_be_asked_for(client, served, fake,
                                                                                         store_path):
    alexa = conversation(client, served, fake, TIMERS)
    alexa.launch()
    alexa.say("start ice or heat")
    reply = alexa.say("slower")  # a pace to keep
    while (reply.attributes.get("pending") or {}).get("offer") != "alert":
        reply = alexa.say("next")
    alexa.end_session("EXCEEDED_MAX_REPROMPTS")
    welcome = alexa.launch()
    assert welcome.speech.startswith(CONTENT.prompts["welcome_back"])  # the user is remembered as before
    assert alexa.say("guide me through breathing").attributes["routine"]["pace"] == 2  # and their pace
    reply = alexa.say("set the timer")
    [call] = created_timer_calls(fake)
    assert call.status == 200 and call.body["duration"] == "PT15M" and call.body["timerLabel"] == TIMER.lines["label"]
    assert reply.speech == words(TIMER, "done") and reply.ended


@pytest.mark.parametrize("utterance", ["set the timer", "set a timer for the ice", "set a timer for my heat pack",
                                       "set the ice timer", "start a timer", "remind me to take the pack off"])
def test_the_ice_timer_can_be_asked_for_directly(client, served, fake, utterance):
    reply = conversation(client, served, fake, TIMERS).say(utterance)
    assert [call.status for call in created_timer_calls(fake)] == [200]
    assert reply.speech == words(TIMER, "done") and reply.ended


def test_asking_for_the_timer_without_the_permission_goes_the_offers_way(client, served, fake):
    alexa = conversation(client, served, fake)
    asked = alexa.say("set a timer for the ice")
    [directive] = asked.directives
    assert directive["name"] == "AskFor" and directive["token"] == "timer|" and created_timer_calls(fake) == []
    answered = alexa.permission_answer("ACCEPTED", directive["token"])
    assert [call.status for call in created_timer_calls(fake)] == [200] and answered.speech == words(TIMER, "done")


def test_without_api_access_in_the_request_the_user_hears_how_by_hand(client, fake):
    alexa = Alexa(client, UtteranceRouter(), user_id="amzn1.ask.account.NOAPI", system={"apiAccessToken": None})
    finish_ice_session(alexa)
    reply = alexa.say("yes")
    assert reply.speech == words(TIMER, "failed") and reply.ended


# --- The twelve-hour check-in ----------------------------------------------------------------------


def due_local(hours_ago: float, zone="America/New_York") -> datetime:
    now = datetime.fromisoformat(NOW)
    return (now - timedelta(hours=hours_ago) + timedelta(minutes=CHECKIN.minutes)).astimezone(ZoneInfo(zone))


def test_early_triage_offers_a_check_in_at_the_twelve_hour_mark_by_its_clock_time(client, served, fake):
    reply = conversation(client, served, fake, REMINDERS).intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    # 9 AM in New York, 3 hours in: the user hears the time they agree to, where they are.
    assert reply.speech.endswith(words(CHECKIN, "offer", when="at 6 PM"))
    assert reply.reprompt == words(CHECKIN, "offer_reprompt", when="at 6 PM")
    assert CONTENT.triage.red_flag_reminder in reply.speech  # safety words come before the offer
    assert [(call.method, call.path.endswith("System.timeZone")) for call in fake.calls] == [("GET", True)]


@pytest.mark.parametrize("settings_failure", [500, "timeout"])
def test_without_the_time_zone_the_offer_says_how_long_from_now(client, served, fake, settings_failure):
    fake.fail("settings", settings_failure)
    reply = conversation(client, served, fake, REMINDERS).intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    assert reply.speech.endswith(words(CHECKIN, "offer", when="in about 9 hours"))
    assert reply.reprompt == words(CHECKIN, "offer_reprompt", when="in about 9 hours")


SENSITIVE = re.compile(r"\b(back|spasms?|pain|painful|doctor|gp|111|severe|medical|medicine|health|hurts?|"
                       r"injury|emergency|nurse|hospital)\b", re.IGNORECASE)


@pytest.mark.parametrize("locale", content_module.Contents(content_module.locales()).keys())
def test_the_reminder_itself_is_short_and_says_nothing_about_health_in_every_market(locale):
    # Alexa's reminder guidelines: no medical or sensitive words (a reminder shows on screens and phones,
    # and is spoken aloud to whoever is near), and short (about 25 characters show on a small screen).
    checkin = content_module.Contents(content_module.locales()).for_locale(locale).alerts["checkin"]
    for line in ("announce", "label"):
        assert len(checkin.lines[line]) <= 25 and not SENSITIVE.search(checkin.lines[line]), (line, checkin.lines[line])


def test_the_reminder_sent_is_the_discreet_one(client, served, fake):
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    alexa.say("yes")
    [text] = [item["text"] for item in fake.created[-1]["alertInfo"]["spokenInfo"]["content"]]
    assert text == CHECKIN.lines["announce"] and not SENSITIVE.search(text) and len(text) <= 25


def test_later_triage_offers_no_check_in(client, served, fake):
    reply = conversation(client, served, fake, REMINDERS).intent("HowLongHasItBeenIntent", {"duration": "P2D"})
    assert "alert" not in str(reply.attributes) and reply.speech.endswith(CONTENT.triage.next)


def test_yes_creates_the_reminder_in_the_users_time_zone(client, served, fake):
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})  # the offer names the time: a Settings call
    fake.calls.clear()
    reply = alexa.say("yes")
    settings, created = fake.calls
    assert (settings.method, settings.path, settings.status) == (
        "GET", "/v2/devices/amzn1.ask.device.TEST/settings/System.timeZone", 200)
    assert (created.method, created.path, created.status) == ("POST", REMINDER_PATH, 201)
    due = due_local(3)
    assert created.body["trigger"] == {"type": "SCHEDULED_ABSOLUTE", "timeZoneId": "America/New_York",
                                       "scheduledTime": due.strftime("%Y-%m-%dT%H:%M:%S")}
    assert created.body["alertInfo"] == {"spokenInfo": {"content": [{"locale": "en-US", "text": CHECKIN.lines["announce"]}]}}
    assert created.body["pushNotification"] == {"status": "ENABLED"}
    assert created.headers["authorization"] == "Bearer api-token-abc"
    assert reply.speech.startswith(CHECKIN.lines["done"].format(when="at 6 PM"))
    assert not reply.ended and reply.reprompt  # the conversation carries on


@pytest.mark.parametrize("settings_failure", [500, 404, "timeout"])
def test_without_a_time_zone_the_reminder_is_set_relative_to_now(client, served, fake, settings_failure):
    if settings_failure == 404:
        fake.time_zone = None
    else:
        fake.fail("settings", settings_failure)
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    reply = alexa.say("yes")
    created = fake.calls[-1]
    assert created.status == 201 and created.body["trigger"] == {"type": "SCHEDULED_RELATIVE", "offsetInSeconds": 9 * 3600}
    assert reply.speech.startswith(CHECKIN.lines["done"].format(when="in about 9 hours"))


def test_the_reminder_permission_asked_and_granted_carries_on_where_the_user_was(client, served, fake):
    alexa = conversation(client, served, fake)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    asked = alexa.say("yes")
    [directive] = asked.directives
    assert directive["payload"]["permissionScopes"][0]["permissionScope"] == REMINDERS
    reply = alexa.permission_answer("ACCEPTED", directive["token"])
    assert [call.status for call in fake.calls if call.path == REMINDER_PATH] == [201]
    assert reply.speech.startswith(CHECKIN.lines["done"].format(when="at 6 PM")) and not reply.ended
    assert alexa.say("what position helps").speech.startswith(CONTENT.topics["positions"].answer.split(".")[0])


def test_a_denied_reminder_says_how_to_ask_alexa_for_it(client, served, fake):
    alexa = conversation(client, served, fake)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    reply = alexa.permission_answer("DENIED", alexa.say("yes").directives[0]["token"])
    assert "Alexa, remind me at 6 PM to check in" in reply.speech
    assert reply.response["card"]["permissions"] == [REMINDERS]
    assert not [call for call in fake.calls if call.path == REMINDER_PATH]


@pytest.mark.parametrize("status", [401, 429, 503])
def test_a_reminders_api_error_keeps_the_conversation_going(client, served, fake, status):
    fake.fail("reminders", status)
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    reply = alexa.say("yes")
    assert reply.speech.startswith(words(CHECKIN, "by_hand" if status == 401 else "failed", when="at 6 PM"))
    assert not reply.ended and reply.reprompt


# --- Whatever Alexa's APIs answer, the user hears a calm line (issue 21) --------------------------------
#
# Every answer in ODD_ANSWERS, from each of the three APIs, served over HTTPS to the real client: 401 and 403
# say how to do it by hand (with the card), anything else that is not a readable success says "didn't answer",
# and a time zone that cannot be had makes the check-in's time "in about 9 hours". Before issue 21, half of
# them reached the catch-all: "Sorry, something went wrong".


def calm_line(shape: str) -> str:
    return "by_hand" if ODD_ANSWERS[shape].status in (401, 403) else "failed"


@pytest.mark.parametrize("shape", ODD_ANSWERS)
def test_any_answer_from_the_timers_api_gets_a_calm_line(client, served, fake, caplog, shape):
    fake.fail("timers", shape)
    with caplog.at_level(logging.WARNING, logger="skill"):
        reply = conversation(client, served, fake, TIMERS).say("set the timer")
    assert [call.path for call in fake.calls] == [TIMER_PATH]
    assert reply.speech == words(TIMER, calm_line(shape)) and reply.ended
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


@pytest.mark.parametrize("shape", ODD_ANSWERS)
def test_any_answer_from_the_reminders_api_gets_a_calm_line(client, served, fake, caplog, shape):
    fake.fail("reminders", shape)
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    with caplog.at_level(logging.WARNING, logger="skill"):
        reply = alexa.say("yes")
    assert [call.path for call in fake.calls][-1] == REMINDER_PATH
    assert reply.speech.startswith(words(CHECKIN, calm_line(shape), when="at 6 PM"))
    assert not reply.ended and reply.reprompt  # the conversation carries on
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


@pytest.mark.parametrize("shape", ODD_ANSWERS)
def test_any_answer_from_the_settings_api_leaves_the_time_said_from_now(client, served, fake, caplog, shape):
    fake.fail("settings", shape)
    alexa = conversation(client, served, fake, REMINDERS)
    with caplog.at_level(logging.WARNING, logger="skill"):
        offered = alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    assert offered.speech.endswith(words(CHECKIN, "offer", when="in about 9 hours"))
    reply = alexa.say("yes")  # the reminder is still made, relative to now
    assert fake.calls[-1].status == 201 and fake.calls[-1].body["trigger"]["type"] == "SCHEDULED_RELATIVE"
    assert reply.speech.startswith(words(CHECKIN, "done", when="in about 9 hours"))
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


def test_a_red_flag_at_the_check_in_offer_is_answered_first(client, served, fake):
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    reply = alexa.say("my leg is numb")
    assert reply.speech.startswith("Please contact a doctor today")
    assert [call.method for call in fake.calls] == ["GET"]  # the offer's time zone only: nothing made


@pytest.mark.parametrize("token", ["", "timer|123", "checkin|", "checkin|99999999999", "nothing|1", "checkin|abc"])
def test_a_permission_answer_with_a_token_the_skill_never_sent_makes_nothing(client, served, fake, token):
    reply = conversation(client, served, fake, REMINDERS, TIMERS).permission_answer("ACCEPTED", token)
    assert fake.calls == [] and reply.speech and not reply.ended


def test_the_check_in_time_is_said_as_a_round_time(client, served, fake):
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.timestamp = "2026-11-24T14:03:00Z"  # 9:03 AM in New York, 3 hours in: due at 6:03 PM, said 6:05 PM
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    reply = alexa.say("yes")
    assert fake.calls[-1].body["trigger"]["scheduledTime"] == "2026-11-24T18:05:00"
    assert "I'll remind you at 6:05 PM" in reply.speech


@pytest.mark.parametrize("locale", ["en-GB", "en-AU", "en-IN", "en-CA", "en-NZ"])
def test_the_timer_announces_in_the_requests_locale(client, served, fake, locale):
    alexa = conversation(client, served, fake, TIMERS)
    alexa.locale = locale
    finish_ice_session(alexa)
    reply = alexa.say("yes")
    [call] = created_timer_calls(fake)
    operation = call.body["triggeringBehavior"]["operation"]
    words = content_module.Contents(content_module.locales()).for_locale(locale).alerts["timer"].lines["announce"]
    assert operation["textToAnnounce"] == [{"locale": locale, "text": words}]
    assert reply.ended and reply.speech.startswith("Done.")


def test_the_settings_api_is_asked_once_at_most_and_only_when_a_line_names_the_time(client, served, fake):
    fake.fail("settings", "timeout")  # the slowest failure: asked twice, the user would wait twice
    alexa = conversation(client, served, fake, REMINDERS)
    alexa.intent("HowLongHasItBeenIntent", {"started": "2026-11-24"})  # a date and an offer: one call for both
    assert [call.path.endswith("System.timeZone") for call in fake.calls] == [True]
    fake.calls.clear()
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})  # the offer names its time: one call
    alexa.say("yes")  # the reminder and the line that names its time: one call
    assert [call.path.endswith("System.timeZone") for call in fake.calls] == [True, True, False]
    declined = conversation(client, served, fake, REMINDERS, user="amzn1.ask.account.NO")
    declined.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    calls = len(fake.calls)
    declined.say("no")
    assert len(fake.calls) == calls  # "Okay, no reminder" names no time: no call at all
