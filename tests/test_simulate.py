"""The simulator, end to end: what a person types, how it resolves, what Alexa would say."""
from __future__ import annotations

import copy
import io
import json
import re
import threading
from contextlib import redirect_stdout
from datetime import date

import pytest
from werkzeug.serving import make_server

from skill import create_app
from skill.dev import simulate
from skill.dev.nlu import FALLBACK, Resolver, shared, spoken_date, spoken_duration
from skill.routine import PACES
from skill.words import content as content_module
from skill.words import pacing, ssml

from .alexa import MODEL_PATH

CONTENT = content_module.load()


def first_words(text: str, count: int = 5) -> str:
    return " ".join(text.split()[:count])

TODAY = date(2026, 11, 24)  # a Tuesday
# The model's resolver that the whole run shares (compiling its samples takes about a second), with today pinned:
# a copy, so the shared one keeps its own day. Nothing else in a Resolver changes after it is built.
RESOLVER = copy.copy(shared(MODEL_PATH))
RESOLVER.today = TODAY
MODEL = json.loads(MODEL_PATH.read_text())["interactionModel"]["languageModel"]

# Everything a person might type -> the intent and slots Alexa would send. An intent not here is checked from its
# own first sample (a new topic needs no row).
TABLE = [
    ("next", "AMAZON.NextIntent", {}), ("ready", "AMAZON.NextIntent", {}), ("i'm in position", "AMAZON.NextIntent", {}),
    ("go back", "AMAZON.PreviousIntent", {}), ("hold on", "AMAZON.PauseIntent", {}),
    ("start over", "AMAZON.StartOverIntent", {}), ("help", "AMAZON.HelpIntent", {}), ("stop", "AMAZON.StopIntent", {}),
    ("never mind", "AMAZON.CancelIntent", {}), ("sing me a song", "CatchAllIntent", {"words": "sing me a song"}), ("go home", "AMAZON.NavigateHomeIntent", {}),
    ("say that again", "AMAZON.RepeatIntent", {}), ("yes please", "AMAZON.YesIntent", {}), ("no thanks", "AMAZON.NoIntent", {}),
    ("continue my routine", "AMAZON.ResumeIntent", {}), ("heat or ice", "HeatOrIceIntent", {}),
    ("when should i see a doctor", "SeeDoctorIntent", {}), ("what do i do", "FirstAidIntent", {}),
    ("what can i take for the pain", "PainReliefIntent", {}), ("what about muscle relaxants", "MuscleRelaxantsIntent", {}),
    ("should i rest", "RestOrMoveIntent", {}), ("what position helps", "PositionsIntent", {}),
    ("how should i breathe", "BreathingIntent", {}), ("what is a back spasm", "WhatIsSpasmIntent", {}),
    ("what causes it", "CausesIntent", {}), ("how long will this last", "HowLongLastsIntent", {}),
    ("how do i stop it coming back", "PreventionIntent", {}), ("what exercises help", "ExercisesIntent", {}),
    ("does massage help", "TherapiesIntent", {}), ("do i need an mri", "DiagnosisIntent", {}),
    ("do i need surgery", "SurgeryIntent", {}), ("can stress cause it", "StressIntent", {}),
    ("did i pull a muscle", "PulledMuscleIntent", {}), ("i fell off a ladder", "InjuryIntent", {}), ("cramp in my calf", "LegCrampsIntent", {}),
    ("tell me more", "MoreIntent", {}), ("i peed myself", "EmergencyRedFlagIntent", {}),
    ("pain shoots down my leg", "NerveRedFlagIntent", {}), ("chest pain", "HeartLungRedFlagIntent", {}),
    ("i took too many painkillers", "OverdoseRedFlagIntent", {}), ("i have a fever", "FeverRedFlagIntent", {}),
    ("it's getting worse", "WorseningIntent", {}), ("is tingling a bad sign", "SignQuestionIntent", {"sign": "tingling"}),
    ("no numbness", "SignDeniedIntent", {"sign": "numbness"}), ("thanks", "ThanksIntent", {}), ("thanks bye", "AMAZON.StopIntent", {}),
    ("pardon", "PardonIntent", {}),
    ("how long has it been", "HowLongHasItBeenIntent", {}),
    ("it's been three days", "HowLongHasItBeenIntent", {"duration": "P3D"}),
    ("it's been about twelve hours", "HowLongHasItBeenIntent", {"duration": "PT12H"}),
    ("i've had it for a day and a half", "HowLongHasItBeenIntent", {"duration": "P1DT12H"}),
    ("since yesterday", "HowLongHasItBeenIntent", {"started": "2026-11-23"}),
    ("it started monday", "HowLongHasItBeenIntent", {"started": "2026-11-23"}),
    ("it's been a few days", "HowLongHasItBeenIntent", {"range": "a few days"}),
    ("set a timer for the ice", "SetTimerIntent", {}),
    ("what about a hot bath", "QuestionIntent", {"query": "a hot bath"}),
    ("guide me through breathing", "StartRoutineIntent", {"routine": "breathing"}),
    ("what routines are there", "ListRoutinesIntent", {}), ("slow down", "SlowerIntent", {}),
    ("speed up", "FasterIntent", {}), ("skip this one", "SkipIntent", {}), ("forget me", "ForgetMeIntent", {}),
]


