"""Screens: an APL document on devices that say they support APL, nothing on those that do not; touches
on its buttons drive the routine as the spoken controls do."""
from __future__ import annotations

import json
import re

import pytest

from skill.conversation import screen
from skill.routine import HOLD, MOVE, PACES, RoutineState
from skill.words import content as content_module
from skill.words import pacing, ssml

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


def shown_seconds(detail: str) -> int:
    match = re.fullmatch(CONTENT.screen["hold"].replace("{seconds}", r"(\d+)"), detail)
    assert match, detail
    return int(match.group(1))


def near(shown_figure: float, playing: float) -> bool:
    """What the screen says is what plays: within 10 %, or 5 s for a short part."""
    return abs(shown_figure - playing) <= max(5.0, 0.1 * playing)


def test_the_hold_time_is_shown_in_seconds(client):
    alexa = show(client)
    alexa.say("start ice or heat")
    assert shown(alexa.say("repeat"))["detail"] == ""  # step 1 has only short gaps, no hold to show
    moving = shown(alexa.say("next"))
    assert moving["progress"] == "Step 2 of 2" and moving["detail"] == CONTENT.screen["in_place"]
    holding = alexa.say("ready")
    assert shown(holding)["detail"] == "About 30 seconds"  # 20 s of silence and about 9 s of words
    assert near(shown_seconds(shown(holding)["detail"]), ssml.duration_seconds(holding.ssml))


def test_the_time_shown_is_how_long_the_whole_reply_plays(client):
    # Gentle exercises, step 4: 42 s of silence, but "About 42 seconds" used to be shown for 70 s of speech.
    alexa = show(client)
    alexa.say("guide me through exercises")
    reply = alexa.say("yes")
    while (alexa.attributes["routine"]["step"], alexa.attributes["routine"]["part"]) != (3, HOLD):
        reply = alexa.say("next")
    assert shown(reply)["detail"] == "About 70 seconds"
    assert near(70, ssml.duration_seconds(reply.ssml))
    slower = alexa.say("slower")  # the note ("Okay, a little slower.") plays too
    assert near(shown_seconds(shown(slower)["detail"]), ssml.duration_seconds(slower.ssml))


EVERY_PART = [(routine, index, part, pace) for routine in sorted(CONTENT.routines)
              for pace in range(CONTENT.routines[routine].slowest_pace + 1)
              for index, step in enumerate(CONTENT.routines[routine].steps) for part in pacing.parts(step)]


@pytest.mark.parametrize("routine_id, index, part, pace", EVERY_PART, ids=[f"{r}[{i}].{p}@{PACES[x]}" for r, i, p, x in EVERY_PART])
def test_every_part_shows_how_long_it_plays_at_every_pace(routine_id, index, part, pace):
    routine = CONTENT.routines[routine_id]
    state = RoutineState(routine=routine_id, step=index, pace=pace, part=part)
    detail = screen.datasource(CONTENT, (), state, state)["detail"]
    markup = pacing.step_speech(routine, index, part, PACES[pace], CONTENT.routine_prompts, CONTENT.routine_closings).markup
    if part == MOVE:
        assert detail == CONTENT.screen["in_place"]  # a movement is never timed
    elif detail == "":  # only where the silences are breaths between sentences, no hold to watch
        assert ssml.pause_seconds(markup) < screen.MIN_HOLD_SHOWN
    else:
        figure = shown_seconds(detail)
        assert figure % screen.SHOWN_TO_NEAREST == 0
        assert near(figure, ssml.duration_seconds(markup)), f"shows {figure} s, plays {ssml.duration_seconds(markup):.1f} s"


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
