"""Guided routines through the Flask app: whole conversations, pacing, and every response checked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill.routine import DEFAULT_PACE, HOLD, MOVE, PACES
from skill.words import content as content_module
from skill.words import pacing, ssml
from tests import ssml_rules

from . import yamlio
from .alexa import back_to, said_twice

CONTENT = content_module.load()
ROUTINES = sorted(CONTENT.routines)
PROMPTS = CONTENT.routine_prompts


def step_title(reply) -> str:
    return reply.speech.split(". ")[1] if reply.speech.startswith("Step") else ""


def state(reply) -> dict:
    return reply.attributes.get("routine") or {}


def walk_to(alexa, step: int, part: str = HOLD):
    """Say next (or ready) until the routine is at `step`, `part`."""
    reply = alexa.last
    while (state(reply)["step"], state(reply)["part"]) != (step, part):
        reply = alexa.say("next")
    return reply


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_a_whole_conversation_through_each_routine(alexa, routine_id):
    routine = CONTENT.routines[routine_id]
    alexa.launch()
    first = alexa.intent("StartRoutineIntent", {"routine": routine.synonyms[0]})
    assert first.speech.startswith(f"Step 1 of {len(routine.steps)}. {routine.steps[0].title}.")
    assert first.speech.endswith(routine.steps[0].ask or CONTENT.routine_closings[0])
    assert state(first) == {"routine": routine_id, "step": 0, "pace": DEFAULT_PACE, "paused": False, "part": HOLD}

    second = alexa.say("next")
    assert second.speech.startswith(f"Step 2 of {len(routine.steps)}. {routine.steps[1].title}.")

    paused = alexa.say("pause")
    assert paused.speech == PROMPTS["paused"] and state(paused)["paused"] is True and not paused.ended
    assert "Alexa, open Back Spasm Helper" in paused.reprompt  # heard before a silent session closes
    resumed = alexa.intent("AMAZON.ResumeIntent")
    assert resumed.speech.startswith(back_to(CONTENT, routine_id, 1))
    assert state(resumed)["paused"] is False

    slower = alexa.say("slower")
    assert slower.speech.startswith(PROMPTS["slower"]) and state(slower)["pace"] == DEFAULT_PACE + 1
    step = routine.steps[1]
    if step.each and state(slower)["part"] == HOLD:  # it goes on with the timed part: no header, no introduction
        assert "Step 2 of" not in slower.speech and step.each[0].say.split("{")[0] in slower.speech
        assert not any(beat.say[:30] in slower.speech for beat in step.beats)

    question = alexa.say("what position helps")
    assert question.attributes["last_topic"] == "positions"
    assert f"say continue, to go back to {routine.name}" in question.speech
    assert state(question)["step"] == 1  # the routine waits where it was

    back = alexa.say("continue")
    assert back.speech.startswith(back_to(CONTENT, routine_id, 1))

    previous = alexa.say("go back")
    assert previous.speech.startswith("Step 1 of")
    again = alexa.say("repeat")
    assert again.ssml == previous.ssml

    stopped = alexa.say("stop")
    assert stopped.speech == PROMPTS["stopped"] and stopped.ended


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_next_through_every_part_to_the_end(alexa, routine_id):
    routine = CONTENT.routines[routine_id]
    reply = alexa.intent("StartRoutineIntent", {"routine": routine_id})
    heard = [(state(reply)["step"], state(reply)["part"])]
    while "routine" in reply.attributes:
        reply = alexa.say("next")
        if "routine" in reply.attributes:
            heard.append((state(reply)["step"], state(reply)["part"]))
    assert heard == [(index, part) for index, step in enumerate(routine.steps) for part in pacing.parts(step)]
    assert reply.speech.startswith(routine.outro)
    # A routine with an alert asks about it first (yes or no then ends it: tests/test_alerts.py).
    assert reply.ended is (routine.end_session and routine.alert is None)


@pytest.mark.parametrize("routine_id, index", [(r, i) for r in ROUTINES for i, s in enumerate(CONTENT.routines[r].steps) if s.move])
def test_a_movement_is_never_timed_the_hold_starts_when_the_user_is_ready(alexa, routine_id, index):
    routine = CONTENT.routines[routine_id]
    alexa.intent("StartRoutineIntent", {"routine": routine_id})
    moving = walk_to(alexa, index, MOVE)
    assert moving.speech.startswith(f"Step {index + 1} of")
    assert moving.speech.endswith(PROMPTS["settle_question"])  # then it waits
    assert all(seconds <= pacing.MAX_MOVE_PAUSE_SECONDS for seconds in breaks(moving.ssml))
    assert "ready" in moving.reprompt
    settled = alexa.say("ready")
    assert state(settled) == {**state(moving), "part": HOLD}
    assert settled.speech.startswith(PROMPTS["in_place"])
    assert ssml.pause_seconds(settled.ssml) == pytest.approx(pacing.silence_seconds(routine, index, HOLD, 1.0), abs=0.01)


def test_the_exercises_ask_first_whether_the_worst_has_passed(alexa):
    step = CONTENT.routines["stretches"].steps[0]
    asked = alexa.say("guide me through exercises")
    assert asked.speech.endswith(step.ask) and "yes" in asked.reprompt and "no" in asked.reprompt
    assert alexa.say("repeat").speech.endswith(step.ask)  # the same question, still open
    resting = alexa.say("no")
    assert resting.speech.startswith(step.if_no) and "routine" not in resting.attributes and not resting.ended
    assert "guide me through breathing" in resting.speech


@pytest.mark.parametrize("answer", ["no not really", "skip", "i can't do this one", "nah"])
def test_at_the_exercises_question_not_yet_or_skipping_is_a_no(alexa, answer):
    step = CONTENT.routines["stretches"].steps[0]
    alexa.say("guide me through exercises")
    resting = alexa.say(answer)
    assert resting.speech.startswith(step.if_no) and "routine" not in resting.attributes and not resting.ended


@pytest.mark.parametrize("go_on", ["yes", "next", "ready"])
def test_yes_or_next_to_the_question_starts_the_exercises(alexa, go_on):
    alexa.say("guide me through exercises")
    reply = alexa.say(go_on)
    assert reply.speech.startswith("Step 2 of") and state(reply)["step"] == 1


def test_a_no_two_turns_after_the_question_does_not_end_the_routine(alexa):
    alexa.say("guide me through exercises")
    alexa.say("help")
    reply = alexa.say("no")
    assert reply.speech == PROMPTS["waiting"] and state(reply)["routine"] == "stretches"


def test_okay_after_a_movement_also_means_ready(alexa):
    alexa.say("guide me through positions")
    walk_to(alexa, 1, MOVE)
    assert state(alexa.say("okay"))["part"] == HOLD


# Words that describe getting into a new position; they belong in a step's `move`, never in a timed part.
POSITION_CHANGES = re.compile(r"\b(roll|get onto|lie on|lie back|turn over|sit in|get into|go to|fetch|stand up)\b", re.I)


def test_timed_parts_hold_no_change_of_position():
    for routine in CONTENT.routines.values():
        for index, step in enumerate(routine.steps):
            for beat in (*step.beats, *step.each):
                assert not POSITION_CHANGES.search(beat.say), f"{routine.id}[{index}]: {beat.say!r} belongs in move"


def test_every_routine_line_fits_one_breath():
    for routine in CONTENT.routines.values():
        for step in routine.steps:
            for beat in (*step.move, *step.beats, *step.each):
                assert len(beat.say.split()) <= 30, beat.say
                for sentence in re.split(r"(?<=[.?!;])\s+", beat.say):
                    assert len(sentence.split()) <= 20, sentence


def test_positions_holds_say_keep_breathing():
    for step in CONTENT.routines["positions"].steps:
        if step.move:
            assert any("keep breathing" in beat.say.lower() for beat in step.beats), step.title


# Where each position leaves the body, by the words of the move that gets there.
WHERE = {"back": re.compile(r"\b(onto|lie on) your back\b", re.I),
         "front": re.compile(r"\b(onto|lie on) your front\b|\blie face down\b", re.I),
         "chair": re.compile(r"\binto a (firm )?chair\b", re.I)}


def test_positions_never_send_anyone_back_to_a_position_they_left():
    # Back, front, back again is two painful turns for nothing (001 ties each position to the movement that hurts).
    visited: list[str] = []
    for step in CONTENT.routines["positions"].steps:
        move = " ".join(beat.say for beat in step.move)
        for place, pattern in WHERE.items():
            if pattern.search(move) and (not visited or visited[-1] != place):
                assert place not in visited, f"{step.title!r} sends them back to a position they left ({place})"
                visited.append(place)
    assert visited == ["back", "front", "chair"]


def test_a_position_for_some_people_says_who_and_how_to_leave_it_out_before_anyone_moves():
    for routine in CONTENT.routines.values():
        for step in routine.steps:
            if not step.move:
                continue
            first = step.move[0].say
            if re.search(r"\bhurts most\b", " ".join(beat.say for beat in step.move)):
                assert re.search(r"\bhurts most\b.*\bsay skip\b", first), f"{routine.id}: {step.title!r}: {first!r}"


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_no_routine_response_says_a_phrase_twice(routine_id):
    # The step's title is said in its header, so the move must not open with it again. A run of repeated
    # beats (`each`: "breathe in ... and out", six times) is the exercise itself, so it is left out.
    routine = CONTENT.routines[routine_id]
    for index, step in enumerate(routine.steps):
        for part in pacing.parts(step):
            if part == HOLD and step.each:
                continue
            speech = pacing.step_speech(routine, index, part, 1.0, PROMPTS, CONTENT.routine_closings)
            assert said_twice(re.sub(r"<[^>]+>", " ", speech.markup)) == [], (step.title, part)


def test_leg_exercises_say_to_stop_and_tell_me_and_that_phrase_reaches_the_red_flag(alexa):
    legs = [step for step in CONTENT.routines["stretches"].steps if "leg" in step.title.lower()]
    assert legs and all("pain shoots down your leg" in " ".join(b.say for b in step.move) for step in legs)
    alexa.say("guide me through stretches")
    reply = alexa.say("pain shoots down my leg")
    assert reply.speech.startswith("Please contact a doctor today") and "routine" not in reply.attributes


def test_the_ice_and_heat_session_never_has_the_pack_lain_on(alexa):
    words = " ".join(beat.say for step in CONTENT.routines["ice_heat"].steps for beat in (*step.move, *step.beats))
    assert "Keep your weight off it" in words and "never lie on a pack, hot or cold" in words  # 000: ice burns too
    assert "safety directions" in words and "never put it on bare skin" in words and "never fall asleep on one" in words


def test_the_ice_and_heat_session_ends_with_how_long_and_a_timer_offer(alexa):
    reply = alexa.say("start ice or heat")
    for _ in range(10):  # bounded: a routine that never finishes fails here, not by hanging the run
        if (reply.attributes.get("pending") or {}).get("offer") == "alert":
            break
        reply = alexa.say("next")
    assert "fifteen minutes" in reply.speech and "couple of hours" in reply.speech
    assert "Shall I set a 15-minute timer" in reply.speech and not reply.ended  # tests/test_alerts.py: the rest


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
    for name in ("breathing", "positions", "exercises"):
        assert name in first
    assert reply.speech == PROMPTS["list"]


def test_slower_and_faster_stop_at_each_routines_bounds_and_say_so(alexa):
    slowest = CONTENT.routines["breathing"].slowest_pace
    alexa.say("guide me through breathing")
    for _ in range(slowest - DEFAULT_PACE):
        alexa.say("slower")
    at_bound = alexa.say("slower")
    assert at_bound.speech.startswith(PROMPTS["slowest"]) and state(at_bound)["pace"] == slowest
    for _ in range(slowest):
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
    assert reply.speech.startswith("We're doing gentle exercises together.")
    assert state(reply)["routine"] == "stretches"


def test_unrecognised_speech_inside_a_routine_keeps_the_routine_and_names_the_way_back(alexa):
    alexa.say("guide me through stretches")
    said = []
    for request in ("AMAZON.FallbackIntent", "SomeNewIntent"):
        reply = alexa.intent(request)
        assert "say next to go on with gentle exercises" in reply.speech.lower() and state(reply)["routine"] == "stretches"
        said.append(reply.speech)
    assert said[0] != said[1]  # a second misunderstanding in a row is said differently


def test_a_question_the_skill_cannot_match_mid_routine_still_offers_the_way_back(alexa):
    alexa.say("guide me through breathing")
    reply = alexa.intent("QuestionIntent", {"query": "what about my grandmother's quilt"})
    assert "say continue, to go back to slow breathing" in reply.speech and state(reply)["routine"] == "breathing"


def test_yes_inside_a_routine_goes_on_and_no_waits_saying_so(alexa):
    alexa.say("guide me through breathing")
    onward = alexa.say("yes")
    assert onward.speech.startswith("Step 2 of") and state(onward)["step"] == 1
    staying = alexa.say("no")
    assert staying.speech == PROMPTS["waiting"] and state(staying)["step"] == 1
    assert alexa.say("okay").speech.startswith("Step 3 of")  # "okay" after "I'll wait here": ready, go on


def test_yes_after_an_answer_mid_routine_goes_back_to_the_step(alexa):
    alexa.say("guide me through breathing")
    alexa.say("what causes it")
    more = alexa.say("yes")  # yes to "want to hear more?" is the more, not the routine
    assert more.speech.startswith(CONTENT.topics["causes"].more) and state(more)["step"] == 0
    reply = alexa.say("sure")  # no question open now: yes means carry on
    assert reply.speech.startswith(back_to(CONTENT, "breathing", 0))


def test_repeat_after_a_question_mid_routine_repeats_the_answer_not_the_step(alexa):
    alexa.say("guide me through breathing")
    answer = alexa.say("heat or ice")
    assert alexa.say("repeat").ssml == answer.ssml


def test_routine_controls_without_a_routine_offer_the_routines(alexa):
    for utterance in ("next", "slower", "skip", "go back"):
        reply = alexa.say(utterance)
        assert reply.speech == PROMPTS["no_routine"]
    assert alexa.say("hang on").speech == CONTENT.prompts["take_your_time"]  # nothing to pause: just wait


def test_a_malformed_routine_state_is_treated_as_none(alexa):
    alexa.attributes = {"routine": {"routine": "breathing", "step": 99, "pace": "fast"}}
    alexa.session_id = "amzn1.echo-api.session.x"
    reply = alexa.say("next")
    assert reply.speech == PROMPTS["no_routine"]


def test_go_home_leaves_the_routine(alexa):
    alexa.say("guide me through breathing")
    reply = alexa.intent("AMAZON.NavigateHomeIntent")
    assert "routine" not in reply.attributes


def test_every_reprompt_inside_a_routine_says_how_to_come_back_later(alexa):
    alexa.say("guide me through positions")
    for utterance in ("next", "ready", "help", "heat or ice", "no", "pause", "slower", "sing me a song"):
        reply = alexa.say(utterance)
        assert not reply.ended and PROMPTS["come_back"] in reply.reprompt, utterance
    outside = alexa.say("stop")
    assert outside.ended
    assert PROMPTS["come_back"] not in alexa.launch().reprompt


# --- Pacing -------------------------------------------------------------------------------


def breaks(markup: str) -> list[float]:
    """Each run of silence (a chain of <break>s counts as one), in seconds."""
    return [ssml.pause_seconds(chain) for chain in re.findall(r"(?:<break time=\"\d+ms\"/>\s*)+", markup)]


def every_part():
    """Every part of every step of every routine at every pace it allows, as the skill would speak it."""
    for routine in CONTENT.routines.values():
        for factor in PACES[: routine.slowest_pace + 1]:
            for index, step in enumerate(routine.steps):
                for part in pacing.parts(step):
                    speech = pacing.step_speech(routine, index, part, factor, PROMPTS, CONTENT.routine_closings)
                    yield f"{routine.id}[{index}].{part}@{factor}", routine, step, part, factor, speech.markup


PARTS = list(every_part())


def content_silence(routine, step, part, factor) -> float:
    """What the content says a part holds silent: each pause scaled, less the words said inside a count."""
    values = pacing.timing_values(routine, factor)

    def silence(beat) -> float:
        seconds = pacing.scaled(beat.pause, factor)
        words = ssml.render(beat.say, {**values, "seconds": seconds}).markup
        return seconds - (len(ssml.spoken_words(words)) * 60 / ssml.WORDS_PER_MINUTE if beat.words_inside else 0)

    if part == MOVE:
        return sum(map(silence, step.move))
    return sum(map(silence, step.beats)) + sum(map(silence, step.each)) * (step.repeat if step.each else 0)


@pytest.mark.parametrize("name, routine, step, part, factor, markup", PARTS, ids=[p[0] for p in PARTS])
def test_silence_is_what_the_content_says_at_every_pace(name, routine, step, part, factor, markup):
    assert ssml.pause_seconds(markup) == pytest.approx(content_silence(routine, step, part, factor), abs=0.01)
    assert pacing.silence_seconds(routine, routine.steps.index(step), part, factor) == pytest.approx(ssml.pause_seconds(markup))


TIMED_WORDS = re.compile(r"(\d+) seconds?\b[^<]*?((?:<break time=\"\d+ms\"/>\s*)+)")
CHAINS = re.compile(r"((?:<break time=\"\d+ms\"/>\s*)+)")


def heard_beats(markup: str) -> list[float]:
    """Seconds from the start of each run of words to the end of the silence after it, as Alexa plays it."""
    pieces = CHAINS.split(markup)
    return [round(ssml.duration_seconds(words + chain), 2) for words, chain in zip(pieces[::2], pieces[1::2], strict=False)]


@pytest.mark.parametrize("name, routine, step, part, factor, markup", PARTS, ids=[p[0] for p in PARTS])
def test_words_that_name_a_time_are_followed_by_that_silence(name, routine, step, part, factor, markup):
    # "I'll stay quiet for about 38 seconds" is followed by 38 s of silence.
    for number, silence in TIMED_WORDS.findall(markup):
        assert ssml.pause_seconds(silence) == int(number), name
    # "in for a count of 5, and out for a count of 8": the breaths that follow are exactly 5 and 8 seconds,
    # from the start of "Breathe in." to the start of "And out", cue included.
    counts = {int(n) for n in re.findall(r"count of (\d+)", markup)}
    if counts:
        assert counts == {pacing.scaled(beat.pause, factor) for beat in step.each}, name
        assert all(beat.words_inside for beat in step.each), f"{name}: a counted breath says its cue inside the count"
        assert counts <= set(heard_beats(markup)), name


def test_breathing_plays_long_runs_so_few_words_are_needed(alexa):
    reply = alexa.say("guide me through breathing")
    breaths = 0
    while "routine" in reply.attributes:
        breaths = max(breaths, reply.ssml.count("Breathe in.") + reply.ssml.count("In, deep and steady."))
        reply = alexa.say("next")
    assert breaths >= 6 and len(CONTENT.routines["breathing"].steps) <= 3


def readme_breath_rates() -> tuple[float, float, float]:
    """What README.md promises: the breath rate at the normal pace, and the range "slower" and "faster" keep to."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    normal = re.search(r"in for four, out for six \((\w+) breaths a minute", readme)
    between = re.search(r"between ([\d.]+) and ([\d.]+) breaths a minute", readme)
    assert normal and between, "README.md no longer states the breath rate"
    return float({"five": 5, "six": 6}[normal.group(1)]), float(between.group(1)), float(between.group(2))


def breaths_heard(markup: str, cue: str) -> list[float]:
    """Seconds from one breath's cue to the next one's, words at the SSML estimate plus every break between."""
    starts = [match.start() for match in re.finditer(re.escape(ssml.escape(cue)), markup)]
    return [ssml.duration_seconds(markup[start:end]) for start, end in zip(starts, starts[1:], strict=False)]


@pytest.mark.parametrize("factor", PACES[: CONTENT.routines["breathing"].slowest_pace + 1])
def test_the_breath_rate_heard_is_what_the_readme_says_at_every_pace(factor):
    # Counted from the rendered SSML: the cue's words (about 150 a minute) plus the breaks, cue to cue.
    normal, low, high = readme_breath_rates()
    routine = CONTENT.routines["breathing"]
    for index, step in enumerate(routine.steps):
        if not step.each:
            continue
        markup = pacing.step_speech(routine, index, HOLD, factor, PROMPTS, CONTENT.routine_closings).markup
        breaths = breaths_heard(markup, step.each[0].say)
        assert len(breaths) == step.repeat - 1, step.title
        for seconds in breaths:
            assert low - 0.05 <= 60 / seconds <= high + 0.05, f"{step.title} at {factor}x: {60 / seconds:.2f} a minute"
            if factor == PACES[DEFAULT_PACE]:
                assert 60 / seconds == pytest.approx(normal, abs=0.05), step.title


def test_words_that_fill_their_count_stop_start_up(tmp_path):
    raw = yamlio.read(content_module.CONTENT_DIR / "en-US.yaml")
    raw["routines"]["breathing"]["steps"][0]["each"][0]["say"] = "Breathe in slowly through your nose, and fill your chest."
    (tmp_path / "en-US.yaml").write_text(yamlio.dump(raw))
    with pytest.raises(content_module.ContentError, match=r"routines.breathing.steps\[0\]: .* takes up its count"):
        content_module.load("en-US", tmp_path)


@pytest.mark.parametrize("name, routine, step, part, factor, markup", PARTS, ids=[p[0] for p in PARTS])
def test_every_part_is_valid_alexa_ssml_within_the_limits(name, routine, step, part, factor, markup):
    document = ssml.speak(ssml.join([ssml.text(PROMPTS["slower"]), ssml.Ssml(markup)]))
    assert ssml_rules.problems(document) == []
    assert len(document) < ssml.MAX_SPEECH_CHARS
    assert ssml.duration_seconds(document) <= pacing.MAX_RESPONSE_SECONDS
    if part == MOVE:
        assert all(seconds <= pacing.MAX_MOVE_PAUSE_SECONDS for seconds in breaks(markup)), name


def test_a_long_hold_is_a_chain_of_breaks_of_ten_seconds_at_most(alexa):
    alexa.say("guide me through breathing")
    reply = walk_to(alexa, 2)
    assert reply.speech.startswith("Step 3 of 3")
    assert reply.ssml.count('<break time="10000ms"/>') >= 3  # the thirty-second quiet stretch


def test_the_closing_line_varies_from_step_to_step():
    closings = CONTENT.routine_closings
    assert len(set(closings)) >= 3
    for routine in CONTENT.routines.values():
        endings = [pacing.closing(index, closings).markup for index in range(len(routine.steps))]
        assert all(a != b for a, b in zip(endings, endings[1:], strict=False)), routine.id


def test_a_step_over_the_budget_stops_start_up(tmp_path):
    raw = yamlio.read(content_module.CONTENT_DIR / "en-US.yaml")
    raw["routines"]["breathing"]["steps"][1]["repeat"] = 14
    (tmp_path / "en-US.yaml").write_text(yamlio.dump(raw))
    with pytest.raises(content_module.ContentError, match=r"routines.breathing.steps\[1\]: runs \d+ s at the slowest pace"):
        content_module.load("en-US", tmp_path)


def test_a_timed_movement_stops_start_up(tmp_path):
    raw = yamlio.read(content_module.CONTENT_DIR / "en-US.yaml")
    raw["routines"]["positions"]["steps"][1]["move"][0]["pause"] = 6
    (tmp_path / "en-US.yaml").write_text(yamlio.dump(raw))
    with pytest.raises(content_module.ContentError, match=r"routines.positions.steps\[1\].move: a movement is never timed"):
        content_module.load("en-US", tmp_path)


def test_triage_mid_routine_also_offers_to_go_back(alexa):
    alexa.say("guide me through positions")
    reply = alexa.intent("HowLongHasItBeenIntent", {"duration": "PT14H"})
    assert reply.speech.startswith("At 14 hours,")
    assert "say continue, to go back to relief positions" in reply.speech
    assert alexa.say("continue").speech.startswith(back_to(CONTENT, "positions", 0))


def test_a_beat_with_both_a_pause_and_a_count_stops_start_up(tmp_path):
    raw = yamlio.read(content_module.CONTENT_DIR / "en-US.yaml")
    raw["routines"]["breathing"]["steps"][0]["each"][0]["pause"] = 2
    (tmp_path / "en-US.yaml").write_text(yamlio.dump(raw))
    with pytest.raises(content_module.ContentError, match=r"steps\[0\]\.each\[0\]: give `pause` .* or `lasts`"):
        content_module.load("en-US", tmp_path)


def test_a_count_with_its_words_inside_keeps_the_break_rules():
    # Point 4 of issue 20: however a count is cut for its words, Alexa still gets breaks of 10 s at most.
    from skill.words.content import Beat

    long_count = Beat(say="Breathe in, slowly and fully.", pause=15, words_inside=True)
    words, silence = pacing.beat(long_count, 1.0, {})
    assert silence == pytest.approx(15 - 5 * 60 / ssml.WORDS_PER_MINUTE)
    markup = ssml.join(pacing.beats((long_count,), 1.0, {})).markup
    assert ssml.duration_seconds(markup) == pytest.approx(15)
    assert re.findall(r'time="(\d+)ms"', markup) == ["10000", "3000"]
    assert ssml_rules.problems(ssml.speak(ssml.Ssml(markup))) == []


def test_a_step_kept_with_the_content_is_the_step_pacing_renders():
    from skill.conversation.handlers.routines import step_speech
    from skill.routine import RoutineState

    content = content_module.load()  # a fresh copy: nothing kept with it yet
    cases = [(routine, index, part, pace, again) for routine in content.routines.values()
             for index, step in enumerate(routine.steps) for part in pacing.parts(step)
             for pace in range(routine.slowest_pace + 1) for again in (False, True)]
    for _ in range(2):  # rendered, then said from what was kept
        for routine, index, part, pace, again in cases:
            said = step_speech(content, routine, RoutineState(routine.id, index, pace, False, part), again)
            assert said == pacing.step_speech(routine, index, part, PACES[pace], content.routine_prompts,
                                              content.routine_closings, again)
    assert 0 < len(content.rendered) <= len(cases)
    assert content == content_module.load()  # what is kept is no part of the content