@pytest.mark.parametrize("words, intent, slots", TABLE)
def test_the_resolution_table(words, intent, slots):
    resolution = RESOLVER.resolve(words)
    assert (resolution.intent, resolution.slots) == (intent, slots), resolution.how


def test_every_intent_of_the_model_is_resolved_from_its_own_samples():
    # AMAZON.FallbackIntent: with a catch-all in the model the resolver sends far words there (tested below)
    tabled = {intent for _, intent, _ in TABLE} | {FALLBACK}
    for intent in MODEL["intents"]:
        if intent["name"] in tabled:
            continue
        sample = next((text for text in intent.get("samples", []) if "{" not in text), None)
        assert sample, f"{intent['name']}: give it a sample without slots, or a row in TABLE (tests/test_simulate.py)"
        assert RESOLVER.resolve(sample).intent == intent["name"], (intent["name"], sample)


def test_a_custom_slot_value_resolves_to_its_id_as_alexa_does():
    resolution = RESOLVER.resolve("walk me through heat session")
    assert resolution.intent == "StartRoutineIntent" and resolution.resolved == {"routine": "ice_heat"}


@pytest.mark.parametrize("words, intent", [
    ("is a heating pad alright then", "HeatOrIceIntent"), ("my back is killing me what do i do", "FirstAidIntent"),
    ("it started on monday", "HowLongHasItBeenIntent"),
])
def test_phrasings_that_are_no_sample_reach_the_nearest_samples_intent(words, intent):
    resolution = RESOLVER.resolve(words)
    assert resolution.intent == intent and "nearest" in resolution.how


@pytest.mark.parametrize("words", ["what's the weather", "play some jazz", "is it bad that it hurts to sit"])
def test_far_from_every_sample_is_the_catch_all_with_the_words_not_a_guess(words):
    resolution = RESOLVER.resolve(words)
    assert resolution.intent == "CatchAllIntent" and resolution.slots == {"words": words} and "catch-all" in resolution.how


def test_without_a_catch_all_in_the_model_far_words_are_the_fallback(tmp_path):
    model = json.loads(MODEL_PATH.read_text())
    language = model["interactionModel"]["languageModel"]
    language["intents"] = [intent for intent in language["intents"] if intent["name"] != "CatchAllIntent"]
    (tmp_path / "model.json").write_text(json.dumps(model))
    resolution = Resolver(tmp_path / "model.json").resolve("sing me a song")
    assert resolution.intent == FALLBACK and resolution.slots == {} and "under" in resolution.how


def test_while_alexa_asks_how_long_a_bare_duration_answers_it():
    alone = RESOLVER.resolve("three days")  # on its own, no sample carries a bare duration: the catch-all has the words
    assert (alone.intent, alone.slots) == ("CatchAllIntent", {"words": "three days"})
    answered = RESOLVER.resolve("three days", eliciting=("HowLongHasItBeenIntent", "duration"))
    assert (answered.intent, answered.slots) == ("HowLongHasItBeenIntent", {"duration": "P3D"})


@pytest.mark.parametrize("words, iso", [
    ("three days", "P3D"), ("about twelve hours", "PT12H"), ("an hour", "PT1H"), ("half an hour", "PT30M"),
    ("two weeks", "P2W"), ("a day and a half", "P1DT12H"), ("twenty four hours", "PT24H"), ("5 hours", "PT5H"),
    ("2 days and 3 hours", "P2DT3H"), ("a couple of days", "P2D"), ("three bananas", None), ("soon", None),
])
def test_spoken_durations_become_what_alexa_sends(words, iso):
    assert spoken_duration(words) == iso


