"""Screens: an APL document on devices that say they support APL, nothing on those that do not; touches
on its buttons drive the routine as the spoken controls do."""
from __future__ import annotations

import json

import pytest

from skill import content as content_module
from skill import screen

from .alexa import Alexa, UtteranceRouter

CONTENT = content_module.load("en-US")
APL_DEVICE = {"device": {"deviceId": "amzn1.ask.device.SHOW", "supportedInterfaces": {
    "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}},
    "viewport": {"shape": "RECTANGLE", "pixelWidth": 1280, "pixelHeight": 800, "dpi": 160}}


def show(client, locale="en-US") -> Alexa:
    return Alexa(client, UtteranceRouter(), user_id="amzn1.ask.account.SHOW", system=APL_DEVICE, locale=locale)


def rendered(reply) -> dict:
    [directive] = [d for d in reply.directives if d["type"] == "Alexa.Presentation.APL.RenderDocument"]
    assert directive["token"] == "screen"
    return directive


def shown(reply) -> dict:
    return rendered(reply)["datasources"]["screen"]


def touch(alexa: Alexa, event: str):
    return alexa.post({"type": "Alexa.Presentation.APL.UserEvent", "token": "screen", "arguments": [event],
                       "source": {"type": "TouchWrapper", "handler": "Press", "id": ""}})


def test_the_document_is_apl_json_with_what_the_datasource_fills(client):
    directive = rendered(show(client).say("heat or ice"))
    document = directive["document"]
    assert json.loads(json.dumps(document)) == json.loads(screen.DOCUMENT_PATH.read_text())
    assert document["type"] == "APL" and document["mainTemplate"]["parameters"] == ["payload"]
    text = json.dumps(document)
    for field in ("title", "line", "progress", "detail", "hint", "buttons", "controls"):
        assert f"payload.screen.{field}" in text
    assert "ScrollView" not in text and "Sequence" not in text  # nothing to scroll


def test_an_answer_shows_its_key_line(client):
    reply = show(client).say("heat or ice")
    data = shown(reply)
    assert data["kind"] == "answer" and reply.speech.startswith(data["line"])
    assert data["line"] == CONTENT.topics["heat_or_ice"].answer.split(". ")[0] + "."
    assert data["buttons"] is False


def test_a_device_without_a_screen_gets_no_directive(alexa):
    for words in ("heat or ice", "guide me through breathing", "next"):
        reply = alexa.say(words)
        assert not [d for d in reply.directives if d["type"].startswith("Alexa.Presentation")]


def test_a_routine_step_shows_its_name_progress_hold_and_buttons(client):
    alexa = show(client)
    data = shown(alexa.say("guide me through positions"))
    routine = CONTENT.routines["positions"]
    assert data["kind"] == "step" and data["line"] == routine.steps[0].title
    assert data["progress"] == f"Step 1 of {len(routine.steps)}"
    assert data["buttons"] is True and [c["event"] for c in data["controls"]] == ["next", "repeat", "stop"]
    assert data["title"].lower() == routine.name.lower()
    assert data["detail"] == ""  # "Before you move": a few short sentences, no hold to show


def test_the_hold_time_is_shown_in_seconds(client):
    alexa = show(client)
    alexa.say("start ice or heat")
    assert shown(alexa.say("repeat"))["detail"] == ""  # step 1 has only short gaps, no hold to show
    moving = shown(alexa.say("next"))
    assert moving["progress"] == "Step 2 of 2" and moving["detail"] == CONTENT.screen["in_place"]
    holding = shown(alexa.say("ready"))
    assert holding["detail"] == "About 20 seconds"


@pytest.mark.parametrize("locale, line", [("en-US", "Call 911 now"), ("en-GB", "Call 999 now"), ("en-AU", "Call 000 now"),
                                          ("en-IN", "Call 112 now"), ("en-NZ", "Call your local emergency number now")])
def test_a_red_flag_shows_the_action_in_one_line(client, locale, line):
    reply = show(client, locale).say("i wet myself")
    data = shown(reply)
    assert data["kind"] == "red_flag" and data["line"] == line and data["buttons"] is False and reply.ended


def test_touching_next_repeat_and_stop_drives_the_routine(client):
    alexa = show(client)
    first = alexa.say("guide me through breathing")
    assert alexa.attributes["routine"]["step"] == 0
    again = touch(alexa, "repeat")
    assert first.speech.endswith(again.speech) and again.speech.startswith("Step 1 of 3") and alexa.attributes["routine"]["step"] == 0
    nxt = touch(alexa, "next")
    assert alexa.attributes["routine"]["step"] == 1 and shown(nxt)["progress"] == "Step 2 of 3"
    stopped = touch(alexa, "stop")
    assert stopped.ended and stopped.speech == CONTENT.routine_prompts["stopped"]
    assert shown(stopped)["buttons"] is False and shown(stopped)["hint"] == ""  # closed: nothing left to press


@pytest.mark.parametrize("arguments", [["next"], ["launch missiles"], [], [42]])
def test_a_touch_outside_a_routine_or_of_no_known_button_is_harmless(client, arguments):
    alexa = show(client)
    alexa.launch()
    reply = alexa.post({"type": "Alexa.Presentation.APL.UserEvent", "token": "screen", "arguments": arguments})
    assert reply.status == 200 and not reply.ended and reply.reprompt


def test_a_broken_document_stops_start_up_in_one_line(tmp_path):
    broken = tmp_path / "screen.json"
    broken.write_text('{"type": "APL", ')
    with pytest.raises(content_module.ContentError, match="screen.json: not a readable APL document") as error:
        screen.document(broken)
    assert "\n" not in str(error.value)
