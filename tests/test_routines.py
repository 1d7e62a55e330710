"""Guided routines through the Flask app: whole conversations, pacing, and every response checked."""
from __future__ import annotations

import pytest

from skill import content as content_module
from skill import pacing, ssml
from skill.routine import DEFAULT_PACE, PACES

CONTENT = content_module.load()
ROUTINES = sorted(CONTENT.routines)
PROMPTS = CONTENT.routine_prompts


def step_title(reply) -> str:
    return reply.speech.split(". ")[1] if reply.speech.startswith("Step") else ""


def state(reply) -> dict:
    return reply.attributes.get("routine") or {}


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_a_whole_conversation_through_each_routine(alexa, routine_id):
    routine = CONTENT.routines[routine_id]
    alexa.launch()
    first = alexa.intent("StartRoutineIntent", {"routine": routine.synonyms[0]})
    assert first.speech.startswith(f"Step 1 of {len(routine.steps)}. {routine.steps[0].title}.")
    assert first.speech.endswith(PROMPTS["next_question"])
    assert state(first) == {"routine": routine_id, "step": 0, "pace": DEFAULT_PACE, "paused": False}

    second = alexa.say("next")
    assert second.speech.startswith(f"Step 2 of {len(routine.steps)}. {routine.steps[1].title}.")

    paused = alexa.say("pause")
    assert paused.speech == PROMPTS["paused"] and state(paused)["paused"] is True and not paused.ended
    resumed = alexa.intent("AMAZON.ResumeIntent")
    assert resumed.speech.startswith(f"Back to {routine.name}. Step 2 of")
    assert state(resumed)["paused"] is False

    slower = alexa.say("slower")
    assert slower.speech.startswith(PROMPTS["slower"] + " Step 2 of")
    assert state(slower)["pace"] == DEFAULT_PACE + 1

    question = alexa.say("what position helps")
    assert question.attributes["last_topic"] == "positions"
    assert f"say continue, to go back to {routine.name}" in question.speech
    assert state(question)["step"] == 1  # the routine waits where it was

    back = alexa.say("continue")
    assert back.speech.startswith(f"Back to {routine.name}. Step 2 of")

    previous = alexa.say("go back")
    assert previous.speech.startswith("Step 1 of")
    again = alexa.say("repeat")
    assert again.ssml == previous.ssml

    stopped = alexa.say("stop")
    assert stopped.speech == PROMPTS["stopped"] and stopped.ended


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_next_through_every_step_to_the_end(alexa, routine_id):
    routine = CONTENT.routines[routine_id]
    reply = alexa.intent("StartRoutineIntent", {"routine": routine_id})
    for index in range(1, len(routine.steps)):
        reply = alexa.say("next")
        assert reply.speech.startswith(f"Step {index + 1} of {len(routine.steps)}. {routine.steps[index].title}.")
    end = alexa.say("next")
    assert end.speech.startswith(routine.outro)
    assert "routine" not in end.attributes
    assert end.ended is routine.end_session


def test_the_ice_and_heat_session_ends_with_how_to_set_a_timer(alexa):
    alexa.say("start ice or heat")
    alexa.say("next")
    end = alexa.say("next")
    assert "Alexa, set a timer for fifteen minutes" in end.speech
    assert "fifteen to twenty minutes" in end.speech and "couple of hours" in end.speech
    assert end.ended


@pytest.mark.parametrize(
    "utterance, routine_id",
    [("guide me through breathing", "breathing"), ("help me breathe through this", "breathing"),
     ("walk me through some stretches", "stretches"), ("guide me through stretches", "stretches"),
     ("sing me a song", None),
     ("let's do positions", "positions"), ("start ice or heat", "ice_heat"), ("take me through the stretches", "stretches")],
)
def test_routines_start_by_how_people_ask(alexa, utterance, routine_id):
    reply = alexa.say(utterance)
    if routine_id is None:
        assert "routine" not in reply.attributes
    else:
        assert state(reply)["routine"] == routine_id


def test_an_unknown_routine_name_asks_which(alexa):
    reply = alexa.say("guide me through dancing")
    assert reply.speech == PROMPTS["which_routine"] and "routine" not in reply.attributes


def test_what_routines_are_there_lists_them_in_one_sentence(alexa):
    reply = alexa.say("what routines are there")
    first = reply.speech.split(". ")[0]
    for name in ("breathing", "positions", "stretches"):
        assert name in first
    assert reply.speech == PROMPTS["list"]


def test_slower_and_faster_stop_at_safe_bounds_and_say_so(alexa):
    alexa.say("guide me through breathing")
    for _ in range(len(PACES) - 1 - DEFAULT_PACE):
        alexa.say("slower")
    at_bound = alexa.say("slower")
    assert at_bound.speech.startswith(PROMPTS["slowest"]) and state(at_bound)["pace"] == len(PACES) - 1
    for _ in range(len(PACES) - 1):
        alexa.say("faster")
    fastest = alexa.say("faster")
    assert fastest.speech.startswith(PROMPTS["fastest"]) and state(fastest)["pace"] == 0


def test_skip_and_start_over(alexa):
    alexa.say("guide me through positions")
    skipped = alexa.say("skip this one")
    assert skipped.speech.startswith(PROMPTS["skipped"] + " Step 2 of")
    top = alexa.intent("AMAZON.StartOverIntent")
    assert top.speech.startswith(PROMPTS["start_over"] + " Step 1 of")