@pytest.mark.parametrize("words, iso", [
    ("yesterday", "2026-11-23"), ("today", "2026-11-24"), ("last night", "2026-11-23"), ("sunday", "2026-11-22"),
    ("tuesday", "2026-11-17"), ("three days ago", "2026-11-21"), ("whenever", None),
])
def test_spoken_dates_become_what_alexa_sends(words, iso):
    assert spoken_date(words, TODAY) == iso


def run(*turns: str, **options) -> str:
    out = io.StringIO()
    args = [arg for turn in turns for arg in ("--say", turn)]
    for flag, value in options.items():
        args += [f"--{flag.replace('_', '-')}"] + ([] if value is True else [value])
    with redirect_stdout(out):
        assert simulate.main(args) == 0
    return out.getvalue()


def alexa_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("Alexa")]


@pytest.fixture(autouse=True)
def own_store(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILL_DB_PATH", str(tmp_path / "sim.sqlite3"))
    for name in ("ASK_SDK_VERIFY_SIGNATURE", "ASK_SDK_VERIFY_TIMESTAMP", "SKILL_ID"):
        monkeypatch.delenv(name, raising=False)


def test_a_conversation_as_on_a_device():
    text = run("open back spasm helper", "heat or ice", "yes", "guide me through breathing", "", "", "next")
    said = alexa_lines(text)
    assert said[0].startswith("Alexa: Welcome to Back Spasm Helper.")
    heat_or_ice = CONTENT.topics["heat_or_ice"]
    assert said[1].startswith(f"Alexa: {first_words(heat_or_ice.answer)}") and first_words(heat_or_ice.more or "") in said[2]
    assert said[3].startswith("Alexa: Step 1 of 3. Six slow breaths.")
    assert "a count of 4, and out for a count of 6" in said[3]
    assert said[3].count("Breathe in. [pause 3.2s]") == 6  # a count of 4, its two words (0.8 s) said inside it
    assert said[4].startswith("Alexa (reprompt): Say next to go on") and "Alexa, open Back Spasm Helper" in said[4]
    assert "-> silence twice: the session times out" in text and "(session ended)" in text
    assert "(the skill is closed: say 'open back spasm helper'" in text  # "next" after the session closed


def test_a_one_shot_request_and_the_elicitation_that_follows():
    text = run("alexa, ask back spasm helper how long has it been", "about twelve hours")
    assert "directive: Dialog.ElicitSlot (duration)" in text
    assert "-> HowLongHasItBeenIntent {duration='PT12H'}" in text and "Alexa: At 12 hours," in text


def test_the_permission_question_the_directives_and_alexas_api_calls_are_shown():
    text = run("ask back spasm helper how long has it been", "three hours", "yes", "yes")
    assert "directive: Connections.SendRequest (AskFor)" in text
    # Alexa's own words, as its voice permission documentation gives them, never the scope's id.
    assert ("Alexa (its own question): Do you give Back Spasm Helper permission to update your reminders? "
            "You can say I approve or no.") in text
    assert "alexa::" not in "".join(alexa_lines(text))
    assert "-> Connections.Response: permission ACCEPTED" in text
    assert "alexa api: POST /v1/alerts/reminders -> 201" in text and "Alexa: Done. I'll remind you at" in text


def test_the_timer_permission_is_asked_in_alexas_words_and_i_approve_grants_it():
    text = run("ask back spasm helper to set the timer", "i approve")
    assert "Do you give Back Spasm Helper permission to update your timers? You can say I approve or no." in text
    assert "-> Connections.Response: permission ACCEPTED" in text and "alexa api: POST /v1/alerts/timers -> 200" in text


def test_a_denied_permission_shows_the_card_and_makes_nothing():
    text = run("ask back spasm helper how long has it been", "three hours", "yes", "no")
    assert "-> Connections.Response: permission DENIED" in text and "alexa api: POST" not in text
    assert "card: AskForPermissionsConsent alexa::alerts:reminders:skill:readwrite" in text


def test_an_echo_show_prints_the_screen_and_takes_touches():
    text = run("open back spasm helper", "guide me through breathing", "touch next", "touch stop", screen=True)
    assert "screen: Slow breathing | Step 1 of 3 | Six slow breaths" in text and "[Next] [Repeat] [Stop]" in text
    assert "-> a touch on the screen: next" in text and "screen: Slow breathing | Step 2 of 3" in text
    assert text.rstrip().endswith("(session ended)")
    assert "screen:" not in run("open back spasm helper")  # no screen unless asked for


def test_a_locale_is_spoken_as_its_market_speaks():
    assert "Call 000," in run("ask back spasm helper i wet myself", locale="en-AU")


def test_stop_and_a_red_flag_end_the_session():
    assert "(session ended)" in run("open back spasm helper", "stop")
    text = run("open back spasm helper", "i can't hold my pee")
    assert "Alexa: Get emergency help now. Call 911," in text and text.rstrip().endswith("(session ended)")


def test_every_run_is_a_new_user_unless_asked():
    first, second = run("open back spasm helper"), run("open back spasm helper")
    assert "Alexa: Welcome to Back Spasm Helper." in first and "Alexa: Welcome to Back Spasm Helper." in second
    run("open back spasm helper", same_user=True)
    assert "Alexa: Welcome back" in run("open back spasm helper", same_user=True)


def test_json_prints_the_raw_exchange():
    text = run("ask back spasm helper heat or ice", json=True)
    exchange = json.loads(text[text.index("{"): text.rindex("}") + 1])
    assert exchange["request"]["request"]["intent"]["name"] == "HeatOrIceIntent"
    assert exchange["request"]["session"]["new"] is True
    assert "towel" in exchange["response"]["response"]["outputSpeech"]["ssml"]


def test_url_sends_to_a_running_server():
    app = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "none"})
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        text = run("ask back spasm helper what position helps", url=f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
    assert "Alexa: Lie on your back" in text


def test_python_dash_m_skill_points_to_the_simulator(capsys):
    import runpy

    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("skill", run_name="__main__")
    assert exit_.value.code == 0 and "python -m skill.simulate" in capsys.readouterr().err


def test_espeak_gets_each_run_of_breaks_as_one_break_of_their_total():
    # espeak-ng keeps only the longest break of a run: "stay quiet for about 30 seconds" played 10 s.
    chained = '<speak>Quiet now. <break time="10000ms"/><break time="10000ms"/> <break time="10000ms"/> Good.</speak>'
    assert simulate.for_espeak(chained) == '<speak>Quiet now. <break time="30000ms"/> Good.</speak>'
    two_runs = 'In. <break time="3200ms"/> Out. <break time="10000ms"/><break time="2500ms"/>'
    assert simulate.for_espeak(two_runs) == 'In. <break time="3200ms"/> Out. <break time="12500ms"/>'
    assert simulate.for_espeak('A <break time="1s"/><break time="500ms"/> B') == 'A <break time="1500ms"/> B'
    assert simulate.for_espeak("No breaks at all.") == "No breaks at all."


def test_every_routine_part_reaches_espeak_as_long_as_it_plays_on_a_device():
    chains = 0
    for routine in CONTENT.routines.values():
        for factor in PACES[: routine.slowest_pace + 1]:
            for index, step in enumerate(routine.steps):
                for part in pacing.parts(step):
                    markup = ssml.speak(pacing.step_speech(routine, index, part, factor, CONTENT.routine_prompts,
                                                           CONTENT.routine_closings))
                    spoken = simulate.for_espeak(markup)
                    chains += bool(re.search(r"/>\s*<break", markup))
                    assert not re.search(r"/>\s*<break", spoken)  # no run left for espeak to shorten
                    assert ssml.pause_seconds(spoken) == pytest.approx(ssml.pause_seconds(markup))
                    assert ssml.spoken_words(spoken) == ssml.spoken_words(markup)
    assert chains  # the content has long silences to carry


def test_speak_hands_espeak_the_merged_breaks(monkeypatch):
    heard: list[list[str]] = []
    monkeypatch.setattr(simulate.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(simulate.subprocess, "run", lambda args, check: heard.append(args))
    run("open back spasm helper", "guide me through breathing", "next", "next", speak=True)
    quiet = [args for args in heard if "stay quiet" in args[-1]]
    assert quiet and all(args[:-1] == ["espeak-ng", "-s", "150", "-m"] for args in heard)  # the estimate's rate
    assert '<break time="10000ms"/><break' not in quiet[0][-1] and re.search(r'<break time="[34]\d000ms"/>', quiet[0][-1])


def test_free_words_show_how_the_matcher_read_them_so_a_content_editor_sees_why_not_sure():
    from skill.words.content import load

    ranked = load().matcher.ranked("ice and my doctor")
    assert len(ranked) >= 2 and ranked[0][1] == ranked[1][1]  # two topics named alike: what this phrase is here for
    text = run("open back spasm helper", "what about ice and my doctor", "what about the weather in paris")
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("matcher:")]
    named = ", ".join(f"{topic} {sum(score)} ({' / '.join(phrases)})" for topic, score, phrases in ranked[:3])
    assert lines == [f"matcher: {named}: a tie, so not sure", "matcher: no topic's words heard: not sure"]