def test_previous_at_the_first_step_says_so(alexa):
    alexa.say("guide me through breathing")
    reply = alexa.say("go back")
    assert reply.speech.startswith(PROMPTS["first_step"] + " Step 1 of")


def test_help_inside_a_routine_explains_the_controls(alexa):
    alexa.say("guide me through stretches")
    reply = alexa.say("help")
    assert reply.speech.startswith("You're in the gentle stretches routine.")
    assert state(reply)["routine"] == "stretches"


def test_unrecognised_speech_inside_a_routine_keeps_the_routine(alexa):
    alexa.say("guide me through stretches")
    reply = alexa.intent("AMAZON.FallbackIntent")
    assert reply.speech == PROMPTS["not_understood"] and state(reply)["routine"] == "stretches"


def test_repeat_after_a_question_mid_routine_repeats_the_answer_not_the_step(alexa):
    alexa.say("guide me through breathing")
    answer = alexa.say("heat or ice")
    assert alexa.say("repeat").ssml == answer.ssml


def test_routine_controls_without_a_routine_offer_the_routines(alexa):
    for utterance in ("next", "pause", "slower", "skip", "go back"):
        reply = alexa.say(utterance)
        assert reply.speech == PROMPTS["no_routine"]


def test_a_malformed_routine_state_is_treated_as_none(alexa):
    alexa.attributes = {"routine": {"routine": "breathing", "step": 99, "pace": "fast"}}
    alexa.session_id = "amzn1.echo-api.session.x"
    reply = alexa.say("next")
    assert reply.speech == PROMPTS["no_routine"]


def test_go_home_leaves_the_routine(alexa):
    alexa.say("guide me through breathing")
    reply = alexa.intent("AMAZON.NavigateHomeIntent")
    assert "routine" not in reply.attributes


# --- Pacing -------------------------------------------------------------------------------


@pytest.mark.parametrize("pace", range(len(PACES)))
def test_breathing_pauses_sum_to_the_intended_inhale_and_exhale(alexa, pace):
    alexa.say("guide me through breathing")
    alexa.attributes["routine"]["pace"] = pace
    reply = alexa.say("next")
    step = CONTENT.routines["breathing"].steps[1]
    inhale, exhale = (beat.pause for beat in step.each)
    assert (inhale, exhale) == (4, 6)  # the content's "in for four, out for six"
    assert ssml.pause_seconds(reply.ssml) == pytest.approx(step.repeat * (inhale + exhale) * PACES[pace])


@pytest.mark.parametrize("routine_id", ["positions", "stretches"])
@pytest.mark.parametrize("pace", range(len(PACES)))
def test_holds_last_what_the_content_says_at_every_pace(alexa, routine_id, pace):
    routine = CONTENT.routines[routine_id]
    alexa.say(f"guide me through {routine_id}")
    alexa.attributes["routine"]["pace"] = pace
    for index in range(1, len(routine.steps)):
        reply = alexa.say("next")
        expected = pacing.intended_pause_seconds(routine.steps[index], PACES[pace])
        assert ssml.pause_seconds(reply.ssml) == pytest.approx(expected)


def test_a_long_hold_is_a_chain_of_breaks_of_ten_seconds_at_most(alexa):
    alexa.say("guide me through breathing")
    for _ in range(3):
        reply = alexa.say("next")
    assert reply.speech.startswith("Step 4 of 4")
    assert reply.ssml.count('<break time="10000ms"/>') >= 3  # the thirty-second quiet stretch


def every_response():
    """Every step of every routine at every pace, as the skill would send it."""
    for routine in CONTENT.routines.values():
        for pace, factor in enumerate(PACES):
            for index in range(len(routine.steps)):
                speech = ssml.join([ssml.text(PROMPTS["slower"]), pacing.step_speech(routine, index, factor, PROMPTS),
                                    ssml.text(PROMPTS["next_question"])])
                yield f"{routine.id}[{index}]@{factor}", ssml.speak(speech)


@pytest.mark.parametrize("name, document", list(every_response()))
def test_every_routine_response_is_valid_alexa_ssml_within_the_limits(name, document):
    assert ssml.problems(document) == []
    assert len(document) < ssml.MAX_SPEECH_CHARS
    assert ssml.duration_seconds(document) <= pacing.MAX_RESPONSE_SECONDS


def test_a_step_over_the_budget_stops_start_up(tmp_path):
    import yaml

    raw = yaml.safe_load((content_module.CONTENT_DIR / "en-US.yaml").read_text())
    raw["routines"]["breathing"]["steps"][1]["repeat"] = 12
    (tmp_path / "en-US.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(content_module.ContentError, match=r"routines.breathing.steps\[1\]: runs \d+ s at the slowest pace"):
        content_module.load("en-US", tmp_path)


def test_triage_mid_routine_also_offers_to_go_back(alexa):
    alexa.say("guide me through positions")
    reply = alexa.intent("HowLongHasItBeenIntent", {"duration": "PT14H"})
    assert reply.speech.startswith("At 14 hours,")
    assert "say continue, to go back to relief positions" in reply.speech
    assert alexa.say("continue").speech.startswith("Back to relief positions. Step 1 of")
